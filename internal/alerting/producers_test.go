package alerting_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

func loadSample(t *testing.T) *spec.Model {
	t.Helper()
	m, err := spec.Load(bins.Root())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// MetricNames reads names the way Prometheus's parser sees them: selector
// names, __name__ equality matchers, through functions, aggregations,
// subqueries and binary operators; and it sets apart the selectors that
// pick names by pattern.
func TestMetricNames(t *testing.T) {
	t.Parallel()
	names, patterns, err := alerting.MetricNames(`sum(rate(a_total{job="x"}[5m])) / on() group_left max_over_time({__name__="b"}[1h:1m]) or absent_over_time(c[5m]) unless {__name__=~"d.+"}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a_total", "b", "c"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if len(patterns) != 1 || !strings.Contains(patterns[0], `d.+`) {
		t.Errorf("patterns %v, want the d.+ selector", patterns)
	}
	if _, _, err := alerting.MetricNames("sum(rate(x[5m])"); err == nil {
		t.Error("an expression that does not parse gave no error")
	}
}

// Every generated rule and runbook query of the sample organisation has a
// producer its environments deploy; a metric no producer makes, a producer
// the environments do not deploy, and a selector by pattern are refused,
// each error naming the query and the metric.
func TestUnproduced(t *testing.T) {
	t.Parallel()
	m := loadSample(t)
	am := alerting.New(m)
	for _, s := range m.Services {
		if errs := am.UnproducedRules(m, s); len(errs) > 0 {
			t.Errorf("%s: %v", s.Name, errors.Join(errs...))
		}
	}

	api := m.Service("api")
	errs := am.Unproduced(m, api, []alerting.CheckedQuery{
		{Where: "rule Good", Expr: `up{job="api"} == 0`},
		{Where: "rule Typo", Expr: `rate(http_request_total{job="api"}[5m]) > 1`},
		{Where: "rule Pattern", Expr: `{__name__=~"http_.+"} > 1`},
		{Where: "rule Spec", Expr: `orders_queue_depth > 1000`}, // named in api.yaml
	})
	msgs := errors.Join(errs...).Error()
	for _, want := range []string{"rule Typo names metric http_request_total, which nothing produces", "rule Pattern: {__name__=~\"http_.+\"} selects metrics by a pattern"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("no error says %q; got\n%s", want, msgs)
		}
	}
	if len(errs) != 2 {
		t.Errorf("%d errors, want 2 (Good and Spec are produced):\n%s", len(errs), msgs)
	}

	// Without a database, no environment runs the CloudWatch exporter or
	// the Pushgateway: their metrics are named, and not produced.
	var noDB spec.Model = *m
	noDB.Services = nil
	for _, s := range m.Services {
		if s.Database == nil {
			noDB.Services = append(noDB.Services, s)
		}
	}
	worker := noDB.Service("worker")
	if worker == nil {
		t.Fatal("the sample has no worker without a database")
	}
	errs = alerting.New(&noDB).Unproduced(&noDB, worker, []alerting.CheckedQuery{
		{Where: "rule Storage", Expr: spec.RDSFreeStorage.Series + ` < 1`},
		{Where: "rule Pushed", Expr: `time() - push_time_seconds > 60`},
	})
	msgs = errors.Join(errs...).Error()
	for _, want := range []string{"rule Storage names metric " + spec.RDSFreeStorage.Series + ", produced by the CloudWatch exporter", "rule Pushed names metric push_time_seconds, produced by the Pushgateway", "which these environments do not deploy"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("no error says %q; got\n%s", want, msgs)
		}
	}
}

// Every alert whose producer is scheduled or external has a rule that
// fires, as a ticket labelled signal=absent, when that producer's series
// have been absent for its period; or names the alert of its service that
// does so for the same producer. No other alert has one.
func TestAbsentRules(t *testing.T) {
	t.Parallel()
	m := loadSample(t)
	am := alerting.New(m)
	n := 0
	for _, s := range m.Services {
		alerts := am.Alerts(s)
		for _, a := range alerts {
			external := false
			for _, metric := range am.Reads(a, m.Environments) {
				if p := am.Producer(s, metric); p != nil && p.External() {
					external = true
				}
			}
			for _, e := range m.Environments {
				r := a.AbsentRule(e)
				switch {
				case !external && (r != nil || a.Signal != nil):
					t.Errorf("%s reads nothing scheduled or external, but has a signal", a.Name)
				case external && a.Signal == nil:
					t.Errorf("%s reads from a scheduled or external producer, but has no signal", a.Name)
				case external && a.AbsentWatchedBy != "":
					i := slices.IndexFunc(alerts, func(o *alerting.Alert) bool { return o.Name == a.AbsentWatchedBy })
					if r != nil || i < 0 || alerts[i].AbsentRule(e) == nil || alerts[i].Signal.Producer != a.Signal.Producer {
						t.Errorf("%s: %s does not watch the absence of its producer in %s", a.Name, a.AbsentWatchedBy, e.Name)
					}
				case external:
					n++
					want := "absent_over_time(" + a.Signal.Metric + a.SignalSelector(m.Platform, e) + "["
					if r == nil || !strings.HasPrefix(r.Expr, want) || r.Severity != spec.SeverityTicket {
						t.Errorf("%s in %s: absent rule %+v, want a ticket on %s…", a.Name, e.Name, r, want)
						continue
					}
					if l := am.Labels(e, a, r); l[alerting.LabelSignal] != alerting.SignalAbsent || l[alerting.LabelSeverity] != spec.SeverityTicket {
						t.Errorf("%s in %s: absent rule labelled %v", a.Name, e.Name, l)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no alert of the sample has an absent rule")
	}
}

// MetricNames, which reads Prometheus's lexer, names what Prometheus's
// parser names, for every generated rule and runbook query of the sample
// organisation and for expressions written to trip a token reader.
func TestMetricNamesAgreeWithTheParser(t *testing.T) {
	t.Parallel()
	m := loadSample(t)
	am := alerting.New(m)
	exprs := []string{
		`sum by (job, le) (rate(x_bucket{le=~"0.3(\\.0)?"}[5m])) / ignoring (le) group_left (job) y`,
		`count_values("version", build_info) unless on (version) label_replace(z, "dst", "$1", "src", "(.*)")`,
		`topk(3, sum without (pod) (a)) > bool 1 or vector(0) and on() absent(b{c="d"})`,
		`max_over_time(e[1h:5m] @ start() offset 1h)`,
		`{__name__="f", g="h"} + sum(rate({__name__="i"}[5m]))`,
		`# a comment
j`,
	}
	for _, s := range m.Services {
		for _, q := range am.RuleQueries(m, s) {
			exprs = append(exprs, q.Expr)
		}
	}
	p := parser.NewParser(parser.Options{})
	for _, x := range exprs {
		e, err := p.ParseExpr(x)
		if err != nil {
			t.Fatalf("%q: %v", x, err)
		}
		var want []string
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				for _, lm := range vs.LabelMatchers {
					if lm.Name == "__name__" {
						want = append(want, lm.Value)
					}
				}
			}
			return nil
		})
		slices.Sort(want)
		want = slices.Compact(want)
		got, patterns, err := alerting.MetricNames(x)
		if err != nil || len(patterns) > 0 || !slices.Equal(got, want) {
			t.Errorf("%q: names %v, patterns %v, err %v; the parser names %v", x, got, patterns, err, want)
		}
	}
}

// Reads takes the names of a query by its shape, from whichever service
// first had it: each alert of the sample and of forty synthetic services
// must read exactly the names its queries lex to, one by one.
func TestReadsByShape(t *testing.T) {
	t.Parallel()
	for _, m := range []*spec.Model{loadSample(t), synthetic.Load(t, 40)} {
		am := alerting.New(m)
		for _, s := range m.Services {
			for _, a := range am.Alerts(s) {
				var want []string
				for _, x := range readExprs(a, m.Environments) {
					names, _, err := alerting.MetricNames(x)
					if err != nil {
						t.Fatalf("%s: %q: %v", a.Name, x, err)
					}
					want = append(want, names...)
				}
				slices.Sort(want)
				want = slices.Compact(want)
				if got := am.Reads(a, m.Environments); !slices.Equal(got, want) || len(got) == 0 {
					t.Errorf("%s of %s reads %v, want %v", a.Name, s.Name, got, want)
				}
			}
		}
	}
}

// readExprs are the queries alert a reads: its rules' in every
// environment, and its SLO's own.
func readExprs(a *alerting.Alert, envs []*spec.Environment) []string {
	var exprs []string
	for _, e := range envs {
		for _, r := range a.RulesIn(e) {
			exprs = append(exprs, r.Expr)
		}
	}
	if a.SLO != nil {
		sli := alerting.SLIOf(a.Service, a.SLO)
		exprs = append(exprs, sli.Bad("5m"), sli.Total("5m"))
	}
	return exprs
}
