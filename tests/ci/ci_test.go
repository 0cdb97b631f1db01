// Package ci_test runs the generated workflows here, as a hosted runner
// would run them (see runner_test.go), so that what CI runs on GitHub has
// run once before: every job of ci.yml, and the offline jobs of the other
// workflows, in a fresh copy of the repository with only the README's
// prerequisites.
//
// Under make test (no -short) the `make test` step of ci.yml runs with a
// narrowed go: everything make test does first (building the pinned tools,
// npm ci) runs as written, and its `go test` runs only TestToolsFound, which
// passes only when every external program the full test run looks for is
// there. The full run itself is the make test that runs this test; what the
// copy adds is a clean machine, and that is what TestToolsFound checks. With
// -full (make ci-local) every step runs as written, make test included
// (about as long as make test).
package ci_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/workflows"
	"github.com/groundwork-dev/groundwork/internal/bins"
)

var full = flag.Bool("full", false, "run every step of the generated CI as written, make test included")

// narrowGo stands in for go in the `make test` step (see the package
// comment): in the root module `go test` runs TestToolsFound; in another
// module (backend/) it builds the module.
const narrowGo = `#!/usr/bin/env bash
set -euo pipefail
if [ "${1:-}" = test ]; then
  if grep -qx 'module github.com/groundwork-dev/groundwork' go.mod; then
    echo "tests/ci: go $* narrowed to TestToolsFound"
    exec go test -run '^TestToolsFound$' ./internal/bins
  fi
  echo "tests/ci: go $* in $(basename "$PWD") narrowed to go build ./..."
  exec go build ./...
fi
exec go "$@"
`

func skip(t *testing.T) {
	t.Helper()
	bins.SkipShort(t, "make, Go, Terraform and the README's prerequisites (it runs the generated CI)")
	if os.Getenv("GROUNDWORK_CI_RUNNER") != "" {
		t.Skip("already inside a run of the generated CI")
	}
}

// work is where the copies live: in bin/ (ignored), at the same path on
// every run, so that Go's build cache serves the next run.
func work(t *testing.T, name string) (workspace string, log *os.File) {
	t.Helper()
	dir := filepath.Join(bins.Root(), "bin", "ci")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return filepath.Join(dir, name), log
}

// Every job of ci.yml runs green here, in order, each in a fresh copy, and
// leaves nothing in it that git would show.
func TestGeneratedCI(t *testing.T) {
	skip(t)
	root := bins.Root()
	w, jobs := readWorkflow(t, root, workflows.CIPath)
	for _, j := range jobs {
		if why := offline(j); why != "" {
			t.Fatalf("job %q of %s cannot run here: %s; every job of CI must (give the action a stand-in in runner_test.go)", j.ID, workflows.CIPath, why)
		}
	}
	for _, j := range jobs {
		t.Run(j.ID, func(t *testing.T) {
			workspace, log := work(t, "ci-"+j.ID)
			head := freshCopy(t, root, workspace)
			r := newRun(t, workspace, event{baseSHA: head, headSHA: head}, log)
			if !*full {
				shim := filepath.Join(r.temp, "narrow-go")
				if err := os.WriteFile(shim, []byte(narrowGo), 0o755); err != nil {
					t.Fatal(err)
				}
				r.replace = map[string][]string{"make test\n": {"GO=" + shim}}
			}
			r.exec(w, j)
			if st := git(t, workspace, "status", "--porcelain", "--untracked-files=all"); st != "" {
				t.Errorf("job %q left files git does not ignore (add them to .gitignore):\n%s", j.ID, st)
			}
			t.Logf("log: %s", log.Name())
		})
	}
}

// The Generated diff workflow's summary job runs here on a pull request
// that changes a spec, and its comment names what the change does.
func TestGeneratedDiffComment(t *testing.T) {
	skip(t)
	root := bins.Root()
	w, jobs := readWorkflow(t, root, workflows.ReviewPath)
	ran := 0
	for _, j := range jobs {
		if why := offline(j); why != "" {
			t.Logf("job %q cannot run offline: %s", j.ID, why)
			continue
		}
		ran++
		workspace, log := work(t, "diff-"+j.ID)
		base := freshCopy(t, root, workspace)
		prod := filepath.Join(workspace, "specs", "environments", "prod.yaml")
		data, err := os.ReadFile(prod)
		if err != nil {
			t.Fatal(err)
		}
		changed := strings.Replace(string(data), "instanceClass: db.r6g.large,", "instanceClass: db.r6g.xlarge,", 1)
		if changed == string(data) {
			t.Fatal("specs/environments/prod.yaml no longer has instanceClass: db.r6g.large; change the edit this test makes")
		}
		if err := os.WriteFile(prod, []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, workspace, "commit", "-q", "-a", "-m", "prod: larger databases")
		head := strings.TrimSpace(git(t, workspace, "rev-parse", "HEAD"))
		r := newRun(t, workspace, event{baseSHA: base, headSHA: head}, log)
		r.exec(w, j)
		comment, err := os.ReadFile(filepath.Join(r.temp, "generated-diff", "comment.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(comment), "generated file") || !strings.Contains(string(comment), "environments/prod/") {
			t.Errorf("the comment does not name prod's changed files:\n%s", comment)
		}
		// --base: the comment starts with the spec field edited, old → new.
		if !strings.Contains(string(comment), "| `specs/environments/prod.yaml` | `database.instanceClass` | `\"db.r6g.large\"` | `\"db.r6g.xlarge\"` |") {
			t.Errorf("the comment does not say which spec field changed, old → new:\n%s", comment)
		}
	}
	if ran == 0 {
		t.Fatalf("no job of %s ran", workflows.ReviewPath)
	}
}

// Every go.mod of the repository is a module that govulncheck and
// Dependabot scan, and workflows.GoModules names no other.
func TestEveryGoModuleScanned(t *testing.T) {
	root := bins.Root()
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "--", "go.mod", "*/go.mod").Output()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range strings.Fields(string(out)) {
		if _, err := os.Stat(filepath.Join(root, f)); err == nil {
			found = append(found, filepath.Dir(f))
		}
	}
	slices.Sort(found)
	want := slices.Sorted(slices.Values(workflows.GoModules))
	if !slices.Equal(found, want) {
		t.Fatalf("the repository's Go modules are %q; workflows.GoModules says %q", found, want)
	}

	var dependabot struct {
		Updates []struct {
			Ecosystem   string   `yaml:"package-ecosystem"`
			Directory   string   `yaml:"directory"`
			Directories []string `yaml:"directories"`
		} `yaml:"updates"`
	}
	data, err := os.ReadFile(filepath.Join(root, workflows.DependabotPath))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &dependabot); err != nil {
		t.Fatal(err)
	}
	var updated []string
	for _, u := range dependabot.Updates {
		if u.Ecosystem == "gomod" {
			updated = append(updated, u.Directories...)
			if u.Directory != "" {
				updated = append(updated, u.Directory)
			}
		}
	}
	var safety struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Module []string `yaml:"module"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
		} `yaml:"jobs"`
	}
	data, err = os.ReadFile(filepath.Join(root, workflows.SafetyPath))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &safety); err != nil {
		t.Fatal(err)
	}
	scanned := safety.Jobs["govulncheck"].Strategy.Matrix.Module
	for _, m := range found {
		dir := "/" + m
		if m == "." {
			dir = "/"
		}
		if !slices.Contains(updated, dir) {
			t.Errorf("Dependabot does not update the Go module in %s", m)
		}
		if !slices.Contains(scanned, m) {
			t.Errorf("govulncheck does not scan the Go module in %s", m)
		}
	}
}
