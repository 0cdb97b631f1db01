package alerting

import (
	"errors"
	"slices"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The shapes metricNames remembers give every query of every service the
// names and patterns MetricNames finds in it, whatever the services are
// called: names that are also words of the queries (sum, rate, job, le, 5m,
// 0), parts of metric names, prefixes of one another; and whatever their
// own queries say, the name in a metric's name, in a label value, in
// __name__'s and in a pattern's. Services of one model share the shapes;
// those named apart share them all.
func TestMetricNamesByShape(t *testing.T) {
	t.Parallel()
	m, err := spec.Load(bins.Root())
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"svc-a", "svc-b", "sum", "rate", "job", "le", "5m", "0", "e", "a", "total", "http", "requests", "slo", "svc", "svc-a-b", "orders", "namespace", "ratio"}
	renamed := *m
	renamed.Services = nil
	for _, s := range m.Services {
		for _, n := range names {
			c := *s
			c.Name = n
			c.Alerts = nil
			for _, x := range []string{
				n + `_queue_depth{job="` + n + `"} > 1`,
				`{__name__="` + n + `_up", job="` + n + `"} == 0`,
				`{__name__=~"` + n + `_.+"} > 0`,
				`orders_total{job!="` + n + `", queue='` + n + `\x2d'} > 0`,
			} {
				c.Alerts = append(c.Alerts, &spec.Alert{Name: "Named", For: "5m", Summary: "s", Expr: x})
			}
			renamed.Services = append(renamed.Services, &c)
		}
	}
	am := New(&renamed)
	for _, s := range renamed.Services {
		before := shapes(am)
		for _, q := range am.RuleQueries(&renamed, s) {
			wantNames, wantPatterns, wantErr := MetricNames(q.Expr)
			gotNames, gotPatterns, gotErr := am.metricNames(s, q.Expr)
			if !slices.Equal(gotNames, wantNames) || !slices.Equal(gotPatterns, wantPatterns) || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("service %s, %q: names %v, patterns %v, error %v; MetricNames gives %v, %v, %v", s.Name, q.Expr, gotNames, gotPatterns, gotErr, wantNames, wantPatterns, wantErr)
			}
		}
		if s.Name == "svc-b" && shapes(am) != before {
			t.Errorf("service %s, named like svc-a, added %d shapes to those of svc-a", s.Name, shapes(am)-before)
		}
	}
}

func shapes(am *Model) int {
	n := 0
	am.shapes.Range(func(any, any) bool { n++; return true })
	return n
}

// UnproducedRules says what Unproduced says of the rule queries, in the
// same order: here, of an SLI whose window is in its metric's name, which
// every window but the spec's own 5m makes a metric nothing produces.
func TestUnproducedRules(t *testing.T) {
	t.Parallel()
	m, err := spec.Load(bins.Root())
	if err != nil {
		t.Fatal(err)
	}
	api := *m.Service("api")
	api.SLOs = slices.Clone(api.SLOs)
	for i, o := range api.SLOs {
		if o.SLI.Custom() {
			c := *o
			c.SLI.Errors = "sum(rate(checkout_failures_{{.window}}_total[{{.window}}]))"
			api.SLOs[i] = &c
		}
	}
	changed := *m
	changed.Services = []*spec.Service{&api}
	am := New(&changed)
	want := am.Unproduced(&changed, &api, am.RuleQueries(&changed, &api))
	got := am.UnproducedRules(&changed, &api)
	if len(want) == 0 {
		t.Fatal("no rule names a metric nothing produces")
	}
	if !slices.EqualFunc(got, want, func(a, b error) bool { return a.Error() == b.Error() }) {
		t.Errorf("UnproducedRules says\n%v\nUnproduced of the rule queries says\n%v", errors.Join(got...), errors.Join(want...))
	}
	// Each environment's groups (flux checks them as it builds them) and
	// the runbooks (alerts.Check) say the same between them.
	var split []error
	for _, e := range changed.Environments {
		split = append(split, am.UnproducedGroups(&changed, &api, e, am.Groups(e, &api))...)
	}
	split = append(split, am.UnproducedRunbooks(&changed, &api)...)
	if !slices.EqualFunc(split, want, func(a, b error) bool { return a.Error() == b.Error() }) {
		t.Errorf("UnproducedGroups of each environment and UnproducedRunbooks say\n%v\nUnproduced of the rule queries says\n%v", errors.Join(split...), errors.Join(want...))
	}
}
