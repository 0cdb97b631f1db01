package workflows_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/workflows"
)

// The load-test workflow runs each service's script on staging after a
// deploy there and on demand. Its jobs name no GitHub environment: one
// would raise a deployment_status of its own and trigger the workflow again.
func TestLoadtestWorkflow(t *testing.T) {
	var data []byte
	for _, f := range generate(t, load(t, "../..")) {
		if f.Path == workflows.LoadtestPath {
			data = f.Data
		}
	}
	if data == nil {
		t.Fatalf("no %s for the sample, whose api and web have load tests", workflows.LoadtestPath)
	}
	var w struct {
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
			Environment any               `yaml:"environment"`
			Env         map[string]string `yaml:"env"`
			Steps       []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	if w.On.DeploymentStatus == nil || strings.Join(w.On.Dispatch.Inputs.Service.Options, ",") != "api,web" {
		t.Errorf("triggers %+v; want deployment_status and a dispatch choosing api or web", w.On)
	}
	for _, name := range []string{"api", "web"} {
		j, ok := w.Jobs[name]
		if !ok {
			t.Fatalf("no job %s", name)
		}
		if j.Environment != nil {
			t.Errorf("%s: names environment %v", name, j.Environment)
		}
		if !strings.Contains(j.If, "github.event.deployment.environment == 'staging'") || !strings.Contains(j.If, "inputs.service == '"+name+"'") {
			t.Errorf("%s: if %q", name, j.If)
		}
		if want := "${{ vars.LOADTEST_URL_" + strings.ToUpper(name) + " }}"; j.Env["BASE_URL"] != want {
			t.Errorf("%s: BASE_URL %q, want %q", name, j.Env["BASE_URL"], want)
		}
		var ran bool
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "grafana/run-k6-action@") {
				ran = s.With["path"] == "loadtests/"+name+".js"
			}
		}
		if !ran {
			t.Errorf("%s: no run-k6-action step on loadtests/%s.js", name, name)
		}
	}
}
