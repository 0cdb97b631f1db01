package generators_test

import (
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// TestDashboardLinks holds every link to a dashboard that leaves Grafana
// (alert annotations, rule tests, Slack messages, PagerDuty incidents,
// runbooks, docs) to be an absolute https URL under the environment's
// Grafana, and an environment that names no Grafana to link no dashboard
// at all but name it in words: its alerts carry a dashboard annotation
// instead of a dashboard_url, its Slack messages say it, its PagerDuty
// incidents have no Dashboard link, and its runbooks say where to search.
// A bare /d/<uid>/<name> is only right inside a dashboard, which Grafana
// resolves against itself.
//
// The organisations: the sample, whose environments all name their
// Grafana; the sample with prod's alerting.grafana taken out, where one
// paging environment names none beside three that do; and a synthetic one
// that names none anywhere.
func TestDashboardLinks(t *testing.T) {
	t.Parallel()
	files := generators.SampleSpecs(t)
	const prod = "specs/environments/prod.yaml"
	without := maps.Clone(files)
	without[prod] = []byte(strings.Replace(string(files[prod]), ", grafana: https://grafana.prod.acme.example", "", 1))
	if bytes.Equal(without[prod], files[prod]) {
		t.Fatalf("%s changed: the test takes its alerting.grafana out", prod)
	}
	synth, err := spec.Load(syntheticOrg(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		m        *spec.Model
		unlinked []string // the environments that name no Grafana
	}{
		{"sample", loadSpecs(t, files), nil},
		{"sample without prod's Grafana", loadSpecs(t, without), []string{"prod"}},
		{"synthetic", synth, environmentNames(synth)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var unlinked []string
			for _, e := range c.m.Environments {
				if e.Alerting.Grafana == "" {
					unlinked = append(unlinked, e.Name)
				}
			}
			if !slices.Equal(unlinked, c.unlinked) {
				t.Fatalf("environments without alerting.grafana: %v, want %v", unlinked, c.unlinked)
			}
			out, err := generators.Render(c.m)
			if err != nil {
				t.Fatal(err)
			}
			checkDashboardLinksInText(t, c.m, out)
			tmpl, err := template.New()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range c.m.Environments {
				alerts := checkRuleDashboards(t, c.m, out, e)
				checkNotificationDashboards(t, tmpl, out, e, alerts)
				checkRunbookDashboards(t, c.m, out, e)
			}
			notes := spec.WithoutGrafana(c.m)
			if len(notes) != len(c.unlinked) {
				t.Errorf("generate says %q, want one line for each of %v", notes, c.unlinked)
			}
			for i, line := range notes {
				if i < len(c.unlinked) && !strings.HasPrefix(line, c.unlinked[i]+" names no Grafana") {
					t.Errorf("generate says %q, want it about %s", line, c.unlinked[i])
				}
			}
		})
	}
}

func loadSpecs(t *testing.T, files map[string][]byte) *spec.Model {
	t.Helper()
	m, err := spec.LoadFiles(spec.NewFiles(files))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func environmentNames(m *spec.Model) []string {
	var names []string
	for _, e := range m.Environments {
		names = append(names, e.Name)
	}
	return names
}

// checkDashboardLinksInText finds, in every generated file but the
// dashboards, every mention of a dashboard's path /d/<uid>, and holds it
// to be part of an https URL under an environment's Grafana.
func checkDashboardLinksInText(t *testing.T, m *spec.Model, out *engine.Output) {
	t.Helper()
	uids := []string{regexp.QuoteMeta(spec.OverviewDashboardUID)}
	for _, s := range m.Services {
		uids = append(uids, regexp.QuoteMeta(spec.DashboardUID(s)))
	}
	link := regexp.MustCompile("[^\\s\"'<>()\\[\\]|`]*/d/(?:" + strings.Join(uids, "|") + ")")
	var bases []string
	for _, e := range m.Environments {
		if e.Alerting.Grafana != "" {
			bases = append(bases, strings.TrimSuffix(e.Alerting.Grafana, "/")+"/d/")
		}
	}
	found := 0
	for _, f := range out.Files {
		if f.Kind == "dashboards" {
			continue // in-Grafana links, which Grafana resolves against itself
		}
		for _, l := range link.FindAllString(string(f.Data), -1) {
			found++
			if !strings.HasPrefix(l, "https://") || !slices.ContainsFunc(bases, func(b string) bool { return strings.HasPrefix(l, b) }) {
				t.Errorf("%s: dashboard link %q is not an https URL under an environment's alerting.grafana", f.Path, l)
			}
		}
	}
	if found == 0 && len(bases) > 0 {
		t.Error("no file links a dashboard, yet some environment names its Grafana")
	}
}

// firingAlert is one alerting rule as Alertmanager receives its alert.
type firingAlert struct {
	where       string
	labels      map[string]string
	annotations map[string]string
}

// prometheusRule is the part of a PrometheusRule that the test reads.
type prometheusRule struct {
	Spec struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	} `yaml:"spec"`
}

// checkRuleDashboards reads environment e's generated PrometheusRules (the
// proof's rule files are the same groups: generators/flux) and holds each
// alert to link its service's dashboard under e's Grafana or, where e names
// none, to carry no dashboard_url and name the dashboard instead. It
// returns the alerts, for the notifications.
func checkRuleDashboards(t *testing.T, m *spec.Model, out *engine.Output, e *spec.Environment) []firingAlert {
	t.Helper()
	var alerts []firingAlert
	for _, s := range m.Services {
		p := alerting.PrometheusRulePath(e, s)
		f := out.File(p)
		if f == nil {
			t.Errorf("%s is not generated", p)
			continue
		}
		var doc prometheusRule
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		n := 0
		for _, g := range doc.Spec.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				n++
				where := p + ": " + r.Alert
				checkAlertDashboard(t, where, r.Annotations, m, e, s)
				labels := maps.Clone(r.Labels)
				labels["alertname"] = r.Alert
				alerts = append(alerts, firingAlert{where, labels, r.Annotations})
			}
		}
		if n == 0 {
			t.Errorf("%s: no alerting rule", p)
		}
	}
	return alerts
}

