package generators_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// The proof that no alert watches a metric nothing exports (issue 19),
// on the rendered tree rather than the model: every metric that a generated
// rule file, dashboard or runbook query names, read with Prometheus's own
// parser, has a producer in the catalogue, and that producer is deployed in
// the same environment, as the tree itself shows:
//
//   - a component: its HelmRelease in the environment's infrastructure
//     layer;
//   - a database job: its CronJob in the service's apps folder where pgops
//     is released, else the line of spec.Undeployed that says it is not
//     (and the alert's absent rule fires there until it is);
//   - the service: its ServiceMonitor in its apps folder where it is
//     released, else the line of spec.Undeployed that says it is not;
//   - a recording rule: a rule of the same file records it; up: Prometheus,
//     which kube-prometheus-stack installs;
//   - the spec: a query of the service's spec names it, and the spec's team
//     owns it (the runbook says so).
//
// Dashboards serve every environment, so their metrics are checked against
// each; a runbook query against each environment too.
func TestEveryMetricHasAProducer(t *testing.T) {
	for name, root := range map[string]string{"sample": "..", "synthetic": syntheticOrg(t)} {
		t.Run(name, func(t *testing.T) {
			m, err := spec.Load(root)
			if err != nil {
				t.Fatal(err)
			}
			out, err := generators.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			am := alerting.New(m)
			checked := map[alerting.ProducerKind]int{}
			for _, e := range m.Environments {
				for _, s := range m.Services {
					rf := alerting.PrometheusRulePath(e, s)
					recorded, queries := ruleQueries(t, out, rf)
					for _, q := range queries {
						for _, n := range metricNames(t, rf+": "+q.where, q.expr) {
							checked[checkProduced(t, m, am, out, e, s, n, rf+": "+q.where, recorded)]++
						}
					}
				}
			}
			for _, f := range out.Files {
				var s *spec.Service
				switch {
				case strings.HasPrefix(f.Path, spec.DashboardsDir+"/") && strings.HasSuffix(f.Path, ".json"):
					s = serviceOf(m, strings.TrimSuffix(path.Base(f.Path), ".json"))
					for _, q := range dashboardQueries(t, f) {
						for _, n := range metricNames(t, f.Path+": "+q.where, q.expr) {
							for _, e := range m.Environments {
								checked[checkProduced(t, m, am, out, e, s, n, f.Path+": "+q.where, nil)]++
							}
						}
					}
				case strings.HasPrefix(f.Path, spec.RunbooksDir+"/") && strings.HasSuffix(f.Path, ".md"):
					s = serviceOf(m, path.Base(path.Dir(f.Path)))
					for i, q := range promqlBlocks(string(f.Data)) {
						where := fmt.Sprintf("%s: query %d", f.Path, i+1)
						for _, n := range metricNames(t, where, q) {
							for _, e := range m.Environments {
								checked[checkProduced(t, m, am, out, e, s, n, where, nil)]++
							}
						}
					}
				}
			}
			// The check met every kind of producer the organisation has.
			for _, k := range []alerting.ProducerKind{alerting.ProducedByService, alerting.ProducedByPrometheus, alerting.ProducedByComponent, alerting.ProducedByJob} {
				if checked[k] == 0 {
					t.Errorf("no metric produced by a %s was checked: %v", k, checked)
				}
			}
		})
	}
}

// checkProduced reports metric n of service s (nil: the overview), named at
// where, unless a producer that environment e deploys makes it, and
// returns the producer's kind.
func checkProduced(t *testing.T, m *spec.Model, am *alerting.Model, out *engine.Output, e *spec.Environment, s *spec.Service, n, where string, recorded map[string]bool) alerting.ProducerKind {
	t.Helper()
	var p *alerting.Producer
	if s != nil {
		p = am.Producer(s, n)
	} else {
		for _, o := range m.Services {
			if q := am.Producer(o, n); q != nil && (p == nil || q.Kind != alerting.ProducedBySpec) {
				p = q
			}
		}
	}
	if p == nil {
		t.Errorf("%s names %s, which no producer of the catalogue makes", where, n)
		return ""
	}
	flux := spec.FluxDir(e)
	has := func(file string) bool { return out.File(file) != nil }
	switch p.Kind {
	case alerting.ProducedByComponent:
		if hr := fmt.Sprintf("%s/infrastructure/%s/helmrelease.yaml", flux, p.Release); !has(hr) {
			t.Errorf("%s names %s, produced by %s, but %s installs no %s", where, n, p.Name, e.Name, hr)
		}
	case alerting.ProducedByJob:
		if s == nil {
			t.Errorf("%s names %s, a database job's metric, outside a service's dashboard", where, n)
			break
		}
		job := p.Job(s)
		if m.PgopsDigest(e) == "" {
			if !slices.ContainsFunc(spec.Undeployed(m), func(l string) bool {
				return strings.Contains(l, "database jobs") && strings.Contains(l, s.Name) && strings.Contains(l, " "+e.Name+" ")
			}) {
				t.Errorf("%s names %s, pushed by %s, which %s does not run, and generate does not say so", where, n, job, e.Name)
			}
			break
		}
		if !cronJob(t, out, flux+"/apps/"+s.Name+"/", job) {
			t.Errorf("%s names %s, pushed by CronJob %s, which %s's apps layer does not run", where, n, job, e.Name)
		}
	case alerting.ProducedByService:
		services := []*spec.Service{s}
		if s == nil {
			services = m.Services
		}
		for _, o := range services {
			if m.Digest(e, o) == "" {
				// Not deployed there yet: nothing runs, nothing is lost,
				// and generate says so.
				if !slices.ContainsFunc(spec.Undeployed(m), func(l string) bool { return strings.HasPrefix(l, o.Name+" is not deployed in "+e.Name+" ") }) {
					t.Errorf("%s names %s, exported by %s's pods, which %s does not run, and generate does not say so", where, n, o.Name, e.Name)
				}
				continue
			}
			if sm := flux + "/apps/" + o.Name + "/servicemonitor.yaml"; !has(sm) {
				t.Errorf("%s names %s, exported by %s's pods, but %s has no %s", where, n, o.Name, e.Name, sm)
			}
		}
	case alerting.ProducedByPrometheus:
		if n == "up" {
			if hr := flux + "/infrastructure/kube-prometheus-stack/helmrelease.yaml"; !has(hr) {
				t.Errorf("%s names up, but %s installs no Prometheus (%s)", where, e.Name, hr)
			}
		} else if recorded != nil && !recorded[n] {
			t.Errorf("%s names %s, a recording rule's name, which its rule file does not record", where, n)
		}
	case alerting.ProducedBySpec:
		if s != nil && !specNames(s, n) {
			t.Errorf("%s names %s as the spec's, but no query of %s names it", where, n, s.Source.Path)
		}
	}
	return p.Kind
}

