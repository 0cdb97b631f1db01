// Package workflows makes the GitHub Actions workflows of the monorepo and
// .github/dependabot.yml from the specs: CI, Terraform plans on pull
// requests, deploys on merge, protected releases, drift detection and
// dependency and secret scanning. Every environment in the specs gets its
// jobs, so adding an environment spec adds its jobs and nothing else.
//
// The workflows follow the hardening rules (one file each, rule_*.go: pinned
// uses, read-only top permissions, no expressions in run:, ...), and Lint checks
// them with actionlint, shellcheck and one rule per hardening rule.
package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// Paths of the generated files.
const (
	Dir            = ".github/workflows"
	CIPath         = Dir + "/ci.yml"
	PlanPath       = Dir + "/terraform-plan.yml"
	DeployPath     = Dir + "/deploy.yml"
	DriftPath      = Dir + "/drift.yml"
	SafetyPath     = Dir + "/safety.yml"
	DependabotPath = ".github/dependabot.yml"
)

// releasePath is the release workflow of an environment that a tag or a
// person triggers.
func releasePath(e *spec.Environment) string { return Dir + "/release-" + e.Name + ".yml" }

// Settings every workflow shares. The runner and Terraform are pinned, so
// that a workflow run does not change under a repository that did not.
const (
	runner           = "ubuntu-24.04"
	terraformVersion = "1.11.4"
	govulncheck      = "golang.org/x/vuln/cmd/govulncheck@v1.9.0"
	botName          = "github-actions[bot]"
	botEmail         = "41898282+github-actions[bot]@users.noreply.github.com"
)

// Generator makes the workflows and dependabot.yml.
type Generator struct{}

func (Generator) Kind() string { return "workflows" }

// Generate is pure: the embedded action table and the model are its only
// inputs.
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m := in.Spec
	table, err := parseActions(actionsTSV)
	if err != nil {
		return nil, err
	}
	return generate(m, table)
}

func generate(m *spec.Model, table map[string]pin) ([]engine.File, error) {
	if m.Platform == nil {
		return nil, nil
	}
	g := &gen{m: m, p: m.Platform, table: table}
	g.ci()
	g.plan()
	g.deploy()
	g.releases()
	g.drift()
	g.safety()
	g.loadtests()
	g.review()
	g.dependabot()
	if err := errors.Join(g.errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(g.files, func(a, b engine.File) int { return strings.Compare(a.Path, b.Path) })
	return g.files, nil
}

// gen collects the files of one model and every mistake on the way, so that
// a missing action is reported once per action rather than stopping at the
// first.
type gen struct {
	m     *spec.Model
	p     *spec.Platform
	table map[string]pin
	files []engine.File
	errs  []error
	seen  map[string]bool
}

func (g *gen) errorf(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	if !g.seen[err.Error()] {
		g.seen[err.Error()] = true
		g.errs = append(g.errs, err)
	}
}

// add encodes a document as the file at path.
func (g *gen) add(path string, doc *yaml.Node, origins []engine.Origin) {
	data, err := yamlw.Encode(doc)
	if err != nil {
		g.errorf("%s: %w", path, err)
		return
	}
	g.files = append(g.files, engine.File{Path: path, Origins: origins, Data: data})
}

// uses pins an action to its commit, with its tag as the line comment.
func (g *gen) uses(action string) *yaml.Node {
	p, ok := lookup(g.table, action)
	if !ok {
		g.errorf("action %s is not in actions.tsv; add its release tag and commit there", action)
		return str(action)
	}
	n := str(action + "@" + p.Commit)
	n.LineComment = "# " + p.Tag
	return n
}

// workflow is the document every workflow starts from: a name, triggers,
// read-only permissions and bash with pipefail for every script.
func workflow(name string, on, concurrency, jobs *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapping(
		"name", name,
		"on", on,
		"permissions", mapping("contents", "read"),
		"concurrency", concurrency,
		"defaults", mapping("run", mapping("shell", "bash")),
		"jobs", jobs,
	)}}
}

