package workflows

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// deploy ships every push to a branch that merge environments deploy from:
// one build of each image per push, then, per environment of that branch,
// Terraform apply with the environment's apply role and a commit of the new
// digests to its release record, which Flux then syncs. Runs of one branch
// queue rather than overlap, so an older push never lands after a newer
// one, and nothing is ever cancelled half-applied.
func (g *gen) deploy() {
	merge := g.mergeEnvironments()
	if len(merge) == 0 {
		return
	}
	built := g.images()
	origins := []engine.Origin{g.platformOrigin("name", "registry", "cloud.region")}

	origins = append(origins, g.buildOrigins()...)
	jobs := mapping()
	if len(built) > 0 {
		jobs.Content = append(jobs.Content, str("build"), g.buildJob(built))
	}
	for _, e := range merge {
		jobs.Content = append(jobs.Content, str("deploy-"+e.Name), g.deployJob(e, built))
		origins = append(origins, envOrigin(e, "name", "account", "region", "delivery"))
	}
	on := mapping("push", mapping("branches", flow(branches(merge)...)))
	g.add(DeployPath, workflow("Deploy", on, concurrency("deploy-${{ github.ref }}", false), jobs), origins)
}

// The release-record commits go past the branch rulesets of
// modules/github as the one actor they let through, a write deploy key:
// GitHub's own token can bypass neither rulesets nor branch protection. The
// key is a secret of each deployment environment, so only a job that the
// environment's reviewers and branch policy let run can read it. A push with
// a deploy key starts workflows (one with GitHub's token would not), so the
// commit says [skip ci]: it holds a record and what it generates, which
// the next pull request's make verify checks, and it must not deploy again.
const (
	releaseKey = "${{ secrets.RELEASE_DEPLOY_KEY }}"
	skipCI     = "[skip ci]"
)

// registryHost is the host of the registry images are pushed to.
func (g *gen) registryHost() string {
	host, _, _ := strings.Cut(g.p.Registry, "/")
	return host
}

// image is one image the deploy workflow builds, under the name its
// digest is recorded by in the release records.
type image struct {
	name, context, dockerfile, repository string
}

// Where the database jobs' program is built from, in this repository.
const (
	pgopsContext    = "backend"
	pgopsDockerfile = "backend/cmd/pgops/Dockerfile"
)

// images are the images CI builds from this repository: each built
// service's and, when a service has a database, that of its jobs (pgops),
// whose digest the Flux tree runs the grant, backup and restore-drill jobs
// by.
func (g *gen) images() []image {
	var out []image
	for _, s := range g.built() {
		out = append(out, image{s.Name, s.Build.Context, s.Build.Dockerfile, spec.Image(g.p, s)})
	}
	if g.hasDatabase() {
		out = append(out, image{spec.PgopsRelease, pgopsContext, pgopsDockerfile, spec.PgopsImage(g.p)})
	}
	return out
}

// buildJob builds and pushes each image once, tagged with the commit, and
// hands its digest to the deploy jobs as an artifact: digests, not tags,
// are what environments run.
func (g *gen) buildJob(built []image) *yaml.Node {
	include := seq()
	for _, im := range built {
		include.Content = append(include.Content, mapping(
			"service", im.name,
			"context", im.context,
			"dockerfile", im.dockerfile,
			"image", im.repository,
		))
	}
	perms := mapping("contents", "read", "packages", "write")
	login := mapping(
		"registry", g.registryHost(),
		"username", "${{ github.actor }}",
		"password", "${{ secrets.GITHUB_TOKEN }}",
	)
	if g.registryHost() != "ghcr.io" {
		perms = mapping("contents", "read")
		login = mapping(
			"registry", g.registryHost(),
			"username", "${{ secrets.REGISTRY_USERNAME }}",
			"password", "${{ secrets.REGISTRY_PASSWORD }}",
		)
	}
	return mapping(
		"name", "Build ${{ matrix.service }}",
		"runs-on", runner,
		"permissions", perms,
		"timeout-minutes", 30,
		"strategy", mapping("matrix", mapping("include", include)),
		"steps", seq(
			g.checkout(false),
			g.step("Set up Docker Buildx", "docker/setup-buildx-action", nil),
			g.step("Log in to "+g.registryHost(), "docker/login-action", login),
			mapping(
				"name", "Build and push",
				"id", "build",
				"uses", g.uses("docker/build-push-action"),
				"with", mapping(
					"context", "${{ matrix.context }}",
					"file", "${{ matrix.dockerfile }}",
					"push", true,
					"tags", "${{ matrix.image }}:${{ github.sha }}",
				),
			),
			run("Keep the digest", digestScript, "env", mapping(
				"SERVICE", "${{ matrix.service }}",
				"DIGEST", "${{ steps.build.outputs.digest }}",
				"DIGESTS", "${{ runner.temp }}/digests",
			)),
			g.step("Upload the digest", "actions/upload-artifact", mapping(
				"name", "digest-${{ matrix.service }}",
				"path", "${{ runner.temp }}/digests/${{ matrix.service }}",
				"if-no-files-found", "error",
				"retention-days", 1,
			)),
		),
	)
}

// deployJob applies the environment's Terraform root and records the new
// digests. It is the only kind of job here that pushes to the repository,
// so it alone keeps the checkout's credentials and may write contents.
func (g *gen) deployJob(e *spec.Environment, built []image) *yaml.Node {
	var needs any
	if len(built) > 0 {
		needs = "build"
	}
	steps := seq(
		g.checkout(true, "ssh-key", releaseKey),
		g.setupGo(false),
		g.setupTerraform(),
		g.awsCredentials(e, spec.ApplyRoleName(g.p, e)),
		run("Apply", applyScript, "working-directory", spec.TerraformDir(e)),
	)
	if len(built) > 0 {
		var set strings.Builder
		set.WriteString("  bin/groundwork release set \"$ENVIRONMENT\"")
		for _, im := range built {
			fmt.Fprintf(&set, " \\\n    \"%s=$(cat \"$DIGESTS/%s\")\"", im.name, im.name)
		}
		set.WriteString("\n")
		steps.Content = append(steps.Content,
			g.step("Download the digests", "actions/download-artifact", mapping(
				"pattern", "digest-*",
				"path", "${{ runner.temp }}/digests",
				"merge-multiple", true,
			)),
			run("Record the release", gitIdentity+recordLoopHead+set.String()+recordLoopTail, "env", mapping(
				"ENVIRONMENT", e.Name,
				"BRANCH", e.Delivery.Branch,
				"DIGESTS", "${{ runner.temp }}/digests",
				"MESSAGE", "release("+e.Name+"): images of ${{ github.sha }} "+skipCI,
			)),
		)
	}
	return mapping(
		"name", "Deploy "+e.Name,
		"needs", needs,
		"if", "github.ref == "+exprString(branchRef(e.Delivery.Branch)),
		"runs-on", runner,
		"environment", spec.DeployEnvironment(e),
		"permissions", mapping("contents", "write", "id-token", "write"),
		"concurrency", concurrency("environment-"+e.Name, false),
		"timeout-minutes", 60,
		"steps", steps,
	)
}
