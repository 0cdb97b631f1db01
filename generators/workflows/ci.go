package workflows

import (
	"slices"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// ci builds, lints and tests the repository, proves the committed output is
// what the specs make, and checks every environment's Terraform root without
// touching a cloud account. A newer push to a pull request cancels the run
// it supersedes; runs on branches always finish.
func (g *gen) ci() {
	pushBranches, origins := g.pushBranches()

	jobs := mapping("build", mapping(
		"name", "Build and test",
		"runs-on", runner,
		"timeout-minutes", 30,
		"steps", seq(
			g.checkout(false),
			g.setupGo(true),
			g.setupTerraform(),
			run("Install the Debian packages", debianPackages+" test\n"),
			run("Build", "make build\n"),
			run("Lint", "make lint\n"),
			run("Test", "make test\n"),
			run("Verify generated files", "make verify\n"),
		),
	))
	for _, e := range g.m.Environments {
		dir := spec.TerraformDir(e)
		jobs.Content = append(jobs.Content, str("terraform-"+e.Name), mapping(
			"name", "Terraform "+e.Name,
			"runs-on", runner,
			"timeout-minutes", 15,
			"defaults", mapping("run", mapping("working-directory", dir)),
			"steps", seq(
				g.checkout(false),
				g.setupTerraform(),
				run("Check formatting", "terraform fmt -check -recursive\n"),
				run("Validate", "terraform init -backend=false -input=false\nterraform validate\n"),
			),
		))
		origins = append(origins, envOrigin(e, "name"))
	}

	on := mapping(
		"pull_request", emptyMapping(),
		"push", mapping("branches", flow(pushBranches...)),
	)
	g.add(CIPath, workflow("CI", on,
		concurrency("ci-${{ github.ref }}", "${{ github.event_name == 'pull_request' }}"),
		jobs), origins)
}

// debianPackages installs what tools/debian-packages names for a target
// (shellcheck, PostgreSQL, Node.js...): the one list the README and .ci/run
// use too, so that CI needs nothing the README does not say.
const debianPackages = "tools/install-debian-packages"

// pushBranches are the branches whose pushes CI and the scans check: the
// default branch and every branch that deploys somewhere.
func (g *gen) pushBranches() ([]string, []engine.Origin) {
	merge := g.mergeEnvironments()
	out := append([]string{spec.DefaultBranch}, branches(merge)...)
	slices.Sort(out)
	var origins []engine.Origin
	for _, e := range merge {
		origins = append(origins, envOrigin(e, "delivery.branch", "delivery.trigger"))
	}
	return slices.Compact(out), origins
}
