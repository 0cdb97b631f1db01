package workflows

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/loadtest"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// LoadtestPath is the workflow that runs the generated k6 scripts.
const LoadtestPath = Dir + "/loadtest.yml"

// k6Version is the k6 that setup-k6-action installs: pinned, as Terraform
// is, so that a run does not change under a repository that did not.
const k6Version = "2.1.0"

// LoadtestURLVar is the repository variable that holds a service's base URL
// in the environment the load tests run against: LOADTEST_URL_API for api.
func LoadtestURLVar(s *spec.Service) string {
	return "LOADTEST_URL_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
}

// loadtests runs each service's k6 script (loadtests/<service>.js) against
// the promotion source, staging, once a deploy there succeeds and whenever
// someone asks for one service. A threshold breach (an SLO the release
// would break under the spec's load) fails the job, k6's exit code 99.
//
// It triggers on deployment_status, which the deploy job's GitHub
// environment raises, and filters on that environment; its own jobs name no
// environment, so that they raise none and cannot trigger themselves. They
// need no cloud access: the target is a URL, from a repository variable.
func (g *gen) loadtests() {
	e := g.promotionSource()
	var services []*spec.Service
	var origins []engine.Origin
	for _, s := range g.m.Services {
		if s.Loadtest != nil {
			services = append(services, s)
			origins = append(origins, engine.Origin{Spec: s.Source.Path, Fields: []string{"loadtest"}})
		}
	}
	if e == nil || len(services) == 0 {
		return
	}
	origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"delivery"}})
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.Name
	}
	on := mapping(
		"deployment_status", emptyMapping(),
		"workflow_dispatch", mapping("inputs", mapping("service", mapping(
			"description", "The service to load-test on "+e.Name,
			"required", true,
			"type", "choice",
			"options", flow(names...),
		))),
	)
	deployed := "github.event_name == 'deployment_status' && github.event.deployment_status.state == 'success' && github.event.deployment.environment == " + exprString(spec.DeployEnvironment(e))
	var jobs []any
	for _, s := range services {
		jobs = append(jobs, s.Name, g.loadtestJob(e, s, deployed))
	}
	g.add(LoadtestPath, workflow("Load test", on,
		concurrency("loadtest-"+e.Name, false),
		mapping(jobs...)), origins)
}

func (g *gen) loadtestJob(e *spec.Environment, s *spec.Service, deployed string) *yaml.Node {
	p := loadtest.New(s)
	summary := p.SummaryFile()
	minutes := int(p.Duration.Minutes()) + 15
	return mapping(
		"name", "Load test "+s.Name+" on "+e.Name,
		"if", "("+deployed+") || (github.event_name == 'workflow_dispatch' && inputs.service == "+exprString(s.Name)+")",
		"runs-on", runner,
		"timeout-minutes", minutes,
		"env", mapping(loadtest.BaseURLEnv, "${{ vars."+LoadtestURLVar(s)+" }}"),
		"steps", seq(
			g.checkout(false),
			run("Check the target", `if [ -z "$`+loadtest.BaseURLEnv+`" ]; then
  echo "::error::set the repository variable `+LoadtestURLVar(s)+` to the base URL of `+s.Name+` on `+e.Name+`"
  exit 1
fi
# Flux applies the new release after the deploy job: wait until the
# service answers its health probe.
for _ in $(seq 60); do
  if curl -fsS -o /dev/null --max-time 5 "$`+loadtest.BaseURLEnv+s.Health+`"; then exit 0; fi
  sleep 10
done
echo "::error::`+s.Name+` does not answer $`+loadtest.BaseURLEnv+s.Health+`"
exit 1
`),
			g.step("Set up k6", "grafana/setup-k6-action", mapping("k6-version", k6Version)),
			g.step("Run loadtests/"+s.Name+".js", "grafana/run-k6-action", mapping(
				"path", "loadtests/"+s.Name+".js",
			)),
			mapping(
				"name", "Upload the summary",
				"if", "always()",
				"uses", g.uses("actions/upload-artifact"),
				"with", mapping("name", "k6-summary-"+s.Name, "path", summary, "if-no-files-found", "warn"),
			),
		),
	)
}
