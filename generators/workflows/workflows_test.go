package workflows_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/workflows"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

func load(t *testing.T, root string) *spec.Model {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func generate(t *testing.T, m *spec.Model) []engine.File {
	t.Helper()
	files, err := workflows.Generator{}.Generate(engine.Input{Spec: m})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// withQA is the sample organisation plus a qa environment that deploys on
// merge, in a temporary copy of the specs.
func withQA(t *testing.T) *spec.Model {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "specs"), os.DirFS("../../specs")); err != nil {
		t.Fatal(err)
	}
	qa := `name: qa
account: "444444444444"
network: {cidr: 10.50.0.0/16}
delivery: {trigger: merge, branch: develop}
`
	if err := os.WriteFile(filepath.Join(root, "specs/environments/qa.yaml"), []byte(qa), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, root)
}

// The cases in testdata/cases: the sample organisation's workflows are
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := engine.Render(m, []engine.Generator{workflows.Generator{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out.Files
	})
}

// lint is workflows.Lint, without shellcheck under -short: the quick run
// still checks actionlint's rules and the hardening rules.
func lint(path string, data []byte) ([]*actionlint.Error, error) {
	if testing.Short() {
		return workflows.LintWithoutShellcheck(path, data)
	}
	return workflows.Lint(path, data)
}

// minimal is an organisation with one service, pushed to a registry other
// than GitHub's, and the given environments.
func minimal(t *testing.T, envs ...string) *spec.Model {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"specs/platform.yaml": `name: acme
repository: acme/platform
registry: registry.example.com/acme
cloud: {region: eu-west-1, stateBucket: acme-tf-state}
teams:
  platform: {github: "@acme/platform", slack: "#platform", pagerduty: platform}
`,
		"specs/services/shop.yaml": "name: shop\nteam: platform\nport: 8080\nbuild: {context: shop}\n",
	}
	for i, e := range envs {
		files["specs/environments/"+e+".yaml"] = fmt.Sprintf("account: \"%012d\"\nnetwork: {cidr: 10.%d.0.0/16}\n", i+1, i+1)
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return load(t, root)
}

// An organisation with no environment gets CI and the scans, and no
// workflow without jobs.
func TestNoEnvironments(t *testing.T) {
	var paths []string
	for _, f := range generate(t, minimal(t)) {
		paths = append(paths, f.Path)
	}
	want := []string{workflows.DependabotPath, workflows.CIPath, workflows.ReviewPath, workflows.SafetyPath}
	if !slices.Equal(paths, want) {
		t.Fatalf("generated %v, want %v", paths, want)
	}
}

// Every generated workflow, of the sample organisation, of one with
// another environment and of one with none, passes actionlint, shellcheck
// and the hardening rules with nothing to report.
func TestGeneratedWorkflowsLintClean(t *testing.T) {
	for name, c := range map[string]struct {
		m         *spec.Model
		workflows int
	}{"sample": {load(t, "../.."), 9}, "qa": {withQA(t), 9}, "minimal": {minimal(t), 3}, "one environment": {minimal(t, "live"), 6}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := 0
			for _, f := range generate(t, c.m) {
				if !strings.HasPrefix(f.Path, workflows.Dir+"/") {
					continue
				}
				n++
				errs, err := lint(f.Path, f.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range errs {
					t.Errorf("%s", e)
				}
			}
			if n != c.workflows {
				t.Fatalf("linted %d workflows, want %d", n, c.workflows)
			}
		})
	}
}

