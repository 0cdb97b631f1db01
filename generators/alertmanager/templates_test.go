package alertmanager_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// receiversFile is what the message templates of a configuration are.
type receiversFile struct {
	Receivers []struct {
		Name             string `yaml:"name"`
		PagerDutyConfigs []struct {
			Description string `yaml:"description"`
			Component   string `yaml:"component"`
			Links       []struct {
				Href string `yaml:"href"`
				Text string `yaml:"text"`
			} `yaml:"links"`
		} `yaml:"pagerduty_configs"`
		SlackConfigs []struct {
			Title string `yaml:"title"`
			Text  string `yaml:"text"`
		} `yaml:"slack_configs"`
	} `yaml:"receivers"`
}

// notification is what Alertmanager hands a receiver's templates: the
// alerts of one group, with the labels and annotations they share.
func notification(receiver, status string, as ...map[string]map[string]string) *template.Data {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := &template.Data{
		Receiver:    receiver,
		Status:      status,
		GroupLabels: template.KV{},
		ExternalURL: "http://alertmanager.monitoring:9093",
	}
	for i, a := range as {
		ta := template.Alert{Status: status, Labels: a["labels"], Annotations: a["annotations"], StartsAt: start, Fingerprint: "f" + string(rune('0'+i))}
		if status == "resolved" {
			ta.EndsAt = start.Add(time.Hour)
		}
		d.Alerts = append(d.Alerts, ta)
		if i == 0 {
			d.CommonLabels, d.CommonAnnotations = template.KV{}, template.KV{}
			for k, v := range a["labels"] {
				d.CommonLabels[k] = v
			}
			for k, v := range a["annotations"] {
				d.CommonAnnotations[k] = v
			}
			continue
		}
		for k, v := range d.CommonLabels {
			if a["labels"][k] != v {
				delete(d.CommonLabels, k)
			}
		}
		for k, v := range d.CommonAnnotations {
			if a["annotations"][k] != v {
				delete(d.CommonAnnotations, k)
			}
		}
	}
	for _, k := range alertmanager.GroupBy {
		if v, ok := d.CommonLabels[k]; ok {
			d.GroupLabels[k] = v
		}
	}
	return d
}

// renderer renders a template text with Alertmanager v0.35.0's template
// package, in process, and with the pinned amtool's template render, which
// must agree: the notification data, as JSON, means to the command line
// what it means to the library, and the two render one message.
type renderer struct {
	t      *testing.T
	amtool string
	glob   string
	v035   *template.Template
}

