package workflows_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/workflows"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// loadtestWorkflow is what the tests read of the load-test workflow.
type loadtestWorkflow struct {
	On struct {
		DeploymentStatus map[string]any `yaml:"deployment_status"`
		Dispatch         struct {
			Inputs struct {
				Service struct {
					Options []string `yaml:"options"`
				} `yaml:"service"`
			} `yaml:"inputs"`
		} `yaml:"workflow_dispatch"`
	} `yaml:"on"`
	Jobs map[string]struct {
		If          string            `yaml:"if"`
		Needs       string            `yaml:"needs"`
		Environment any               `yaml:"environment"`
		Env         map[string]string `yaml:"env"`
		Timeout     string            `yaml:"timeout-minutes"`
		Strategy    struct {
			FailFast bool `yaml:"fail-fast"`
			Matrix   struct {
				Include string `yaml:"include"`
			} `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Env  map[string]string `yaml:"env"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readLoadtestWorkflow(t *testing.T, root string, n int) loadtestWorkflow {
	t.Helper()
	var m *spec.Model
	if n > 0 {
		m = synthetic.Load(t, n)
	} else {
		m = load(t, root)
	}
	var w loadtestWorkflow
	for _, f := range generate(t, m) {
		if f.Path == workflows.LoadtestPath {
			if err := yaml.Unmarshal(f.Data, &w); err != nil {
				t.Fatal(err)
			}
			return w
		}
	}
	t.Fatalf("no %s", workflows.LoadtestPath)
	return w
}

// The load-test workflow runs each service's script on staging after a
// deploy there and on demand: a job chooses the services from a list with a
// line per service, and matrix jobs test them. No job names a GitHub
// environment: one would raise a deployment_status of its own and trigger
// the workflow again.
func TestLoadtestWorkflow(t *testing.T) {
	w := readLoadtestWorkflow(t, "../..", 0)
	if w.On.DeploymentStatus == nil || strings.Join(w.On.Dispatch.Inputs.Service.Options, ",") != "api,web" {
		t.Errorf("triggers %+v; want deployment_status and a dispatch choosing api or web", w.On)
	}
	if len(w.Jobs) != 2 {
		t.Errorf("%d jobs; want choose and load-test-1", len(w.Jobs))
	}
	choose := w.Jobs["choose"]
	if !strings.Contains(choose.If, "github.event.deployment.environment == 'staging'") || !strings.Contains(choose.If, "workflow_dispatch") {
		t.Errorf("choose: if %q", choose.If)
	}
	var list []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(choose.Steps[0].Env["SERVICES"]), "\n") {
		var target map[string]any
		if err := json.Unmarshal([]byte(line), &target); err != nil {
			t.Fatalf("a line of SERVICES is not JSON: %q", line)
		}
		list = append(list, target)
	}
	if len(list) != 2 || list[0]["service"] != "api" || list[0]["var"] != "LOADTEST_URL_API" || list[0]["health"] != "/healthz" || list[1]["service"] != "web" {
		t.Errorf("SERVICES lists %v", list)
	}
	j, ok := w.Jobs["load-test-1"]
	if !ok {
		t.Fatal("no job load-test-1")
	}
	if j.Environment != nil || j.Needs != "choose" || j.Strategy.FailFast || j.Strategy.Matrix.Include != "${{ fromJSON(needs.choose.outputs.part1) }}" {
		t.Errorf("load-test-1: environment %v, needs %q, fail-fast %v, matrix %q", j.Environment, j.Needs, j.Strategy.FailFast, j.Strategy.Matrix.Include)
	}
	if j.Env["BASE_URL"] != "${{ vars[matrix.var] }}" || j.Timeout != "${{ matrix.minutes }}" {
		t.Errorf("load-test-1: BASE_URL %q, timeout %q", j.Env["BASE_URL"], j.Timeout)
	}
	var ran bool
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, "grafana/run-k6-action@") {
			ran = s.With["path"] == "loadtests/${{ matrix.service }}.js"
		}
	}
	if !ran {
		t.Error("load-test-1: no run-k6-action step on loadtests/<service>.js")
	}
}

