package workflows

import (
	"encoding/json"
	"strconv"
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
//
// One job chooses the services (every one after a deploy, the one asked
// for on demand) from a list with a line per service, and matrix jobs test
// them, one job per service: a service added is a line of the list, not a
// job, and the workflow stays a few KiB at a thousand services. A matrix
// holds at most 256 jobs, so the services are chosen in parts of 256, a
// matrix job each.
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
	var list strings.Builder
	for i, s := range services {
		names[i] = s.Name
		line, err := json.Marshal(loadtestTarget{
			Service: s.Name, Var: LoadtestURLVar(s), Health: s.Health,
			Minutes: int(loadtest.New(s).Duration.Minutes()) + 15,
		})
		if err != nil {
			panic(err) // strings and an int
		}
		list.Write(line)
		list.WriteByte('\n')
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
	parts := (len(services) + matrixLimit - 1) / matrixLimit
	outputs := make([]any, 0, 2*parts)
	for k := 1; k <= parts; k++ {
		outputs = append(outputs, partOutput(k), "${{ steps.choose.outputs."+partOutput(k)+" }}")
	}
	jobs := []any{"choose", mapping(
		"name", "Choose the services to load-test",
		"if", "("+deployed+") || github.event_name == 'workflow_dispatch'",
		"runs-on", runner,
		"timeout-minutes", 5,
		"outputs", mapping(outputs...),
		"steps", seq(mapping(
			"name", "Choose",
			"id", "choose",
			"uses", g.uses("actions/github-script"),
			"env", mapping("SERVICE", "${{ inputs.service }}", "PARTS", strconv.Itoa(parts), "SERVICES", list.String()),
			"with", mapping("script", chooseLoadtestsScript),
		)),
	)}
	for k := 1; k <= parts; k++ {
		jobs = append(jobs, "load-test-"+strconv.Itoa(k), g.loadtestJob(e, k))
	}
	g.add(LoadtestPath, workflow("Load test", on,
		concurrency("loadtest-"+e.Name, false),
		mapping(jobs...)), origins)
}

// loadtestTarget is a service's line in the list the workflow chooses
// from, and so what a matrix job knows of its service.
type loadtestTarget struct {
	Service string `json:"service"`
	Var     string `json:"var"`    // the repository variable of its base URL
	Health  string `json:"health"` // its health path
	Minutes int    `json:"minutes"`
}

// matrixLimit is the most jobs one matrix makes.
const matrixLimit = 256

func partOutput(k int) string { return "part" + strconv.Itoa(k) }

// chooseLoadtestsScript sets the outputs part1, part2, ...: the lines of
// SERVICES to test, a JSON array of at most 256 each.
const chooseLoadtestsScript = `const all = process.env.SERVICES.trim().split('\n').map((line) => JSON.parse(line));
let chosen = all;
if (context.eventName === 'workflow_dispatch') {
  chosen = all.filter((t) => t.service === process.env.SERVICE);
  if (chosen.length === 0) {
    core.setFailed(process.env.SERVICE + ' has no load test');
    return;
  }
}
for (let part = 1; part <= Number(process.env.PARTS); part++) {
  core.setOutput('part' + part, JSON.stringify(chosen.slice((part - 1) * 256, part * 256)));
}
`

// loadtestJob tests the services of part k, one matrix job each.
func (g *gen) loadtestJob(e *spec.Environment, k int) *yaml.Node {
	part := "needs.choose.outputs." + partOutput(k)
	return mapping(
		"name", "Load test ${{ matrix.service }} on "+e.Name,
		"needs", "choose",
		"if", part+" != '' && "+part+" != '[]'",
		"runs-on", runner,
		"timeout-minutes", "${{ matrix.minutes }}",
		"strategy", mapping(
			"fail-fast", false,
			"matrix", mapping("include", "${{ fromJSON("+part+") }}"),
		),
		"env", mapping(loadtest.BaseURLEnv, "${{ vars[matrix.var] }}"),
		"steps", seq(
			g.checkout(false),
			run("Check the target", `if [ -z "$`+loadtest.BaseURLEnv+`" ]; then
  echo "::error::set the repository variable $VARIABLE to the base URL of $SERVICE on $ENVIRONMENT"
  exit 1
fi
# Flux applies the new release after the deploy job: wait until the
# service answers its health probe.
for _ in $(seq 60); do
  if curl -fsS -o /dev/null --max-time 5 "$`+loadtest.BaseURLEnv+`$HEALTH"; then exit 0; fi
  sleep 10
done
echo "::error::$SERVICE does not answer $`+loadtest.BaseURLEnv+`$HEALTH"
exit 1
`, "env", mapping("SERVICE", "${{ matrix.service }}", "VARIABLE", "${{ matrix.var }}", "HEALTH", "${{ matrix.health }}", "ENVIRONMENT", e.Name)),
			g.step("Set up k6", "grafana/setup-k6-action", mapping("k6-version", k6Version)),
			g.step("Run loadtests/${{ matrix.service }}.js", "grafana/run-k6-action", mapping(
				"path", "loadtests/${{ matrix.service }}.js",
			)),
			mapping(
				"name", "Upload the summary",
				"if", "always()",
				"uses", g.uses("actions/upload-artifact"),
				"with", mapping("name", "k6-summary-${{ matrix.service }}", "path", "k6-summary-${{ matrix.service }}.json", "if-no-files-found", "warn"),
			),
		),
	)
}
