package alerts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Check's verdicts by shape are those of the tests written in full, for
// services named alike and for names meant to trip them: a value a test
// series takes anyway (groundwork-test, 1, a le bound), a word of the
// queries, a prefix of another name, a name a regular expression tells
// from the others. Each query is planned for every
// name in turn by one planner, as Check plans a render, and the
// services' mistakes must be those of the proof's planner, which takes no
// shortcut; the plain shapes must have been taken as made.
func TestVerdictsByShape(t *testing.T) {
	t.Parallel()
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	api := m.Service("api")
	names := []string{"svc-a", "groundwork-test", "svc-b", "1", "svc-c", "queue", "1000", "svc", "svc-a-b", "500", "le", "abc", "svc-d"}
	alerts := []string{
		`queue{service="NAME"} > 1000`,
		`sum by (service) (rate(jobs_total{service="NAME"}[5m])) > 0.5`,
		`histogram_quantile(0.99, sum by (le) (rate(latency_bucket{service="NAME"}[5m]))) > 500`,
		`absent(up{job="NAME"}) == 1`,
		`(queue{service="NAME"} and on(service) other{service!=""}) > 1`,
		`(queue{service="NAME"} unless on(service) other{service!=""}) > 1`,
		`(queue{service="NAME"} and on(service) other{service=~"g.*|1"}) > 1`,
		`(queue{service="NAME"} unless on(service) other{service="svc-b"}) > 1`,
		`queue{service="NAME", service!~"svc-.*"} > 1`,
		`queue{service=~"NAME"} > 1`,
		`(label_replace(queue{service="NAME"}, "m", "$1", "service", "(svc).*") and on(m) other{m="svc"}) > 1`,
		`(queue{service="NAME"} or other{job="x"}) > 2`,
		`NAME_queue > 1`,
	}
	slis := [][2]string{
		{`sum(rate(jobs_failed_total{service="NAME"}[{{.window}}]))`, `sum(rate(jobs_total{service="NAME"}[{{.window}}]))`},
		{`sum(rate(jobs_total{service="NAME", outcome="failed"}[{{.window}}]))`, `sum(rate(jobs_total{service="NAME"}[{{.window}}]))`},
		{`sum(rate(jobs_failed_total{service="NAME"}[{{.window}}]))`, `sum(rate(jobs_total{service!="svc-b"}[{{.window}}]))`},
		{`sum(rate(jobs_total{service="NAME", outcome="failed"}[{{.window}}]))`, `sum(rate(jobs_total{service=~"svc-.*"}[{{.window}}]))`},
	}
	custom := slices.IndexFunc(api.SLOs, func(o *spec.SLO) bool { return o.SLI.Custom() })
	var services []*spec.Service
	for _, n := range names {
		s := *api
		s.Name = n
		s.Alerts = nil
		for i, x := range alerts {
			s.Alerts = append(s.Alerts, &spec.Alert{Name: fmt.Sprintf("Alert%d", i), Expr: strings.ReplaceAll(x, "NAME", n), For: "5m", Summary: "s"})
		}
		s.SLOs = nil
		for i, q := range slis {
			o := *api.SLOs[custom]
			o.Name = fmt.Sprintf("sli%d", i)
			o.SLI.Errors, o.SLI.Total = strings.ReplaceAll(q[0], "NAME", n), strings.ReplaceAll(q[1], "NAME", n)
			s.SLOs = append(s.SLOs, &o)
		}
		services = append(services, &s)
	}
	named := *m
	named.Services = services
	am := alerting.New(&named)
	check := newPlanner(false)
	for _, s := range services {
		got := check.plan(am.Service(s))
		want := newPlanner(true).plan(am.Service(s))
		if !slices.Equal(diagnostics(got), diagnostics(want)) || fmt.Sprint(got.failure) != fmt.Sprint(want.failure) {
			t.Errorf("service %s: Check says\n%s\n%v\nthe proof says\n%s\n%v", s.Name,
				strings.Join(diagnostics(got), "\n"), got.failure, strings.Join(diagnostics(want), "\n"), want.failure)
		}
	}
	svcB := services[slices.Index(names, "svc-b")]
	for i, x := range alerts[:3] {
		key, _ := shapeOf("spec", svcB, svcB.Alerts[i].For.Value(), strings.ReplaceAll(x, "NAME", "svc-b"))
		if !check.provenByShape(key, svcB) {
			t.Errorf("%s: Check worked out the test of svc-b, of svc-a's shape", x)
		}
	}
}

func diagnostics(p *servicePlan) []string {
	var out []string
	for _, d := range p.mistakes {
		out = append(out, d.String())
	}
	return out
}
