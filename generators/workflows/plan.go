package workflows

import (
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
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
		jobs.Content = append(jobs.Content, str("plan-"+e.Name), g.planJob(e, planJob{
			name:         "Plan " + e.Name,
			onlyIf:       "github.event.pull_request.head.repo.full_name == github.repository",
			write:        "pull-requests",
			script:       planScript,
			report:       "Comment the plan on the pull request",
			reportScript: planComment,
			failIf:       "steps.plan.outputs.status != '0'",
		}))
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
		jobs.Content = append(jobs.Content, str("drift-"+e.Name), g.planJob(e, planJob{
			name:         "Drift in " + e.Name,
			write:        "issues",
			script:       driftScript,
			report:       "Open, update or close the drift issue",
			reportScript: driftIssue,
			failIf:       "steps.plan.outputs.status != '0' && steps.plan.outputs.status != '2'",
		}))
		origins = append(origins, envOrigin(e, "name", "account", "region"))
	}
	on := mapping(
		"schedule", seq(mapping("cron", quoted("23 5 * * 1"))),
		"workflow_dispatch", emptyMapping(),
	)
	g.add(DriftPath, workflow("Terraform drift", on, concurrency("terraform-drift", false), jobs), origins)
}

// planJob is what a plan job and a drift job differ in: both plan one
// environment with its read-only role in its plan environment, then report
// the plan with a script that needs one write permission.
type planJob struct {
	name, onlyIf         string
	write                string // the one permission the report needs
	script               string
	report, reportScript string
	failIf               string
}

func (g *gen) planJob(e *spec.Environment, j planJob) *yaml.Node {
	kv := []any{"name", j.name}
	if j.onlyIf != "" {
		kv = append(kv, "if", j.onlyIf)
	}
	kv = append(kv,
		"runs-on", runner,
		"environment", spec.PlanEnvironment(e),
		"permissions", mapping("contents", "read", "id-token", "write", j.write, "write"),
		"timeout-minutes", 30,
		"steps", seq(
			g.checkout(false),
			g.setupTerraform(),
			g.awsCredentials(e, spec.PlanRoleName(g.p, e)),
			run("Plan", j.script,
				"id", "plan",
				"working-directory", spec.TerraformDir(e),
				"env", mapping("PLAN_FILE", "${{ runner.temp }}/plan.txt"),
			),
			mapping(
				"name", j.report,
				"uses", g.uses("actions/github-script"),
				"env", mapping(
					"ENVIRONMENT", e.Name,
					"PLAN_FILE", "${{ runner.temp }}/plan.txt",
					"PLAN_STATUS", "${{ steps.plan.outputs.status }}",
				),
				"with", mapping("script", j.reportScript),
			),
			run("Fail if the plan failed", failPlanScript,
				"if", j.failIf,
				"env", mapping("ENVIRONMENT", e.Name, "PLAN_STATUS", "${{ steps.plan.outputs.status }}"),
			),
		),
	)
	return mapping(kv...)
}
