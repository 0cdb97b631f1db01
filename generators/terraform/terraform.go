// Package terraform makes the Terraform root module of every environment,
// calling the hand-written modules in modules/ with the settings of the
// environment and of every service, and one root for the GitHub settings
// that gate deployments. Files are built with hclwrite and come out as
// `terraform fmt` writes them.
package terraform

import (
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Versions of the tools and providers the roots are written for.
const (
	requiredTerraform = ">= 1.10.0" // the S3 backend's use_lockfile
	awsProvider       = "~> 5.100"
	githubProvider    = "~> 6.7" // tag patterns on deployment policies, deploy keys as ruleset bypass actors
)

// GitHubDir is the root of the repository's GitHub settings.
const GitHubDir = "terraform/github"

// modulesFrom is the path from a root at depth 3 (environments/<env>/terraform
// or terraform/github/.. ) back to modules/.
func modulesFrom(dir string, module string) string {
	up := ""
	for range depth(dir) {
		up += "../"
	}
	return up + "modules/" + module
}

func depth(dir string) int {
	n := 1
	for _, c := range dir {
		if c == '/' {
			n++
		}
	}
	return n
}

// Generator makes the roots.
type Generator struct{}

func (Generator) Kind() string { return "terraform" }

// Generate makes the environments' roots concurrently: each is independent,
// and with many services each is large; they share what renders alike
// (renderer).
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m := in.Spec
	r := &renderer{}
	every := newEveryService(m)
	roots := make([][]engine.File, len(m.Environments))
	parallel.For(len(m.Environments), func(i int) { roots[i] = environmentRoot(in, m.Environments[i], every, r) })
	var files []engine.File
	for _, root := range roots {
		files = append(files, root...)
	}
	return append(files, githubRoot(m, r)...), nil
}
