package alerts_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// hostileOrg is the edge organisation's platform and environment with the
// services svcs, each starting with its name: line.
func hostileOrg(t *testing.T, svcs ...string) (*spec.Model, error) {
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
	for _, svc := range svcs {
		first, _, _ := strings.Cut(svc, "\n")
		if err := os.WriteFile(filepath.Join(dir, "specs/services", strings.TrimPrefix(first, "name: ")+".yaml"), []byte(svc), 0o644); err != nil {
			t.Fatal(err)
		}
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
		// A summary is one line (a newline is a spec mistake); an action split
		// across its words is still literal.
		{"split actions", `"first {{ line, second }} line, last {{"`, `q > 1`},
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

// Names made from spec names never meet: SLO names that camel-case alike
// make distinct alerts, and what cannot be told apart is a mistake at the
// spec field, reported before any file is written.
func TestGeneratedNamesNeverCollide(t *testing.T) {
	promtool := bins.Promtool.Path(t)
	slo := func(name string) string {
		return "  - {name: " + name + ", objective: 99.9, sli: availability, alerting: {ticket: false}}\n"
	}
	alert := func(name string) string {
		return "  - {name: " + name + ", expr: q > 1, for: 5m, severity: ticket, summary: S.}\n"
	}
	for _, tc := range []struct {
		name, slos, alerts string
		want               []string // diagnostics; none: the output passes promtool
	}{
		{name: "digits and double hyphens", slos: slo("latency-99") + slo("latency99") + slo("a-b") + slo("a--b")},
		{name: "period group", slos: slo("availability") + slo("availability-period"), want: []string{
			`specs/services/x.yaml:7:12: slos[1].name: SLO "availability-period" makes rule group "x-slo-availability-period", which is already the whole-window group of slos[0] (availability); rename the SLO (an SLO may not be named after another SLO with "-period" added) [value]`,
		}},
		{name: "period group, the other way round", slos: slo("availability-period") + slo("availability"), want: []string{
			`specs/services/x.yaml:7:12: slos[1].name: SLO "availability" makes rule group "x-slo-availability-period", which is already the group of slos[0] (availability-period); rename the SLO (an SLO may not be named after another SLO with "-period" added) [value]`,
		}},
		{name: "burn alerts differ in case", slos: slo("foo-bar") + slo("foobar"), want: []string{
			`specs/services/x.yaml:7:12: slos[1].name: the burn-rate alert of slos[1] (foobar), XFoobarErrorBudgetBurn, and the burn-rate alert of slos[0] (foo-bar), XFooBarErrorBudgetBurn, differ only in case, and so do their runbooks runbooks/x/XFoobarErrorBudgetBurn.md and runbooks/x/XFooBarErrorBudgetBurn.md, which are one file on case-insensitive file systems (macOS, Windows); rename one of them [value]`,
		}},
		{name: "spec alerts differ in case", alerts: alert("OrderBacklog") + alert("Orderbacklog") + alert("XTargetdown"), want: []string{
			`specs/services/x.yaml:7:12: alerts[1].name: alerts[1], Orderbacklog, and alerts[0], OrderBacklog, differ only in case, and so do their runbooks runbooks/x/Orderbacklog.md and runbooks/x/OrderBacklog.md, which are one file on case-insensitive file systems (macOS, Windows); rename one of them [value]`,
			`specs/services/x.yaml:8:12: alerts[2].name: alerts[2], XTargetdown, and the generated alert, XTargetDown, differ only in case, and so do their runbooks runbooks/x/XTargetdown.md and runbooks/x/XTargetDown.md, which are one file on case-insensitive file systems (macOS, Windows); rename one of them [value]`,
		}},
		{name: "alerts Alertmanager drops", alerts: alert("Watchdog") + alert("InfoInhibitor"), want: []string{
			`specs/services/x.yaml:6:12: alerts[0].name: "Watchdog" is the name of an alert of kube-prometheus-stack that Alertmanager sends to no one; give this one another name [value]`,
			`specs/services/x.yaml:7:12: alerts[1].name: "InfoInhibitor" is the name of an alert of kube-prometheus-stack that Alertmanager sends to no one; give this one another name [value]`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc := "name: x\nteam: platform\nport: 8080\nhealth: /healthz\n"
			if tc.slos != "" {
				svc += "slos:\n" + tc.slos
			}
			if tc.alerts != "" {
				svc += "alerts:\n" + tc.alerts
			}
			m, err := hostileOrg(t, svc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = alerts.Generator{}.Generate(engine.NewInput(m))
			var got []string
			var ds spec.Diagnostics
			if errors.As(err, &ds) {
				for _, d := range ds.Sorted() {
					got = append(got, d.String())
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(tc.want) > 0 {
				return
			}
			dir := t.TempDir()
			rules, tests := writeOutput(t, m, dir)
			run(t, promtool, append([]string{"check", "rules", "--lint=all", "--lint-fatal"}, rules...)...)
			for _, tf := range tests {
				run(t, promtool, "test", "rules", tf)
			}
		})
	}
}

// Camel makes distinct names of distinct DNS labels.
func TestCamelIsInjective(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"api", "Api"}, {"order-service", "OrderService"}, {"latency-99", "Latency_99"}, {"latency99", "Latency99"},
		{"a--b", "A_B"}, {"a-b", "AB"}, {"1a", "1a"}, {"v-2-x", "V_2X"},
	} {
		if got := spec.Camel(tc.in); got != tc.want {
			t.Errorf("Camel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every label of up to four characters from a small alphabet.
	seen := map[string]string{}
	var walk func(string)
	walk = func(s string) {
		if len(s) > 0 && s[0] != '-' && s[len(s)-1] != '-' {
			c := spec.Camel(s)
			if prev, ok := seen[c]; ok {
				t.Fatalf("Camel(%q) = Camel(%q) = %q", s, prev, c)
			}
			seen[c] = s
		}
		if len(s) < 5 {
			for _, r := range "ab1-" {
				walk(s + string(r))
			}
		}
	}
	walk("")
}

// A spec alert over a long range, an offset or a subquery gets a test in
// about the time a 1h range takes, and the test passes promtool; what no
// test can cover in reasonable time is a mistake at the field.
func TestLongRanges(t *testing.T) {
	promtool := bins.Promtool.Path(t)
	for _, tc := range []struct {
		expr, for_ string
		want       string // a diagnostic; none: promtool passes
	}{
		{expr: "sum(rate(x_total[1h])) > 5", for_: "10m"},
		{expr: "sum(rate(x_total[1d])) > 5", for_: "10m"},
		{expr: "sum(rate(x_total[7d])) > 5", for_: "1h"},
		{expr: "sum(rate(x_total[30d])) > 5", for_: "10m"},
		{expr: "sum(increase(x_total[90d])) > 5", for_: "10m"},
		{expr: "max_over_time(y[30d]) > 5", for_: "10m"},
		{expr: "min_over_time(y[60d]) < 5", for_: "2d"},
		{expr: "y offset 1d > 5", for_: "10m"},
		{expr: "sum(rate(x_total[1h] offset 30d)) > 5", for_: "10m"},
		{expr: "y offset -1h > 5", for_: "10m", want: "a negative offset reads 1h after each evaluation"},
		{expr: "rate(x_total[30d]) * on() group_left y > 5", for_: "10m"},
		{expr: "max_over_time(rate(x_total[5m])[1d:5m]) > 5", for_: "10m"},
		{expr: "max_over_time(y[30d:1h]) > 5", for_: "10m"},
		{expr: "max_over_time(rate(x_total[1h])[7d:]) > 5", for_: "10m"},
		{expr: "max_over_time(rate(x_total[5m])[30d:1m]) > 5", for_: "10m",
			want: "subquery rate(x_total[5m])[30d:1m] evaluates its query 43200 times"},
		{expr: "increase(x_total[1y]) > 5", for_: "10m",
			want: "it reads 365d back (ranges, subqueries and offsets added up), and a test is limited to 90d of samples; use a shorter range"},
		{expr: "rate(x_total[60d] offset 31d) > 5", for_: "10m",
			want: "it reads 91d back"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			m, err := hostileOrg(t, "name: x\nteam: platform\nport: 8080\nhealth: /healthz\nalerts:\n  - {name: XLong, expr: '"+tc.expr+"', for: "+tc.for_+", severity: ticket, summary: Long.}\n")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = alerts.Generator{}.Generate(engine.NewInput(m))
			t.Logf("generate: %v", time.Since(start).Round(time.Millisecond))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want a diagnostic with %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("generating took %v", d)
			}
			dir := t.TempDir()
			rules, tests := writeOutput(t, m, dir)
			run(t, promtool, append([]string{"check", "rules", "--lint=all", "--lint-fatal"}, rules...)...)
			for _, tf := range tests {
				start := time.Now()
				run(t, promtool, "test", "rules", tf)
				t.Logf("promtool test rules %s: %v", filepath.Base(tf), time.Since(start).Round(time.Millisecond))
			}
		})
	}
}

// A service's dashboard uid is never another's: a 36-character name that
// looks like another's cut uid is cut too.
func TestDashboardUIDsNeverMeet(t *testing.T) {
	t.Parallel()
	long, short := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaa-e33cdf9c" // short is long's cut uid without "svc-"
	m, err := hostileOrg(t, "name: "+long+"\nteam: platform\nport: 8080\nhealth: /healthz\n", "name: "+short+"\nteam: platform\nport: 8080\nhealth: /healthz\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (alerts.Generator{}).Generate(engine.NewInput(m)); err != nil {
		t.Fatal(err)
	}
	if a, b := spec.DashboardUID(m.Service(long)), spec.DashboardUID(m.Service(short)); a == b || len(a) > 40 || len(b) > 40 {
		t.Errorf("uids %q and %q", a, b)
	}
}

// The database jobs' alerts are tested past their maxAge (the metric must
// be absent for longer than it before the alert fires): a maxAge as long as
// a test may run gets a test that passes promtool, a longer one is a
// mistake at its field.
func TestDatabaseMaxAges(t *testing.T) {
	promtool := bins.Promtool.Path(t)
	for _, tc := range []struct {
		name, database string
		want           []string // diagnostics; none: promtool passes
	}{
		{name: "90d drill", database: `{drill: {schedule: "0 4 1 * *", maxAge: 90d}}`},
		{name: "too long", database: `{backup: {maxAge: 91d}, drill: {schedule: "0 4 1 * *", maxAge: 100d}}`, want: []string{
			"database.backup.maxAge: no promtool test can be made for it: 91d is longer than 90d",
			"database.drill.maxAge: no promtool test can be made for it: 100d is longer than 90d",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := hostileOrg(t, "name: x\nteam: platform\nport: 8080\nhealth: /healthz\ndatabase: "+tc.database+"\n")
			if err != nil {
				t.Fatal(err)
			}
			_, err = alerts.Generator{}.Generate(engine.NewInput(m))
			if len(tc.want) > 0 {
				for _, w := range tc.want {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("got %v, want a diagnostic with %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, tests := writeOutput(t, m, dir)
			for _, tf := range tests {
				start := time.Now()
				run(t, promtool, "test", "rules", tf)
				t.Logf("promtool test rules %s: %v", filepath.Base(tf), time.Since(start).Round(time.Millisecond))
			}
		})
	}
}