// checkAlertDashboard holds one alert's annotations.
func checkAlertDashboard(t *testing.T, where string, ann map[string]string, m *spec.Model, e *spec.Environment, s *spec.Service) {
	t.Helper()
	url, linked := ann[alerting.AnnotationDashboardURL]
	words, named := ann[alerting.AnnotationDashboard]
	if e.Alerting.Grafana == "" {
		if linked {
			t.Errorf("%s: dashboard_url %q, but %s names no Grafana", where, url, e.Name)
		}
		for _, want := range []string{spec.DashboardTitle(m.Platform, s), spec.DashboardUID(s), "the Grafana of " + e.Name, "alerting.grafana in " + spec.EnvironmentFile(e)} {
			if !strings.Contains(words, want) {
				t.Errorf("%s: dashboard annotation %q does not say %q", where, words, want)
			}
		}
		return
	}
	if want := strings.TrimSuffix(e.Alerting.Grafana, "/") + "/d/" + spec.DashboardUID(s) + "/" + s.Name; url != want || !strings.HasPrefix(url, "https://") {
		t.Errorf("%s: dashboard_url %q, want %q", where, url, want)
	}
	if named {
		t.Errorf("%s: dashboard annotation %q beside a dashboard_url", where, words)
	}
}

// amReceivers is the part of an Alertmanager configuration the test
// renders.
type amReceivers struct {
	Receivers []struct {
		Name             string `yaml:"name"`
		PagerDutyConfigs []struct {
			Links []struct {
				Href string `yaml:"href"`
				Text string `yaml:"text"`
			} `yaml:"links"`
		} `yaml:"pagerduty_configs"`
		SlackConfigs []struct {
			Text string `yaml:"text"`
		} `yaml:"slack_configs"`
	} `yaml:"receivers"`
}

// slackHref is a link in Slack's mrkdwn: <href|text>.
var slackHref = regexp.MustCompile(`<([^<>|]*)\|([^<>]*)>`)

