package dashboards_test

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/backend/metrics"
	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// grafanaVariables are values of the variables Grafana substitutes in a
// query before Prometheus sees it, chosen so that the query parses as
// Grafana would send it.
var grafanaVariables = map[string]string{
	"__rate_interval":             "5m",
	"__rate_interval_ms":          "300000",
	"__interval":                  "1m",
	"__interval_ms":               "60000",
	"__range":                     "6h",
	"__range_s":                   "21600",
	"__range_ms":                  "21600000",
	"__from":                      "0",
	"__to":                        "21600000",
	dashboards.DatasourceVariable: "prometheus",
	// The overview's, with two services chosen: Grafana formats them as a
	// regular expression.
	dashboards.ServiceVariable: "(api|web)",
}

// variableRE matches Grafana's three variable syntaxes: ${name} (with an
// optional :format), $name and [[name]].
var variableRE = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// expand substitutes Grafana's variables; a variable Grafana would not know
// is an error, since Prometheus would receive it verbatim.
func expand(q string) (string, error) {
	var unknown []string
	out := variableRE.ReplaceAllStringFunc(q, func(v string) string {
		m := variableRE.FindStringSubmatch(v)
		name := m[1] + m[2] + m[3]
		if strings.Trim(name, "0123456789") == "" {
			return v // label_replace's $1: no variable, which Grafana leaves alone
		}
		val, ok := grafanaVariables[name]
		if !ok {
			unknown = append(unknown, v)
		}
		return val
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown Grafana variables %v", unknown)
	}
	return out, nil
}

var promql = parser.NewParser(parser.Options{})

// metricNames are the metric names an expression selects: the names of its
// vector selectors and their __name__ matchers. A selector that picks
// metrics by a regular expression cannot be checked, so it is an error.
func metricNames(e parser.Expr) (names []string, errs []error) {
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name != "" {
			names = append(names, vs.Name)
		}
		for _, lm := range vs.LabelMatchers {
			if lm.Name != model.MetricNameLabel {
				continue
			}
			if lm.Type == labels.MatchEqual {
				names = append(names, lm.Value)
			} else {
				errs = append(errs, fmt.Errorf("%s selects metric names by %s; name them", vs, lm.Type))
			}
		}
		return nil
	})
	slices.Sort(names)
	return slices.Compact(names), errs
}

// known is the set of metric names a service's dashboard may query, each
// with where it comes from.
type known map[string]string

// knownMetrics are the names the queries about services ss may select
// besides what backend/metrics exports: every recording rule the alerts
// generator records for them, in any environment, and every metric their
// specs' own queries name (custom SLIs, spec alerts).
func knownMetrics(t *testing.T, m *spec.Model, ss ...*spec.Service) known {
	t.Helper()
	k := known{}
	for _, s := range ss {
		for _, e := range m.Environments {
			for _, g := range alerting.New(m).Groups(e, s) {
				for _, r := range g.Rules {
					if r.Record != "" {
						k[r.Record] = "recorded by rule group " + g.Name
					}
				}
			}
		}
		var own []string
		for _, o := range s.SLOs {
			if !o.SLI.Custom() {
				continue
			}
			for _, q := range []string{o.SLI.Errors, o.SLI.Total} {
				r, err := spec.RenderSLIQuery(q, "5m")
				if err != nil {
					t.Fatal(err)
				}
				own = append(own, r)
			}
		}
		for _, a := range s.Alerts {
			own = append(own, a.Expr)
		}
		for _, q := range own {
			e, err := promql.ParseExpr(q)
			if err != nil {
				t.Fatalf("%s: %q: %v", s.Source.Path, q, err)
			}
			names, _ := metricNames(e)
			for _, n := range names {
				k[n] = "named in " + s.Source.Path
			}
		}
	}
	return k
}