// Adding an environment adds its jobs and changes nothing else.
func TestNewEnvironmentAddsOnlyItsJobs(t *testing.T) {
	base := map[string][]byte{}
	for _, f := range generate(t, load(t, "../..")) {
		base[f.Path] = f.Data
	}
	added := map[string][]string{
		workflows.CIPath:     {"terraform-qa"},
		workflows.PlanPath:   {"plan-qa"},
		workflows.DeployPath: {"deploy-qa"},
		workflows.DriftPath:  {"drift-qa"},
	}
	var paths []string
	for _, f := range generate(t, withQA(t)) {
		paths = append(paths, f.Path)
		old, ok := base[f.Path]
		if !ok {
			t.Errorf("%s: new file; adding an environment that deploys on merge adds jobs, not files", f.Path)
			continue
		}
		doc := parse(t, f.Data)
		if f.Path == workflows.DependabotPath {
			removeScalar(t, doc, "/environments/qa/terraform")
		} else {
			removeJobs(t, f.Path, doc, added[f.Path])
		}
		if diff := cmp.Diff(string(reencode(t, parse(t, old))), string(reencode(t, doc))); diff != "" {
			t.Errorf("%s changed beyond the qa jobs (-sample +qa):\n%s", f.Path, diff)
		}
	}
	if len(paths) != len(base) {
		t.Errorf("qa generates %v; the sample %d files", paths, len(base))
	}
}

func parse(t *testing.T, data []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func reencode(t *testing.T, doc *yaml.Node) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// removeJobs takes exactly the named jobs out of a workflow.
func removeJobs(t *testing.T, path string, doc *yaml.Node, names []string) {
	t.Helper()
	jobs := value(doc.Content[0], "jobs")
	var kept []*yaml.Node
	var got []string
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		if k := jobs.Content[i]; slices.Contains(names, k.Value) {
			got = append(got, k.Value)
			continue
		} else if strings.Contains(k.Value, "qa") {
			t.Errorf("%s: unexpected job %s", path, k.Value)
		}
		kept = append(kept, jobs.Content[i], jobs.Content[i+1])
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s: qa added jobs %v, want %v", path, got, names)
	}
	jobs.Content = kept
}

// removeScalar takes one list item out wherever it occurs.
func removeScalar(t *testing.T, n *yaml.Node, v string) {
	t.Helper()
	found := false
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.SequenceNode {
			n.Content = slices.DeleteFunc(n.Content, func(c *yaml.Node) bool {
				if c.Kind == yaml.ScalarNode && c.Value == v {
					found = true
					return true
				}
				return false
			})
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	if !found {
		t.Errorf("%s is not listed", v)
	}
}

// Two runs give the same bytes.
func TestDeterministic(t *testing.T) {
	m := load(t, "../..")
	a, b := generate(t, m), generate(t, m)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two runs differ:\n%s", diff)
	}
}

// Each file of testdata/bad breaks one hardening rule, the one its name
// starts with (<rule>.yml or <rule>.<case>.yml); Lint reports exactly the
// errors in the .out file beside it, one `line:col: message [rule]` a line.
// With -update, the .out files are rewritten; review them in git diff.
func TestBadWorkflows(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, name := range files {
		rule, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(name), ".yml"), ".")
		covered[rule] = true
		t.Run(filepath.Base(name), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := lint(name, data)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, e := range errs {
				fmt.Fprintf(&got, "%d:%d: %s [%s]\n", e.Line, e.Column, e.Message, e.Kind)
				if e.Kind != rule {
					t.Errorf("%s: reported by %s, want only %s", e, e.Kind, rule)
				}
			}
			if len(errs) == 0 {
				t.Errorf("%s reports nothing", rule)
			}
			out := strings.TrimSuffix(name, ".yml") + ".out"
			if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
				if err := os.WriteFile(out, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", out, diff)
			}
		})
	}
	for _, r := range workflows.RuleNames() {
		if !covered[r] {
			t.Errorf("rule %s has no testdata/bad/%s.yml", r, r)
		}
	}
}

// Lint runs shellcheck and actionlint's own rules, not only ours.
func TestLintRunsShellcheckAndActionlint(t *testing.T) {
	bins.SkipShort(t, "shellcheck")
	wf := `name: Scripts
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  test:
    name: Test
    runs-on: ubuntu-24.04
    needs: missing
    steps:
      - name: Unquoted
        run: rm -rf $DIR/*
`
	errs, err := workflows.Lint("scripts.yml", []byte(wf))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, e := range errs {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"shellcheck", "job-needs"} {
		if !kinds[k] {
			t.Errorf("no %s finding in %v", k, errs)
		}
	}
}