func newRenderer(t *testing.T) *renderer {
	dir := t.TempDir()
	// amtool wants template files; the messages need none.
	if err := os.WriteFile(filepath.Join(dir, "none.tmpl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	return &renderer{t: t, amtool: bins.Amtool.Path(t), glob: filepath.Join(dir, "*.tmpl"), v035: tmpl}
}

func (r *renderer) render(text string, d *template.Data) string {
	r.t.Helper()
	got, err := r.v035.ExecuteTextString(text, d)
	if err != nil {
		r.t.Fatalf("v0.35 renders %q: %v", text, err)
	}
	data, err := json.Marshal(d)
	if err != nil {
		r.t.Fatal(err)
	}
	file := filepath.Join(r.t.TempDir(), "data.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	out, err := exec.Command(r.amtool, "template", "render", "--template.glob="+r.glob, "--template.data="+file, "--template.text="+text).Output()
	if err != nil {
		r.t.Fatalf("amtool template render %q: %v\n%s", text, err, out)
	}
	if old := strings.TrimSuffix(string(out), "\n"); old != strings.TrimSuffix(got, "\n") {
		r.t.Errorf("amtool and v0.35 render %q differently:\namtool: %q\nv0.35:  %q", text, old, got)
	}
	return got
}

// The messages of a page in prod, made from the generated burn alert of
// the first SLO of api, say what fires, where and how fast, and link the
// runbook and dashboard; a resolved one says so; an alert of a chart,
// without a summary, is named. Rendered by Alertmanager v0.35.0's template
// package and by the pinned amtool, identically.
func TestTemplates(t *testing.T) {
	o := loadOrgs(t)[0]
	e, s := o.m.Environment("prod"), o.m.Service("api")
	if e == nil || s == nil || !e.Alerting.Page || len(s.SLOs) == 0 {
		t.Fatal("the sample organisation changed: the test wants prod to page and api to have an SLO")
	}
	var burn []map[string]map[string]string
	name := spec.BurnAlertName(s, s.SLOs[0])
	for _, g := range alerting.New(o.m).Groups(e, s) {
		for _, r := range g.Rules {
			if r.Alert == name && (r.Labels[alerting.LabelTier] == "page-1h" || r.Labels[alerting.LabelTier] == "ticket-3d") {
				burn = append(burn, map[string]map[string]string{"labels": labels(r.Labels).with("alertname", r.Alert), "annotations": r.Annotations})
			}
		}
	}
	if len(burn) != 2 {
		t.Fatalf("%s: found %d of its page-1h and ticket-3d rules, want 2", name, len(burn))
	}
	var f receiversFile
	if err := yaml.Unmarshal(o.file(t, e, alertmanager.ConfigKey), &f); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t)
	for _, rcv := range f.Receivers {
		for _, c := range rcv.SlackConfigs {
			firing := notification(rcv.Name, "firing", burn...)
			if got, want := r.render(c.Title, firing), "[FIRING:2] prod: "+name; got != want {
				t.Errorf("%s: title %q, want %q", rcv.Name, got, want)
			}
			text := r.render(c.Text, firing)
			for _, a := range burn {
				ann := a["annotations"]
				for _, want := range []string{
					"*" + ann["summary"] + "* (" + a["labels"][alerting.LabelTier] + ")",
					ann["description"],
					"<" + ann["runbook_url"] + "|Runbook>",
					"<" + ann["dashboard_url"] + "|Dashboard>",
				} {
					if !strings.Contains(text, want) {
						t.Errorf("%s: text lacks %q:\n%s", rcv.Name, want, text)
					}
				}
			}
			resolved := notification(rcv.Name, "resolved", burn[0])
			if got := r.render(c.Title, resolved); got != "[RESOLVED] prod: "+name {
				t.Errorf("%s: resolved title %q", rcv.Name, got)
			}
			if got := r.render(c.Text, resolved); !strings.HasPrefix(got, "[RESOLVED] *"+burn[0]["annotations"]["summary"]+"*") {
				t.Errorf("%s: resolved text %q", rcv.Name, got)
			}
			chart := notification(rcv.Name, "firing", map[string]map[string]string{
				"labels":      {"alertname": "KubePodCrashLooping", "namespace": "kube-system", "severity": "warning"},
				"annotations": {"description": "Pod kube-system/x is in waiting state.", "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping"},
			})
			if got := r.render(c.Text, chart); !strings.Contains(got, "*KubePodCrashLooping*") || !strings.Contains(got, "|Runbook>") || strings.Contains(got, "Dashboard") {
				t.Errorf("%s: a chart's alert reads %q", rcv.Name, got)
			}
		}
		for _, c := range rcv.PagerDutyConfigs {
			page := notification(rcv.Name, "firing", burn[0])
			ann := burn[0]["annotations"]
			if got, want := r.render(c.Description, page), "prod: "+name+": "+ann["summary"]; got != want {
				t.Errorf("%s: incident %q, want %q", rcv.Name, got, want)
			}
			if got := r.render(c.Component, page); got != s.Name {
				t.Errorf("%s: component %q, want %s", rcv.Name, got, s.Name)
			}
			want := map[string]string{"Runbook": ann["runbook_url"], "Dashboard": ann["dashboard_url"]}
			for _, l := range c.Links {
				if got := r.render(l.Href, page); got != want[l.Text] || got == "" {
					t.Errorf("%s: link %s to %q, want %q", rcv.Name, l.Text, got, want[l.Text])
				}
				delete(want, l.Text)
			}
			if len(want) > 0 {
				t.Errorf("%s: no link to %v", rcv.Name, want)
			}
		}
	}
}