func concurrency(group string, cancel any) *yaml.Node {
	return mapping("group", group, "cancel-in-progress", cancel)
}

// step makes a step that uses an action.
func (g *gen) step(name, action string, with *yaml.Node) *yaml.Node {
	return mapping("name", name, "uses", g.uses(action), "with", with)
}

// run makes a step that runs a script. Values reach scripts through env,
// never through ${{ }} inside the script.
func run(name, script string, kv ...any) *yaml.Node {
	n := mapping(kv...)
	n.Content = append([]*yaml.Node{str("name"), str(name)}, n.Content...)
	n.Content = append(n.Content, str("run"), str(script))
	return n
}

// checkout keeps the token in .git/config only for jobs that push.
func (g *gen) checkout(pushes bool, with ...any) *yaml.Node {
	if !pushes {
		with = append([]any{"persist-credentials", false}, with...)
	}
	return g.step("Check out", "actions/checkout", mapping(with...))
}

// setupGo reads the Go version from go.mod. Deploy and release jobs turn the
// module cache off: a poisoned cache must not reach what ships.
func (g *gen) setupGo(cache bool) *yaml.Node {
	with := mapping("go-version-file", "go.mod")
	if !cache {
		with = mapping("go-version-file", "go.mod", "cache", false)
	}
	return g.step("Set up Go", "actions/setup-go", with)
}

// setupTerraform installs the pinned Terraform without its wrapper, so that
// scripts see Terraform's own output and exit codes.
func (g *gen) setupTerraform() *yaml.Node {
	return g.step("Set up Terraform", "hashicorp/setup-terraform", mapping(
		"terraform_version", terraformVersion,
		"terraform_wrapper", false,
	))
}

// awsCredentials assumes one of the environment's roles through GitHub's
// OIDC provider: no long-lived key exists anywhere.
func (g *gen) awsCredentials(e *spec.Environment, role string) *yaml.Node {
	return g.step("Assume "+role, "aws-actions/configure-aws-credentials", mapping(
		"role-to-assume", spec.RoleARN(e, role),
		"aws-region", e.Region,
	))
}

// exprString quotes s as a string literal of a GitHub expression.
func exprString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// branchRef is the ref a push to branch b carries.
func branchRef(b string) string { return "refs/heads/" + b }

// Origins.

func envOrigin(e *spec.Environment, fields ...string) engine.Origin {
	return engine.Origin{Spec: e.Source.Path, Fields: fields}
}

func (g *gen) platformOrigin(fields ...string) engine.Origin {
	return engine.Origin{Spec: g.p.Source.Path, Fields: fields}
}

// mergeEnvironments are the environments that a push to their branch deploys.
func (g *gen) mergeEnvironments() []*spec.Environment {
	var out []*spec.Environment
	for _, e := range g.m.Environments {
		if e.Delivery.Trigger == spec.TriggerMerge {
			out = append(out, e)
		}
	}
	return out
}

// built are the services whose images CI builds from this repository.
func (g *gen) built() []*spec.Service {
	var out []*spec.Service
	for _, s := range g.m.Services {
		if s.Build != nil && s.Build.Context != "" {
			out = append(out, s)
		}
	}
	return out
}

// hasDatabase: some service has a database, whose jobs run the pgops
// image.
func (g *gen) hasDatabase() bool {
	for _, s := range g.m.Services {
		if s.Database != nil {
			return true
		}
	}
	return false
}

// buildOrigins names the build and database fields of every service,
// built or not: adding a build or a database to a service changes what
// depends on the built set, and such a file is shared by all services
// rather than owned by the one that happens to be built.
func (g *gen) buildOrigins() []engine.Origin {
	var out []engine.Origin
	for _, s := range g.m.Services {
		out = append(out, engine.Origin{Spec: s.Source.Path, Fields: []string{"build", "database"}})
	}
	return out
}

// branches lists, sorted and once each, the branches merge environments
// deploy from.
func branches(envs []*spec.Environment) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.Delivery.Branch)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
