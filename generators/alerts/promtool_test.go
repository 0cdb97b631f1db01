package alerts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// orgs are the organisations every check runs on: the sample, a synthetic
// one and the edge cases in testdata/edge.
func orgs(t *testing.T) map[string]*spec.Model {
	t.Helper()
	dir := t.TempDir()
	if err := synthetic.Write(dir, 1); err != nil {
		t.Fatal(err)
	}
	out := map[string]*spec.Model{}
	for name, root := range map[string]string{"sample": "../..", "synthetic": dir, "edge": "testdata/edge"} {
		m, err := spec.Load(root)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	return out
}

// writeOutput writes the generator's files under dir.
func writeOutput(t *testing.T, m *spec.Model, dir string) (rules, tests []string) {
	t.Helper()
	files, err := alerts.Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(p, ".rules.yaml"):
			rules = append(rules, p)
		case strings.HasSuffix(p, ".test.yaml"):
			tests = append(tests, p)
		}
	}
	return rules, tests
}

// Every rule file passes `promtool check rules` (with its linter) and every
// generated test passes `promtool test rules`, run by the pinned promtool.
func TestPromtool(t *testing.T) {
	promtool := bins.Promtool.Path(t)
	for name, m := range orgs(t) {
		dir := t.TempDir()
		rules, tests := writeOutput(t, m, dir)
		t.Run(name+"/check", func(t *testing.T) {
			t.Parallel()
			run(t, promtool, append([]string{"check", "rules", "--lint=all", "--lint-fatal"}, rules...)...)
		})
		if name == "synthetic" {
			// The synthetic services have the sample api's shape; their
			// rules are checked and their coverage counted, and the
			// sample and edge tests run.
			continue
		}
		// One promtool per test file, so that the files spread over the
		// cores: each runs its tests one after the other.
		for _, tf := range tests {
			rel, _ := filepath.Rel(dir, tf)
			t.Run(name+"/"+filepath.ToSlash(rel), func(t *testing.T) {
				t.Parallel()
				run(t, promtool, "test", "rules", tf)
			})
		}
	}
}

func run(t *testing.T, bin string, args ...string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args[:2], " "), err, out)
	}
}

type testFile struct {
	RuleFiles []string    `yaml:"rule_files"`
	Tests     []testGroup `yaml:"tests"`
}

type testGroup struct {
	Name           string `yaml:"name"`
	AlertRuleTests []struct {
		Alertname string `yaml:"alertname"`
		ExpAlerts []struct {
			ExpLabels map[string]string `yaml:"exp_labels"`
		} `yaml:"exp_alerts"`
	} `yaml:"alert_rule_test"`
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert  string            `yaml:"alert"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// Every alerting rule (each burn tier, and each absent rule, on its own)
// has a test in which it fires and one in which it must not, and every test
// names its rule file.
func TestEveryAlertIsCovered(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			rules, tests := writeOutput(t, m, dir)
			if len(rules) != len(m.Environments)*len(m.Services) {
				t.Fatalf("%d rule files for %d environments × %d services", len(rules), len(m.Environments), len(m.Services))
			}
			for _, rp := range rules {
				var rf ruleFile
				decode(t, rp, &rf)
				// The fast test and, when a tier has day-long windows, the slow one.
				var tgs []testGroup
				for _, tp := range tests {
					if !strings.HasPrefix(filepath.Base(tp), strings.TrimSuffix(filepath.Base(rp), "rules.yaml")) || filepath.Dir(tp) != filepath.Dir(rp) {
						continue
					}
					var tf testFile
					decode(t, tp, &tf)
					if want := filepath.Base(rp); !slices.Equal(tf.RuleFiles, []string{want}) {
						t.Errorf("%s: rule_files %v, want [%s]", tp, tf.RuleFiles, want)
					}
					tgs = append(tgs, tf.Tests...)
				}
				fired, quiet := map[string]bool{}, map[string]bool{}
				for _, tg := range tgs {
					for _, at := range tg.AlertRuleTests {
						if len(at.ExpAlerts) == 0 {
							quiet[at.Alertname] = true
						}
						for _, ea := range at.ExpAlerts {
							fired[at.Alertname+"/"+ea.ExpLabels[alerting.LabelTier]+"/"+ea.ExpLabels[alerting.LabelSignal]] = true
						}
					}
				}
				n := 0
				for _, g := range rf.Groups {
					for _, r := range g.Rules {
						if r.Alert == "" {
							continue
						}
						n++
						if key := r.Alert + "/" + r.Labels[alerting.LabelTier] + "/" + r.Labels[alerting.LabelSignal]; !fired[key] {
							t.Errorf("%s: no test fires %s", rp, key)
						}
						if !quiet[r.Alert] {
							t.Errorf("%s: no test keeps %s quiet", rp, r.Alert)
						}
					}
				}
				if n == 0 {
					t.Errorf("%s has no alerting rules", rp)
				}
			}
		})
	}
}

func decode(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Validation refuses a spec alert that takes a generated alert's name from
// spec.GeneratedAlertNames; it must name exactly the alerts Of makes.
func TestGeneratedNamesAreTheCatalog(t *testing.T) {
	for name, m := range orgs(t) {
		for _, s := range m.Services {
			var made []string
			for _, a := range alerting.New(m).Alerts(s) {
				if a.Kind != alerting.KindSpec {
					made = append(made, a.Name)
				}
			}
			if want := spec.GeneratedAlertNames(s); !slices.Equal(slices.Sorted(slices.Values(made)), slices.Sorted(slices.Values(want))) {
				t.Errorf("%s/%s: Of makes %v, spec.GeneratedAlertNames says %v", name, s.Name, made, want)
			}
		}
	}
}
