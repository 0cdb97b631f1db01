package workflows

import (
	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// plan runs `terraform plan` of every environment on pull requests that
// change Terraform, with the environment's read-only plan role, and keeps
// one up-to-date comment per environment on the pull request. It never
// applies, and it does not lock the state, so that plans never block a
// deploy. Pull requests from forks get no cloud token, so their plans are
// skipped rather than failed.
func (g *gen) plan() {
	if len(g.m.Environments) == 0 {
		return
	}
	jobs := mapping()
	origins := []engine.Origin{g.platformOrigin("name", "cloud.region")}
	for _, e := range g.m.Environments {
		role := spec.PlanRoleName(g.p, e)
		jobs.Content = append(jobs.Content, str("plan-"+e.Name), mapping(
			"name", "Plan "+e.Name,
			"if", "github.event.pull_request.head.repo.full_name == github.repository",
			"runs-on", runner,
			"environment", spec.PlanEnvironment(e),
			"permissions", mapping("contents", "read", "id-token", "write", "pull-requests", "write"),
			"timeout-minutes", 30,
			"steps", seq(
				g.checkout(false),
				g.setupTerraform(),
				g.awsCredentials(e, role),
				run("Plan", planScript,
					"id", "plan",
					"working-directory", spec.TerraformDir(e),
					"env", mapping("PLAN_FILE", "${{ runner.temp }}/plan.txt"),
				),
				mapping(
					"name", "Comment the plan on the pull request",
					"uses", g.uses("actions/github-script"),
					"env", mapping(
						"ENVIRONMENT", e.Name,
						"PLAN_FILE", "${{ runner.temp }}/plan.txt",
						"PLAN_STATUS", "${{ steps.plan.outputs.status }}",
					),
					"with", mapping("script", planComment),
				),
				run("Fail if the plan failed", failPlanScript,
					"if", "steps.plan.outputs.status != '0'",
					"env", mapping("ENVIRONMENT", e.Name, "PLAN_STATUS", "${{ steps.plan.outputs.status }}"),
				),
			),
		))
		origins = append(origins, envOrigin(e, "name", "account", "region"))
	}
	on := mapping("pull_request", mapping("paths", flowQuoted([]string{"environments/**", "modules/**"})))
	g.add(PlanPath, workflow("Terraform plan", on,
		concurrency("terraform-plan-${{ github.event.pull_request.number }}", true),
		jobs), origins)
}

// drift plans every environment weekly with its plan role and keeps one
// issue per drifted environment.
func (g *gen) drift() {
	if len(g.m.Environments) == 0 {
		return
	}
	jobs := mapping()
	origins := []engine.Origin{g.platformOrigin("name", "cloud.region")}
	for _, e := range g.m.Environments {
		role := spec.PlanRoleName(g.p, e)
		jobs.Content = append(jobs.Content, str("drift-"+e.Name), mapping(
			"name", "Drift in "+e.Name,
			"runs-on", runner,
			"environment", spec.PlanEnvironment(e),
			"permissions", mapping("contents", "read", "id-token", "write", "issues", "write"),
			"timeout-minutes", 30,
			"steps", seq(
				g.checkout(false),
				g.setupTerraform(),
				g.awsCredentials(e, role),
				run("Plan", driftScript,
					"id", "plan",
					"working-directory", spec.TerraformDir(e),
					"env", mapping("PLAN_FILE", "${{ runner.temp }}/plan.txt"),
				),
				mapping(
					"name", "Open, update or close the drift issue",
					"uses", g.uses("actions/github-script"),
					"env", mapping(
						"ENVIRONMENT", e.Name,
						"PLAN_FILE", "${{ runner.temp }}/plan.txt",
						"PLAN_STATUS", "${{ steps.plan.outputs.status }}",
					),
					"with", mapping("script", driftIssue),
				),
				run("Fail if the plan failed", failPlanScript,
					"if", "steps.plan.outputs.status != '0' && steps.plan.outputs.status != '2'",
					"env", mapping("ENVIRONMENT", e.Name, "PLAN_STATUS", "${{ steps.plan.outputs.status }}"),
				),
			),
		))
		origins = append(origins, envOrigin(e, "name", "account", "region"))
	}
	on := mapping(
		"schedule", seq(mapping("cron", quoted("23 5 * * 1"))),
		"workflow_dispatch", emptyMapping(),
	)
	g.add(DriftPath, workflow("Terraform drift", on, concurrency("terraform-drift", false), jobs), origins)
}