// checkQueries parses every query of a dashboard once Grafana's variables
// are filled in and checks each metric it selects exists: exported by
// backend/metrics or in k.
func checkQueries(b board, k known) []error {
	var errs []error
	for _, p := range b.all() {
		for _, tg := range p.Targets {
			where := fmt.Sprintf("panel %q, query %s", p.Title, tg.RefID)
			q, err := expand(tg.Expr)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
				continue
			}
			e, err := promql.ParseExpr(q)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q does not parse: %w", where, q, err))
				continue
			}
			names, nameErrs := metricNames(e)
			for _, err := range nameErrs {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
			for _, n := range names {
				if !metrics.Exported(n) && k[n] == "" {
					errs = append(errs, fmt.Errorf("%s: metric %s is neither exported by backend/metrics, nor recorded, nor named in the spec", where, n))
				}
			}
		}
	}
	return errs
}

// Every query of every dashboard parses and selects only metrics that exist.
func TestQueriesSelectKnownMetrics(t *testing.T) {
	for _, o := range orgs(t) {
		files := dashboardFiles(o.out)
		for _, s := range o.model.Services {
			t.Run(o.name+"/"+s.Name, func(t *testing.T) {
				b := decode(t, spec.DashboardPath(s), files[spec.DashboardPath(s)])
				if n := countQueries(b); n == 0 {
					t.Fatal("the dashboard has no query")
				}
				for _, err := range checkQueries(b, knownMetrics(t, o.model, s)) {
					t.Error(err)
				}
			})
		}
		t.Run(o.name+"/overview", func(t *testing.T) {
			b := decode(t, dashboards.OverviewPath, files[dashboards.OverviewPath])
			if n := countQueries(b); n == 0 {
				t.Fatal("the overview has no query")
			}
			for _, err := range checkQueries(b, knownMetrics(t, o.model, o.model.Services...)) {
				t.Error(err)
			}
		})
	}
}

func countQueries(b board) int {
	n := 0
	for _, p := range b.all() {
		n += len(p.Targets)
	}
	return n
}

// The check catches what it exists to catch: a metric no one exports, one
// picked by regular expression, a variable Grafana does not know, a query
// that does not parse, and a misspelt metric in a real dashboard.
func TestQueriesCheckCatchesUnknownMetrics(t *testing.T) {
	b := board{Panels: []panel{{Title: "bad", Targets: []target{
		{RefID: "A", Expr: `sum(rate(http_requests_total{job="api"}[$__rate_interval]))`}, // fine
		{RefID: "B", Expr: `sum(rate(made_up_total{job="api"}[$__rate_interval]))`},
		{RefID: "C", Expr: `{__name__="also_made_up", job="api"}`},
		{RefID: "D", Expr: `{__name__=~"http_.+"}`},
		{RefID: "E", Expr: `rate(http_requests_total[$__not_a_variable])`},
		{RefID: "F", Expr: `sum(rate(http_requests_total[5m])`},
	}}}}
	errs := checkQueries(b, known{})
	for _, want := range []string{"query B: metric made_up_total", "query C: metric also_made_up", "query D:", "query E: unknown Grafana variables", "query F:"} {
		if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), want) }) {
			t.Errorf("no error says %q; got %v", want, errors.Join(errs...))
		}
	}
	if slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), "query A") }) {
		t.Errorf("a valid query was refused: %v", errors.Join(errs...))
	}

	o := orgs(t)[0]
	s := o.model.Service("api")
	data := dashboardFiles(o.out)[spec.DashboardPath(s)]
	misspelt := strings.ReplaceAll(string(data), "http_requests_total", "http_request_total")
	errs = checkQueries(decode(t, "misspelt", []byte(misspelt)), knownMetrics(t, o.model, s))
	if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), "metric http_request_total ") }) {
		t.Errorf("a misspelt metric in the api dashboard went unnoticed; errors: %v", errors.Join(errs...))
	}
	// The recording rules the real dashboards rely on are known to the check.
	k := knownMetrics(t, o.model, s)
	if _, ok := k[alerting.RecordBudgetRemaining]; !ok {
		t.Errorf("the recording rules of api are not known: %v", slices.Sorted(maps.Keys(k)))
	}
}
