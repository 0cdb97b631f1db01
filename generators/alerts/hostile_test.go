package alerts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators/spec"
	"github.com/groundwork-dev/groundwork/internal/bins"
)

// hostileOrg is the edge organisation's platform and environment with one
// service, written from svc.
func hostileOrg(t *testing.T, svc string) (*spec.Model, error) {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"specs/platform.yaml", "specs/environments/prod.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/edge", p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "specs/services"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "specs/services/x.yaml"), []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec.Load(dir)
}

// Spec text is text: a summary or an expression that looks like a
// Prometheus template is shown as written, whatever it holds, and the rule
// file and its tests pass promtool.
func TestSpecTextIsLiteral(t *testing.T) {
	promtool := bins.Promtool.Path(t)
	for _, tc := range []struct{ name, summary, expr string }{
		{"unclosed action", `"Queue {{ broken"`, `q > 1`},
		{"field", `"{{ .Foo }} and {{ .Labels.job }}"`, `q > 1`},
		{"template call", `'{{ template "x" }}{{ define "x" }}y{{ end }}'`, `q > 1`},
		{"query function", `'{{ with query "up" }}{{ . | first | value }}{{ end }}'`, `q > 1`},
		{"value and labels", `"Depth {{ $value }} on {{ $labels.instance }}, $labels.job, $value"`, `q > 1`},
		{"trim markers and comments", `"{{- x -}} {{/* c */}} {{{{ }}}} }} {{"`, `q > 1`},
		{"braces in the expression", `"Braces."`, `q{name="{{ $value }}", x="}}"} > 1`},
		{"backticks and quotes", "\"`code` \\\"double\\\" 'single' \\\\ back\"", "q{a=`{{`} > 1"},
		{"newlines", "|\n      first {{ line\n      second }} line\n\n      last", `q > 1`},
		{"unicode", `"Dépôt 日本語 ✓ 🚨 \u00a0nbsp \u2028sep {{ é"`, `q > 1`},
		{"yaml special", `"- item: value # not a comment &anchor *alias !tag %pct @at | > ? [a] {b} , ~ null true 0x1F"`, `q > 1`},
		{"leading and trailing space", `"  spaced  "`, `q > 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := hostileOrg(t, "name: x\nteam: platform\nport: 8080\nhealth: /healthz\nalerts:\n  - name: XHostile\n    expr: '"+strings.ReplaceAll(tc.expr, "'", "''")+"'\n    for: 5m\n    severity: ticket\n    summary: "+tc.summary+"\n")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			rules, tests := writeOutput(t, m, dir)
			run(t, promtool, append([]string{"check", "rules", "--lint=all", "--lint-fatal"}, rules...)...)
			for _, tf := range tests {
				run(t, promtool, "test", "rules", tf)
			}
			// The test expects the summary as the spec wrote it.
			var tf struct {
				Tests []struct {
					AlertRuleTests []struct {
						ExpAlerts []struct {
							ExpAnnotations map[string]string `yaml:"exp_annotations"`
						} `yaml:"exp_alerts"`
					} `yaml:"alert_rule_test"`
				} `yaml:"tests"`
			}
			for _, p := range tests {
				decode(t, p, &tf)
				for _, g := range tf.Tests {
					for _, at := range g.AlertRuleTests {
						for _, ea := range at.ExpAlerts {
							if ea.ExpAnnotations["summary"] == m.Services[0].Alerts[0].Summary {
								return
							}
						}
					}
				}
			}
			t.Errorf("no test expects summary %q", m.Services[0].Alerts[0].Summary)
		})
	}
}
