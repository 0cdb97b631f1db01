package alertmanager_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

const repoRoot = "../.."

// shared is a folder for what the tests share across tests (the
// synthetic organisation), removed after them.
var shared string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "alertmanager-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	shared = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// org is an organisation, everything Groundwork generates for it, and the
// proof of its alerts (their promtool tests).
type org struct {
	name  string
	m     *spec.Model
	out   *engine.Output
	proof *engine.Output
}

// orgs are the sample organisation and a synthetic one of another shape
// (other teams, other owner's channel), each generated once.
var orgs = sync.OnceValues(func() ([]org, error) {
	synth := filepath.Join(shared, "synthetic")
	if err := synthetic.Write(synth, 3); err != nil {
		return nil, err
	}
	var out []org
	for _, o := range []struct{ name, root string }{{"sample", repoRoot}, {"synthetic", synth}} {
		m, err := spec.Load(o.root)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
		r, err := generators.Render(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
		p, err := generators.Proof(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
		out = append(out, org{o.name, m, r, p})
	}
	return out, nil
})

func loadOrgs(t *testing.T) []org {
	t.Helper()
	all, err := orgs()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// file is the generated file name of Dir(e).
func (o org) file(t *testing.T, e *spec.Environment, name string) []byte {
	t.Helper()
	p := spec.AlertmanagerDir(e) + "/" + name
	f := o.out.File(p)
	if f == nil {
		t.Fatalf("%s: %s was not generated", o.name, p)
	}
	return f.Data
}

// writeConfig writes the configuration of e to a temporary file.
func (o org) writeConfig(t *testing.T, e *spec.Environment) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), alertmanager.ConfigKey)
	if err := os.WriteFile(name, o.file(t, e, alertmanager.ConfigKey), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// labels is one alert's label set.
type labels map[string]string

func (l labels) with(kv ...string) labels {
	out := maps.Clone(l)
	if out == nil {
		out = labels{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// wantReceivers is where an alert of labels ls must go in environment e, as
// the routing is specified: Watchdog and InfoInhibitor nowhere; an alert of
// a team to its Slack channel, and first to its PagerDuty service when it
// pages and e pages; anything else to the platform owner's channel.
func wantReceivers(p *spec.Platform, e *spec.Environment, ls labels) []string {
	if name := ls["alertname"]; name == "Watchdog" || name == "InfoInhibitor" {
		return []string{alertmanager.NullReceiver}
	}
	team := ls[alerting.LabelTeam]
	if _, ok := p.Teams[team]; !ok {
		return []string{alertmanager.SlackReceiver(p.Owner)}
	}
	if e.Alerting.Page && ls[alerting.LabelSeverity] == spec.SeverityPage {
		return []string{alertmanager.PagerDutyReceiver(team), alertmanager.SlackReceiver(team)}
	}
	return []string{alertmanager.SlackReceiver(team)}
}

// routingCases are label sets to route in e: every team (and an unknown
// one, and none) at each severity, kube-prometheus-stack's Watchdog and
// InfoInhibitor, and every alerting rule Groundwork generates for e.
func routingCases(t *testing.T, m *spec.Model, e *spec.Environment) []labels {
	t.Helper()
	var cases []labels
	teams := append(slices.Sorted(maps.Keys(m.Platform.Teams)), "no-such-team", "")
	for _, team := range teams {
		for _, sev := range []string{spec.SeverityPage, spec.SeverityTicket} {
			l := labels{"alertname": "SomethingBroke", alerting.LabelNamespace: "somewhere", alerting.LabelSeverity: sev}
			if team != "" {
				l[alerting.LabelTeam] = team
			}
			cases = append(cases, l)
		}
	}
	cases = append(cases,
		labels{"alertname": "Watchdog", alerting.LabelSeverity: "none"},
		labels{"alertname": "InfoInhibitor", alerting.LabelSeverity: "none", alerting.LabelNamespace: "kube-system"},
	)
	for _, r := range alertRules(m, e) {
		if !e.Alerting.Page && r[alerting.LabelSeverity] == spec.SeverityPage {
			t.Errorf("%s: rule %s pages in %s, which does not page", e.Name, r["alertname"], e.Name)
		}
		cases = append(cases, r)
	}
	return cases
}

// alertRules are the label sets, alertname included, of every alerting
// rule generated for environment e.
func alertRules(m *spec.Model, e *spec.Environment) []labels {
	var out []labels
	am := alerting.New(m)
	for _, s := range m.Services {
		for _, g := range am.Groups(e, s) {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				out = append(out, labels(r.Labels).with("alertname", r.Alert))
			}
		}
	}
	return out
}

// The cases in testdata/cases: the sample organisation's configurations
// are committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := generators.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		return golden.OfKind(out, "alertmanager")
	})
}

// Two renders of one model give the same bytes: receivers and routes are
// made from a map of teams.
func TestStable(t *testing.T) {
	m, err := spec.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	a, err := alertmanager.Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := alertmanager.Generator{}.Generate(engine.NewInput(m))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("%d files, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
				t.Errorf("%s differs between two renders", a[i].Path)
			}
		}
	}
}

// Every environment gets the folder, made from the platform's teams and
// owner and the environment's alerting, and shared by the platform.
func TestFilesAndOrigins(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			for _, name := range []string{alertmanager.ConfigKey, alertmanager.ExternalSecretFile, alertmanager.KustomizationFile} {
				p := spec.AlertmanagerDir(e) + "/" + name
				f := o.out.File(p)
				if f == nil {
					t.Errorf("%s: %s not generated", o.name, p)
					continue
				}
				if f.Kind != "alertmanager" || f.Service != "" {
					t.Errorf("%s: kind %q, service %q; want alertmanager, none", p, f.Kind, f.Service)
				}
				specs := f.Specs()
				for _, want := range []string{o.m.Platform.Source.Path, e.Source.Path} {
					if !slices.Contains(specs, want) {
						t.Errorf("%s: origins %v lack %s", p, specs, want)
					}
				}
			}
		}
	}
}