// deployWorkflow parses the deploy workflow of m.
func deployWorkflow(t *testing.T, m *spec.Model) map[string]any {
	t.Helper()
	for _, f := range generate(t, m) {
		if f.Path == workflows.DeployPath {
			var doc map[string]any
			if err := yaml.Unmarshal(f.Data, &doc); err != nil {
				t.Fatal(err)
			}
			return doc
		}
	}
	t.Fatal("no deploy workflow")
	return nil
}

// The deploy workflow builds the database jobs' image (pgops) beside the
// services' when a service has a database, from backend/cmd/pgops, and
// records its digest with theirs in each environment it deploys; it does
// not when none has. An organisation whose only image is pgops still
// builds it. Each variant passes the linters.
func TestDeployBuildsPgops(t *testing.T) {
	noBuild := minimal(t, "live")
	noBuild.Services[0].Build = nil
	noBuild.Services[0].Database = &spec.Database{}
	for name, c := range map[string]struct {
		m     *spec.Model
		built []string // services of the build matrix, in order
	}{
		"sample":      {load(t, "../.."), []string{"api", spec.PgopsRelease}},
		"no database": {minimal(t, "live"), []string{"shop"}},
		"only pgops":  {noBuild, []string{spec.PgopsRelease}},
		"qa":          {withQA(t), []string{"api", spec.PgopsRelease}},
	} {
		t.Run(name, func(t *testing.T) {
			doc := deployWorkflow(t, c.m)
			jobs := doc["jobs"].(map[string]any)
			build := jobs["build"].(map[string]any)
			var got []string
			for _, in := range build["strategy"].(map[string]any)["matrix"].(map[string]any)["include"].([]any) {
				im := in.(map[string]any)
				got = append(got, im["service"].(string))
				if im["service"] == spec.PgopsRelease {
					want := map[string]any{"service": "pgops", "context": "backend", "dockerfile": "backend/cmd/pgops/Dockerfile", "image": spec.PgopsImage(c.m.Platform)}
					if diff := cmp.Diff(want, im); diff != "" {
						t.Errorf("pgops build (-want +got):\n%s", diff)
					}
				}
			}
			if !slices.Equal(got, c.built) {
				t.Errorf("build matrix %v, want %v", got, c.built)
			}
			deploys := 0
			for name, j := range jobs {
				if !strings.HasPrefix(name, "deploy-") {
					continue
				}
				deploys++
				job := j.(map[string]any)
				if job["needs"] != "build" {
					t.Errorf("%s needs %v, not the build", name, job["needs"])
				}
				var script string
				for _, st := range job["steps"].([]any) {
					if s := st.(map[string]any); s["name"] == "Record the release" {
						script = s["run"].(string)
					}
				}
				for _, im := range c.built {
					if want := fmt.Sprintf(`"%s=$(cat "$DIGESTS/%s")"`, im, im); !strings.Contains(script, want) {
						t.Errorf("%s does not record %s:\n%s", name, want, script)
					}
				}
				if !slices.Contains(c.built, spec.PgopsRelease) && strings.Contains(script, "pgops") {
					t.Errorf("%s records pgops for an organisation without a database:\n%s", name, script)
				}
			}
			if deploys == 0 {
				t.Fatal("no deploy job")
			}
			for _, f := range generate(t, c.m) {
				if f.Path != workflows.DeployPath {
					continue
				}
				errs, err := lint(f.Path, f.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range errs {
					t.Errorf("%s", e)
				}
			}
		})
	}
}

// Dependabot watches the base images of pgops's Dockerfile too.
func TestDependabotWatchesPgops(t *testing.T) {
	for _, f := range generate(t, load(t, "../..")) {
		if f.Path == workflows.DependabotPath && !bytes.Contains(f.Data, []byte(`"/backend/cmd/pgops"`)) {
			t.Errorf("%s does not watch /backend/cmd/pgops:\n%s", f.Path, f.Data)
		}
	}
}
