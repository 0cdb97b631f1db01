package terraform

import (
	"maps"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// githubRoot makes terraform/github: the repository's deployment
// environments, whose reviewers, wait timers and branch or tag policies gate
// every apply of the workflows, and the protection of its branches.
func githubRoot(m *spec.Model, r *renderer) []engine.File {
	p := m.Platform
	owner, repo, _ := strings.Cut(p.Repository, "/")
	origins := []engine.Origin{{Spec: p.Source.Path, Fields: []string{"repository", "teams"}}}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"delivery"}})
	}

	prov := &doc{}
	gh := prov.block("provider", "github")
	gh.SetAttributeRaw("owner", str(owner))

	main := &doc{}
	d := main
	teams := map[string]bool{}
	for _, e := range m.Environments {
		for _, r := range e.Delivery.Reviewers {
			teams[r] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(teams)) {
		t := d.block("data", "github_team", ident(name))
		t.SetAttributeRaw("slug", str(teamSlug(p.Teams[name].GitHub)))
	}
	mod := module(d, "github", GitHubDir)
	mod.SetAttributeRaw("repository", str(repo))
	envs := &object{}
	for _, e := range m.Environments {
		d := e.Delivery
		o := &object{}
		var ids []expr
		for _, r := range d.Reviewers {
			ids = append(ids, ref("data", "github_team", ident(r), "id"))
		}
		o.set("reviewers_team_ids", tuple(ids...))
		o.set("wait_minutes", num(d.WaitMinutes))
		o.set("trigger", str(d.Trigger))
		o.set("branch", str(d.Branch))
		envs.set(spec.DeployEnvironment(e), o.tokens())

		// The plan environment gates nothing: it names the OIDC subject
		// that the read-only plan role trusts (see spec.PlanEnvironment).
		plan := &object{}
		plan.set("reviewers_team_ids", tuple())
		plan.set("wait_minutes", num(0))
		plan.set("trigger", str("any"))
		plan.set("branch", str(""))
		envs.set(spec.PlanEnvironment(e), plan.tokens())
	}
	mod.SetAttributeRaw("environments", envs.tokens())

	// GitHub's environment reviewers let one approval through, so
	// delivery.approvals is enforced where GitHub counts reviews: on the pull
	// requests into the branch whose commits reach the environment.
	approvals := &object{}
	byBranch := m.BranchApprovals()
	for _, b := range slices.Sorted(maps.Keys(byBranch)) {
		approvals.set(b, num(byBranch[b]))
	}
	mod.SetAttributeRaw("branch_approvals", approvals.tokens())

	file := func(name string, f *doc) engine.File {
		return engine.File{Path: GitHubDir + "/" + name, Data: f.render(r), Origins: origins}
	}
	return []engine.File{
		file("versions.tf", versions(map[string][2]string{"github": {"integrations/github", githubProvider}})),
		file("backend.tf", backend(p, "github/terraform.tfstate")),
		file("providers.tf", prov),
		file("main.tf", main),
	}
}

// teamSlug is the slug of a GitHub team handle: @acme/payments -> payments.
func teamSlug(handle string) string {
	_, slug, ok := strings.Cut(strings.TrimPrefix(handle, "@"), "/")
	if !ok {
		return strings.TrimPrefix(handle, "@")
	}
	return slug
}
