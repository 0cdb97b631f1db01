package workflows

import (
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// promotionSource is the environment whose release record tag and manual
// environments promote: staging when it deploys on merge, else the first
// environment that does. Promotion never rebuilds: it ships exactly the
// digests that ran there.
func (g *gen) promotionSource() *spec.Environment {
	merge := g.mergeEnvironments()
	for _, e := range merge {
		if e.Name == "staging" {
			return e
		}
	}
	if len(merge) > 0 {
		return merge[0]
	}
	return nil
}

// releases makes one workflow per environment that a release tag or a
// person triggers. Its one job runs in the environment's GitHub environment,
// whose required reviewers and wait timer (from the spec's delivery) gate it;
// it applies the environment's Terraform root, then promotes the source
// environment's digests into the environment's release record on the
// default branch, where Flux picks them up. Infrastructure goes first, so
// that a workload never starts before what it needs exists.
func (g *gen) releases() {
	src := g.promotionSource()
	for _, e := range g.m.Environments {
		if e.Delivery.Trigger != spec.TriggerTag && e.Delivery.Trigger != spec.TriggerManual {
			continue
		}
		if src == nil {
			g.errorf("%s: delivery.trigger %s promotes the digests of an environment that deploys on merge, and there is none", e.Source.Path, e.Delivery.Trigger)
			continue
		}
		g.release(e, src)
	}
}

func (g *gen) release(e, src *spec.Environment) {
	on := mapping("workflow_dispatch", emptyMapping())
	checkout := g.checkout(true, "ref", "${{ github.event.repository.default_branch }}", "ssh-key", releaseKey)
	steps := seq(checkout)
	if e.Delivery.Trigger == spec.TriggerTag {
		on = mapping("push", mapping("tags", flowQuoted([]string{"v*"})))
		checkout = g.checkout(true,
			"ref", "${{ github.event.repository.default_branch }}",
			"fetch-depth", 0,
			"ssh-key", releaseKey,
		)
		steps = seq(checkout, run("Check that the tag is on the default branch", onDefaultBranch, "env", mapping(
			"BRANCH", "${{ github.event.repository.default_branch }}",
		)))
	}
	steps.Content = append(steps.Content,
		g.setupGo(false),
		g.setupTerraform(),
		g.awsCredentials(e, spec.ApplyRoleName(g.p, e)),
		run("Apply", applyScript, "working-directory", spec.TerraformDir(e)),
		run("Promote the digests of "+src.Name,
			gitIdentity+recordLoopHead+"  bin/groundwork release promote \"$SOURCE\" \"$ENVIRONMENT\"\n"+recordLoopTail,
			"env", mapping(
				"ENVIRONMENT", e.Name,
				"SOURCE", src.Name,
				"BRANCH", "${{ github.event.repository.default_branch }}",
				"MESSAGE", "release("+e.Name+"): promote the digests of "+src.Name+" "+skipCI,
			)),
	)
	jobs := mapping("release-"+e.Name, mapping(
		"name", "Release "+e.Name,
		"runs-on", runner,
		"environment", spec.DeployEnvironment(e),
		"permissions", mapping("contents", "write", "id-token", "write"),
		"concurrency", concurrency("environment-"+e.Name, false),
		"timeout-minutes", 60,
		"steps", steps,
	))
	origins := []engine.Origin{
		g.platformOrigin("name", "cloud.region"),
		envOrigin(e, "name", "account", "region", "delivery"),
		envOrigin(src, "name", "delivery.trigger"),
	}
	g.add(releasePath(e), workflow("Release "+e.Name, on, nil, jobs), origins)
}