type query struct{ where, expr string }

// ruleQueries are the expressions of a generated rule file, and the names
// it records.
func ruleQueries(t *testing.T, out *engine.Output, file string) (map[string]bool, []query) {
	t.Helper()
	f := out.File(file)
	if f == nil {
		t.Fatalf("no rule file %s", file)
	}
	var pr struct {
		Spec struct {
			Groups []struct {
				Name  string `yaml:"name"`
				Rules []struct {
					Record string            `yaml:"record"`
					Alert  string            `yaml:"alert"`
					Expr   string            `yaml:"expr"`
					Labels map[string]string `yaml:"labels"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(f.Data, &pr); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	recorded := map[string]bool{}
	var qs []query
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
			name := r.Record + r.Alert
			if r.Alert != "" {
				labels := slices.Sorted(maps.Keys(r.Labels))
				var ls []string
				for _, k := range labels {
					if k == alerting.LabelTier || k == alerting.LabelSignal {
						ls = append(ls, k+"="+r.Labels[k])
					}
				}
				name += "{" + strings.Join(ls, ",") + "}"
			}
			qs = append(qs, query{fmt.Sprintf("group %s, rule %s", g.Name, name), r.Expr})
		}
	}
	return recorded, qs
}

// dashboardQueries are the queries of every panel of a dashboard, with
// Grafana's $__rate_interval filled in as Grafana would.
func dashboardQueries(t *testing.T, f *engine.Rendered) []query {
	t.Helper()
	var b struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(f.Data, &b); err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	var qs []query
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				qs = append(qs, query{fmt.Sprintf("panel %q, query %s", p.Title, tg.RefID), strings.ReplaceAll(tg.Expr, "$__rate_interval", "5m")})
			}
			walk(p.Panels)
		}
	}
	walk(b.Panels)
	return qs
}

// dashPanel is a panel of a dashboard, or a row holding panels.
type dashPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

var promqlBlock = regexp.MustCompile("(?s)```promql\n(.*?)\n```")

// promqlBlocks are the PromQL code blocks of a runbook.
func promqlBlocks(md string) []string {
	var out []string
	for _, m := range promqlBlock.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

// metricNames are the metric names expr selects, as Prometheus's parser
// reads it: written here apart from alerting.MetricNames, which the
// generators check with, so that the two cannot share a mistake.
func metricNames(t *testing.T, where, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			for _, lm := range vs.LabelMatchers {
				if lm.Name != model.MetricNameLabel {
					continue
				}
				if lm.Type != labels.MatchEqual {
					t.Errorf("%s: %s selects metrics by a pattern", where, vs)
					continue
				}
				names = append(names, lm.Value)
			}
		}
		return nil
	})
	slices.Sort(names)
	return slices.Compact(names)
}

// cronJob reports whether a file under dir holds the CronJob name.
func cronJob(t *testing.T, out *engine.Output, dir, name string) bool {
	t.Helper()
	for _, f := range out.Files {
		if !strings.HasPrefix(f.Path, dir) {
			continue
		}
		var o struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if yaml.Unmarshal(f.Data, &o) == nil && o.Kind == "CronJob" && o.Metadata.Name == name {
			return true
		}
	}
	return false
}

// specNames reports whether a query of s's spec names metric n.
func specNames(s *spec.Service, n string) bool {
	var qs []string
	for _, o := range s.SLOs {
		qs = append(qs, o.SLI.Errors, o.SLI.Total)
	}
	for _, a := range s.Alerts {
		qs = append(qs, a.Expr)
	}
	return slices.ContainsFunc(qs, func(q string) bool { return regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`).MatchString(q) })
}

func serviceOf(m *spec.Model, name string) *spec.Service { return m.Service(name) }

func syntheticOrg(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := synthetic.Write(dir, 2); err != nil {
		t.Fatal(err)
	}
	return dir
}