// checkNotificationDashboards renders, with Alertmanager's own template
// package, every receiver's Slack message and PagerDuty links of
// environment e for a notification of each of its alerts, and holds every
// link to be absolute https; the dashboard is linked where e names its
// Grafana, and named in words where it does not. PagerDuty drops a link
// whose href renders empty (since Alertmanager 0.22), but an empty href in
// the configuration would still be a link that never shows: there is none.
func checkNotificationDashboards(t *testing.T, tmpl *template.Template, out *engine.Output, e *spec.Environment, alerts []firingAlert) {
	t.Helper()
	p := spec.AlertmanagerDir(e) + "/" + alertmanager.ConfigKey
	f := out.File(p)
	if f == nil {
		t.Fatalf("%s is not generated", p)
	}
	var cfg amReceivers
	if err := yaml.Unmarshal(f.Data, &cfg); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if len(alerts) == 0 {
		t.Fatalf("%s: no alert to notify of", e.Name)
	}
	render := func(where, text string, d *template.Data) string {
		got, err := tmpl.ExecuteTextString(text, d)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		return got
	}
	pages := 0
	for _, r := range cfg.Receivers {
		for _, a := range alerts {
			d := notificationOf(r.Name, a)
			where := p + ": " + r.Name + ": " + a.where
			for _, c := range r.SlackConfigs {
				text := render(where, c.Text, d)
				for _, l := range slackHref.FindAllStringSubmatch(text, -1) {
					if !strings.HasPrefix(l[1], "https://") {
						t.Errorf("%s: Slack link %q to %q is not absolute https:\n%s", where, l[2], l[1], text)
					}
				}
				if u := a.annotations[alerting.AnnotationDashboardURL]; u != "" && !strings.Contains(text, "<"+u+"|Dashboard>") {
					t.Errorf("%s: Slack message does not link the dashboard %s:\n%s", where, u, text)
				}
				if w := a.annotations[alerting.AnnotationDashboard]; w != "" && !strings.Contains(text, "Dashboard: "+w) {
					t.Errorf("%s: Slack message does not name the dashboard (%s):\n%s", where, w, text)
				}
			}
			for _, c := range r.PagerDutyConfigs {
				pages++
				var texts []string
				for _, l := range c.Links {
					texts = append(texts, l.Text)
					if href := render(where, l.Href, d); !strings.HasPrefix(href, "https://") {
						t.Errorf("%s: PagerDuty link %q to %q is not absolute https", where, l.Text, href)
					}
				}
				if want := e.Alerting.Grafana != ""; slices.Contains(texts, "Dashboard") != want {
					t.Errorf("%s: PagerDuty links %v; a Dashboard link: %t, want %t (alerting.grafana %q)", where, texts, !want, want, e.Alerting.Grafana)
				}
			}
		}
	}
	if e.Alerting.Page && pages == 0 {
		t.Errorf("%s pages, but %s has no PagerDuty receiver", e.Name, p)
	}
}

// notificationOf is what Alertmanager hands receiver's templates for a
// group of the one alert a.
func notificationOf(receiver string, a firingAlert) *template.Data {
	d := &template.Data{
		Receiver:          receiver,
		Status:            "firing",
		GroupLabels:       template.KV{},
		CommonLabels:      template.KV(maps.Clone(a.labels)),
		CommonAnnotations: template.KV(maps.Clone(a.annotations)),
		ExternalURL:       "http://alertmanager.monitoring:9093",
		Alerts: template.Alerts{{
			Status:      "firing",
			Labels:      a.labels,
			Annotations: a.annotations,
			StartsAt:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		}},
	}
	for _, k := range alertmanager.GroupBy {
		if v, ok := a.labels[k]; ok {
			d.GroupLabels[k] = v
		}
	}
	return d
}

// checkRunbookDashboards holds each runbook's line about environment e to
// link the dashboard under e's Grafana, or to say where to search for it
// and what would link it.
func checkRunbookDashboards(t *testing.T, m *spec.Model, out *engine.Output, e *spec.Environment) {
	t.Helper()
	am := alerting.New(m)
	for _, s := range m.Services {
		var want []string
		if u := spec.DashboardURL(e, s); u != "" {
			want = []string{"- " + e.Name + ": <" + u + ">"}
		} else {
			want = []string{"- " + e.Name + ": no link: search the Grafana of " + e.Name + " for", spec.DashboardUID(s), "`alerting.grafana` in `" + spec.EnvironmentFile(e) + "`"}
		}
		for _, a := range am.Alerts(s) {
			p := spec.RunbookPath(s, a.Name)
			f := out.File(p)
			if f == nil {
				t.Errorf("%s is not generated", p)
				continue
			}
			line := ""
			for l := range strings.Lines(string(f.Data)) {
				if strings.HasPrefix(l, "- "+e.Name+": ") {
					line = l
					break
				}
			}
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("%s: the dashboard in %s is %q, which lacks %q", p, e.Name, strings.TrimSpace(line), w)
				}
			}
		}
	}
}
