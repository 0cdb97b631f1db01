//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/promstore"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// The overview of 300 services is the overview of 3, byte for byte: it
// names no service (none of theirs has a name too long for its uid), so
// its size and its panels do not grow with the organisation.
func TestOverviewSizeIsFixed(t *testing.T) {
	var sizes []int
	var first []byte
	for _, n := range []int{3, 300} {
		dir := t.TempDir()
		if err := synthetic.Write(dir, n); err != nil {
			t.Fatal(err)
		}
		m, err := spec.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Services) != n {
			t.Fatalf("%d services, want %d", len(m.Services), n)
		}
		data, err := overviewFile(engine.NewInput(m))
		if err != nil {
			t.Fatal(err)
		}
		d, err := overviewDashboard(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Panels) > 12 {
			t.Errorf("%d services: %d panels, want a dozen at most", n, len(d.Panels))
		}
		sizes = append(sizes, len(data))
		if first == nil {
			first = data
		} else if !bytes.Equal(data, first) {
			t.Errorf("the overview of %d services differs from that of 3", n)
		}
	}
	if sizes[0] > 32<<10 {
		t.Errorf("the overview is %d bytes, want a few kilobytes", sizes[0])
	}
	t.Logf("overview: %v bytes for 3 and 300 services", sizes)
}

// longName is a service name too long for a uid of prefix and name.
const longName = "payments-reconciliation-and-settlement"

// overviewModel is the sample organisation and a copy of its web service
// with a name too long for a plain uid, whose dashboard the table can
// reach only through the mapping the overview carries for it.
func overviewModel(t *testing.T) *spec.Model {
	t.Helper()
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	long := *m.Service("web")
	long.Name = longName
	if spec.DashboardUID(&long) == dashboardUIDPrefix+long.Name {
		t.Fatalf("%s has a plain uid; the test needs a longer name", long.Name)
	}
	m.Services = append(slices.Clone(m.Services), &long)
	return m
}

// The series a cluster of the model's services has, an hour long: every
// service's pods (build_info), an HTTP service's requests, some failing,
// and each SLO's budget recording; and a job that is not a service,
// whose requests the overview must not show.
func overviewSeries(m *spec.Model) *promstore.Store {
	st := &promstore.Store{}
	counter := func(perMinute float64) func(int) float64 {
		return func(i int) float64 { return perMinute * float64(i) }
	}
	constant := func(v float64) func(int) float64 { return func(int) float64 { return v } }
	for i, s := range m.Services {
		sel := []string{"job", s.Name, "namespace", s.Name}
		for _, pod := range []string{"a", "b"} {
			addSeries(st, append([]string{"__name__", "build_info", "pod", s.Name + "-" + pod, "version", "1"}, sel...), constant(1))
		}
		if s.HTTP() {
			addSeries(st, append([]string{"__name__", "http_requests_total", "route", "GET /", "code", "200"}, sel...), counter(60*float64(i+1)))
			addSeries(st, append([]string{"__name__", "http_requests_total", "route", "GET /", "code", "500"}, sel...), counter(6*float64(i)))
		}
		for j, o := range s.SLOs {
			addSeries(st, []string{"__name__", alerting.RecordBudgetRemaining, "service", s.Name, "slo", o.Name}, constant(0.9-0.4*float64(i+j)))
		}
	}
	addSeries(st, []string{"__name__", "http_requests_total", "job", "grafana", "namespace", "monitoring", "code", "200"}, counter(600))
	return st
}

// addSeries adds a series of a sample a minute for an hour from t=0, the
// minute's value given by value.
func addSeries(st *promstore.Store, ls []string, value func(minute int) float64) {
	values := make([]float64, 61)
	for i := range values {
		values[i] = value(i)
	}
	st.Add(labels.FromStrings(ls...), time.Minute.Milliseconds(), values)
}

// expandVariables fills in Grafana's variables as it sends a query with
// every service chosen: the service variable's All is its values as a
// regular expression.
func expandVariables(expr string, services []string) string {
	return strings.NewReplacer(
		rateInterval, rateIntervalValue,
		"$"+ServiceVariable, "("+strings.Join(services, "|")+")",
	).Replace(expr)
}