// TestLoadtestWorkflowInParts: at 600 services the list is chosen in
// three parts of at most 256, a matrix job each, and the workflow grows by
// a line per service, not a job.
func TestLoadtestWorkflowInParts(t *testing.T) {
	w := readLoadtestWorkflow(t, "", 600)
	for k := 1; k <= 3; k++ {
		if _, ok := w.Jobs[fmt.Sprintf("load-test-%d", k)]; !ok {
			t.Errorf("no job load-test-%d", k)
		}
	}
	if len(w.Jobs) != 4 {
		t.Errorf("%d jobs, want choose and three parts", len(w.Jobs))
	}
	env := w.Jobs["choose"].Steps[0].Env
	if env["PARTS"] != "3" || strings.Count(env["SERVICES"], "\n") != 600 {
		t.Errorf("PARTS %q and %d lines of SERVICES; want 3 and 600", env["PARTS"], strings.Count(env["SERVICES"], "\n"))
	}
}

// TestChooseLoadtests runs the choosing script with node as
// actions/github-script runs it (an async function of core and context):
// after a deploy every service, in parts of 256; on demand the one asked
// for; a service with no load test fails the job.
func TestChooseLoadtests(t *testing.T) {
	node, _ := bins.NPM(t, "the workflows' scripts")
	w := readLoadtestWorkflow(t, "", 600)
	step := w.Jobs["choose"].Steps[0]
	harness := `const core = {
  outputs: {}, failed: null,
  setOutput(k, v) { this.outputs[k] = v; },
  setFailed(m) { this.failed = m; },
};
const context = { eventName: process.env.EVENT };
(async () => {
` + step.With["script"] + `
})().then(() => console.log(JSON.stringify({ outputs: core.outputs, failed: core.failed })));
`
	script := filepath.Join(t.TempDir(), "choose.js")
	if err := os.WriteFile(script, []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(event, service string) (map[string][]map[string]any, string) {
		t.Helper()
		cmd := exec.Command(node, script)
		cmd.Env = append(os.Environ(), "EVENT="+event, "SERVICE="+service, "PARTS="+step.Env["PARTS"], "SERVICES="+step.Env["SERVICES"])
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v", event, service, err)
		}
		var res struct {
			Outputs map[string]string
			Failed  string
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%s: %s", err, out)
		}
		parts := map[string][]map[string]any{}
		for k, v := range res.Outputs {
			var list []map[string]any
			if err := json.Unmarshal([]byte(v), &list); err != nil {
				t.Fatalf("output %s is not a JSON list: %q", k, v)
			}
			parts[k] = list
		}
		return parts, res.Failed
	}
	parts, failed := run("deployment_status", "")
	if failed != "" || len(parts["part1"]) != 256 || len(parts["part2"]) != 256 || len(parts["part3"]) != 88 {
		t.Errorf("after a deploy: parts of %d, %d, %d (failed %q); want 256, 256, 88", len(parts["part1"]), len(parts["part2"]), len(parts["part3"]), failed)
	}
	if got := parts["part3"][87]; got["service"] != "svc-0599" || got["var"] != "LOADTEST_URL_SVC_0599" {
		t.Errorf("the last service tested is %v", got)
	}
	parts, failed = run("workflow_dispatch", "svc-0300")
	if failed != "" || len(parts["part1"]) != 1 || parts["part1"][0]["service"] != "svc-0300" || len(parts["part2"]) != 0 || len(parts["part3"]) != 0 {
		t.Errorf("on demand: %v (failed %q); want svc-0300 alone", parts, failed)
	}
	if _, failed = run("workflow_dispatch", "nope"); !strings.Contains(failed, "nope has no load test") {
		t.Errorf("a service with no load test: failed %q", failed)
	}
}