// The overview's queries, run by Prometheus's engine on the series of a
// cluster: the table has a row per service, keyed by the service's name
// and the uid of its dashboard, which its link resolves to the dashboard
// the service has, long name or not; a job that is not a service is not
// shown; every other panel has data, and its top-N lines carry the label
// their link fills in.
func TestOverviewQueriesOnSeries(t *testing.T) {
	m := overviewModel(t)
	d, err := overviewDashboard(m)
	if err != nil {
		t.Fatal(err)
	}
	storage := overviewSeries(m)
	eng := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	at := time.UnixMilli(0).Add(time.Hour)

	// The service variable lists the jobs that export build_info.
	variable := fmt.Sprintf("group by (%s) (%s)", serviceVariableLabel, serviceVariableSource)
	var services []string
	for _, s := range eval(t, eng, storage, variable, at) {
		services = append(services, s.Metric.Get(serviceVariableLabel))
	}
	slices.Sort(services)
	var want []string
	for _, s := range m.Services {
		want = append(want, s.Name)
	}
	slices.Sort(want)
	if !slices.Equal(services, want) {
		t.Fatalf("the service variable lists %v, want %v", services, want)
	}

	uids := map[string]string{} // a service's dashboard uid, by name
	for _, s := range m.Services {
		uids[s.Name] = spec.DashboardUID(s)
	}
	checked := 0
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		title := *p.Panel.Title
		for _, tg := range p.Panel.Targets {
			q := tg.(prometheus.Dataquery)
			if !strings.Contains(q.Expr, "$"+ServiceVariable) {
				t.Errorf("panel %q, query %s does not filter by the %s variable: %s", title, *q.RefId, ServiceVariable, q.Expr)
			}
			res := eval(t, eng, storage, expandVariables(q.Expr, services), at)
			if len(res) == 0 {
				t.Errorf("panel %q, query %s returns nothing", title, *q.RefId)
				continue
			}
			checked++
			for _, s := range res {
				if strings.Contains(s.Metric.String(), "grafana") {
					t.Errorf("panel %q, query %s shows a job that is no service: %s", title, *q.RefId, s.Metric)
				}
			}
			if p.Panel.Type != "table" {
				for _, l := range p.Panel.FieldConfig.Defaults.Links {
					label := regexp.MustCompile(`__field\.labels\.(\w+)`).FindStringSubmatch(*l.Url)
					if label == nil {
						t.Errorf("panel %q links %s, which names no label of its lines", title, *l.Url)
						continue
					}
					for _, s := range res {
						if _, ok := uids[s.Metric.Get(label[1])]; !ok {
							t.Errorf("panel %q: line %s has no service in label %s, which its link filters by", title, s.Metric, label[1])
						}
					}
				}
				continue
			}
			// A row of the table: its link resolves to a service's dashboard.
			for _, s := range res {
				name := s.Metric.Get(labelService)
				uid := mapped(t, p.Panel, s.Metric.Get(labelDashboard))
				url := strings.NewReplacer("${__data.fields."+labelDashboard+"}", uid, "${__data.fields."+labelService+"}", name).Replace(serviceDashboardURL)
				if want, ok := uids[name]; !ok || uid != want {
					t.Errorf("panel %q, query %s: row of %q links %s, want the dashboard %s", title, *q.RefId, name, url, want)
				}
				if !strings.HasPrefix(url, "/d/"+uid+"/") {
					t.Errorf("row of %q links %s", name, url)
				}
			}
			rows := map[string]bool{}
			for _, s := range res {
				rows[s.Metric.Get(labelService)] = true
			}
			if *q.RefId == "A" && len(rows) != len(m.Services) {
				t.Errorf("panel %q, query A has rows for %v, want every service", title, rows)
			}
		}
	}
	if checked < 10 {
		t.Errorf("%d queries checked", checked)
	}
}

// eval runs an instant query.
func eval(t *testing.T, eng *promql.Engine, storage storage.Queryable, expr string, at time.Time) promql.Vector {
	t.Helper()
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(expr); err != nil {
		t.Fatalf("%q does not parse: %v", expr, err)
	}
	q, err := eng.NewInstantQuery(context.Background(), storage, nil, expr, at)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	r := q.Exec(context.Background())
	if r.Err != nil {
		t.Fatalf("%s: %v", expr, r.Err)
	}
	v, err := r.Vector()
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// mapped is what Grafana shows of value in the table's dashboard column:
// the value, or the text the column's value mappings give it.
func mapped(t *testing.T, p *dashboard.Panel, value string) string {
	t.Helper()
	for _, o := range p.FieldConfig.Overrides {
		if name, _ := o.Matcher.Options.(*string); o.Matcher.Id != "byName" || name == nil || *name != labelDashboard {
			continue
		}
		for _, prop := range o.Properties {
			if prop.Id != "mappings" {
				continue
			}
			for _, vm := range prop.Value.([]dashboard.ValueMapping) {
				if r, ok := vm.ValueMap.Options[value]; ok {
					return *r.Text
				}
			}
		}
	}
	return value
}
