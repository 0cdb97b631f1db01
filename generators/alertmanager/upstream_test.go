package alertmanager_test

import (
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/alertmanager/provider"
	"github.com/prometheus/common/model"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Alertmanager v0.35.0's own loader (config.LoadFile), router
// (dispatch.Route) and inhibitor (inhibit.Inhibitor) judge the
// configuration here, in process, as the version the stack runs.

// loadConfig loads the configuration of e from a file, as Alertmanager
// does when it starts: strictly, with every route's receiver defined and
// every matcher parsed.
func loadConfig(t *testing.T, o org, e *spec.Environment) *config.Config {
	t.Helper()
	file := o.writeConfig(t, e)
	cfg, err := config.LoadFile(file)
	if err != nil {
		t.Fatalf("Alertmanager v0.35.0 refuses %s: %v", file, err)
	}
	return cfg
}

// labelSet is ls as Alertmanager holds an alert's labels.
func (l labels) labelSet() model.LabelSet {
	out := make(model.LabelSet, len(l))
	for k, v := range l {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

// Alertmanager v0.35.0 loads every configuration (config.LoadFile), and
// routes (dispatch.Route.Match) every team at every severity, unowned
// alerts, Watchdog, and every alerting rule Groundwork generates, as
// specified; pages are notified sooner than tickets, and every
// notification groups by alert, namespace and SLO.
func TestRouting(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				tree := dispatch.NewRoute(loadConfig(t, o, e).Route, nil)
				var page, ticket *dispatch.RouteOpts
				for _, c := range routingCases(t, o.m, e) {
					got := tree.Match(c.labelSet())
					var names []string
					for _, r := range got {
						names = append(names, r.RouteOpts.Receiver)
					}
					if want := wantReceivers(o.m.Platform, e, c); !slices.Equal(names, want) {
						t.Errorf("%v reaches %v, want %v", c, names, want)
					}
					for _, r := range got {
						if r.RouteOpts.Receiver == alertmanager.NullReceiver {
							continue
						}
						var g []string
						for ln := range r.RouteOpts.GroupBy {
							g = append(g, string(ln))
						}
						slices.Sort(g)
						if !slices.Equal(g, slices.Sorted(slices.Values(alertmanager.GroupBy))) {
							t.Errorf("%v is grouped by %v, want %v", c, g, alertmanager.GroupBy)
						}
					}
					if _, owned := o.m.Platform.Teams[c[alerting.LabelTeam]]; owned && len(got) > 0 {
						if c[alerting.LabelSeverity] == spec.SeverityPage && e.Alerting.Page {
							page = &got[0].RouteOpts
						} else if c[alerting.LabelSeverity] == spec.SeverityTicket {
							ticket = &got[0].RouteOpts
						}
					}
				}
				if ticket == nil {
					t.Fatal("no ticket was routed to a team")
				}
				if e.Alerting.Page {
					if page == nil {
						t.Fatal("no page was routed to a team")
					}
					if page.GroupWait >= ticket.GroupWait || page.RepeatInterval >= ticket.RepeatInterval {
						t.Errorf("pages wait %s and repeat every %s, not sooner than tickets (%s, %s)", page.GroupWait, page.RepeatInterval, ticket.GroupWait, ticket.RepeatInterval)
					}
				}
			})
		}
	}
}

// Every receiver reads its credential from the file of its own name in the
// receivers Secret, a key the platform's Alertmanager secret has; Slack
// posts to the team's channel; PagerDuty receivers exist exactly where
// pages are sent, as v0.35.0 reads the configuration.
func TestReceivers(t *testing.T) {
	for _, o := range loadOrgs(t) {
		p := o.m.Platform
		keys := spec.AlertmanagerSecretKeys(p)
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				cfg := loadConfig(t, o, e)
				byName := map[string]int{}
				for i, r := range cfg.Receivers {
					byName[r.Name] = i
					var files []string
					for _, c := range r.PagerdutyConfigs {
						files = append(files, c.RoutingKeyFile)
					}
					for _, c := range r.SlackConfigs {
						files = append(files, c.APIURLFile)
					}
					for _, f := range files {
						if f != alertmanager.SecretFile(r.Name) {
							t.Errorf("%s reads %s, want %s", r.Name, f, alertmanager.SecretFile(r.Name))
						}
						if !slices.Contains(keys, filepath.Base(f)) {
							t.Errorf("%s reads %s, which is not a key of %s (%v)", r.Name, f, spec.AlertmanagerSecretName(e), keys)
						}
					}
					if len(r.PagerdutyConfigs) > 0 && !e.Alerting.Page {
						t.Errorf("%s pages in %s, which does not page", r.Name, e.Name)
					}
				}
				for name, team := range p.Teams {
					i, ok := byName[alertmanager.SlackReceiver(name)]
					if !ok {
						t.Errorf("no Slack receiver for %s", name)
						continue
					}
					var ch []string
					for _, c := range cfg.Receivers[i].SlackConfigs {
						ch = append(ch, c.Channel)
					}
					if !slices.Equal(ch, []string{team.Slack}) {
						t.Errorf("%s posts to %v, want %s", name, ch, team.Slack)
					}
					if _, ok := byName[alertmanager.PagerDutyReceiver(name)]; ok != e.Alerting.Page {
						t.Errorf("PagerDuty receiver of %s: %t, want %t (alerting.page)", name, ok, e.Alerting.Page)
					}
				}
				if _, ok := byName[alertmanager.NullReceiver]; !ok {
					t.Error("no null receiver")
				}
			})
		}
	}
}

// Alertmanager v0.35.0's inhibitor, fed firing alerts, mutes what they
// make redundant and nothing else: a faster burn tier mutes the slower
// tiers of the same alert, namespace and SLO, never a faster one, nor
// another SLO's or namespace's; a page mutes the ticket of the same alert
// and namespace; and kube-prometheus-stack's severities inhibit as in the
// chart. The burn alerts are the ones Groundwork generates.
func TestInhibition(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				cfg := loadConfig(t, o, e)
				for _, c := range inhibitionCases(t, o.m, e) {
					if got := muted(cfg, c); got != c.want {
						t.Errorf("%s: muted %t, want %t\nfiring %v\ntarget %v", c.why, got, c.want, c.firing, c.target)
					}
				}
			})
		}
	}
}

func inhibitionCases(t *testing.T, m *spec.Model, e *spec.Environment) []inhibitCase {
	t.Helper()
	var cases []inhibitCase
	add := func(why string, firing labels, target labels, want bool) {
		cases = append(cases, inhibitCase{firing: []labels{firing}, target: target, want: want, why: why})
	}
	// The burn alerts' tiers, by alert name, from the generated rules.
	tiers := map[string]map[string]labels{}
	for _, r := range alertRules(m, e) {
		if tier := r[alerting.LabelTier]; tier != "" {
			if tiers[r["alertname"]] == nil {
				tiers[r["alertname"]] = map[string]labels{}
			}
			tiers[r["alertname"]][tier] = r
		}
	}
	if len(tiers) == 0 {
		t.Fatal("no burn-rate alert in the organisation")
	}
	for _, name := range slices.Sorted(maps.Keys(tiers)) {
		byTier := tiers[name]
		for i, fast := range spec.BurnTiers {
			src, ok := byTier[fast.Name]
			if !ok {
				continue
			}
			for j, slow := range spec.BurnTiers {
				dst, ok := byTier[slow.Name]
				if !ok || i == j {
					continue
				}
				add(name+": "+fast.Name+" over "+slow.Name, src, dst, i < j)
			}
			// The slowest tier, which the faster ones mute, of another
			// SLO or namespace.
			slowest := spec.BurnTiers[len(spec.BurnTiers)-1].Name
			if dst, ok := byTier[slowest]; ok && fast.Name != slowest {
				add(name+": "+fast.Name+" over another SLO's "+slowest, src, dst.with(alerting.LabelSLO, dst[alerting.LabelSLO]+"-other"), false)
				add(name+": "+fast.Name+" over another namespace's "+slowest, src, dst.with(alerting.LabelNamespace, dst[alerting.LabelNamespace]+"-other"), false)
			}
		}
	}
	// Tiers of two SLOs of one service: the alerts differ by name too.
	for _, s := range m.Services {
		if len(s.SLOs) < 2 {
			continue
		}
		a, b := tiers[spec.BurnAlertName(s, s.SLOs[0])], tiers[spec.BurnAlertName(s, s.SLOs[1])]
		for _, src := range a {
			for _, dst := range b {
				add(s.Name+": "+src[alerting.LabelSLO]+" "+src[alerting.LabelTier]+" over "+dst[alerting.LabelSLO]+" "+dst[alerting.LabelTier], src, dst, false)
			}
		}
	}
	// The literal case: page-1h mutes ticket-3d of the same alert,
	// namespace and SLO, and not of another SLO.
	fast := labels{"alertname": "ApiAvailabilityErrorBudgetBurn", alerting.LabelNamespace: "api", alerting.LabelSLO: "availability", alerting.LabelTier: "page-1h", alerting.LabelSeverity: "ticket", alerting.LabelTeam: "payments"}
	slow := fast.with(alerting.LabelTier, "ticket-3d")
	add("page-1h over ticket-3d", fast, slow, true)
	add("page-1h over another SLO's ticket-3d", fast, slow.with(alerting.LabelSLO, "latency"), false)
	add("ticket-3d over page-1h", slow, fast, false)

	// Severity: a page mutes a ticket of the same alert and namespace.
	page := labels{"alertname": "QueueBacklog", alerting.LabelNamespace: "worker", alerting.LabelSeverity: spec.SeverityPage, alerting.LabelTeam: "payments"}
	ticket := page.with(alerting.LabelSeverity, spec.SeverityTicket)
	add("page over ticket", page, ticket, true)
	add("ticket over page", ticket, page, false)
	add("page over another alert's ticket", page, ticket.with("alertname", "Other"), false)
	add("page over another namespace's ticket", page, ticket.with(alerting.LabelNamespace, "other"), false)
	add("page over another SLO's ticket", page.with(alerting.LabelSLO, "a"), ticket.with(alerting.LabelSLO, "b"), false)

	// kube-prometheus-stack's alerts, as its chart inhibits them.
	crit := labels{"alertname": "KubePodCrashLooping", alerting.LabelNamespace: "kube-system", alerting.LabelSeverity: "critical"}
	add("critical over warning", crit, crit.with(alerting.LabelSeverity, "warning"), true)
	add("critical over info", crit, crit.with(alerting.LabelSeverity, "info"), true)
	add("warning over info", crit.with(alerting.LabelSeverity, "warning"), crit.with(alerting.LabelSeverity, "info"), true)
	add("warning over critical", crit.with(alerting.LabelSeverity, "warning"), crit, false)
	info := labels{"alertname": "InfoInhibitor", alerting.LabelNamespace: "kube-system", alerting.LabelSeverity: "none"}
	add("InfoInhibitor over info", info, labels{"alertname": "CPUThrottlingHigh", alerting.LabelNamespace: "kube-system", alerting.LabelSeverity: "info"}, true)
	add("InfoInhibitor over another namespace's info", info, labels{"alertname": "CPUThrottlingHigh", alerting.LabelNamespace: "api", alerting.LabelSeverity: "info"}, false)
	add("InfoInhibitor over warning", info, labels{"alertname": "CPUThrottlingHigh", alerting.LabelNamespace: "kube-system", alerting.LabelSeverity: "warning"}, false)
	return cases
}

// inhibitCase asks whether target is muted while the alerts firing fire.
type inhibitCase struct {
	firing []labels
	target labels
	want   bool
	why    string
}

// muted runs a real Inhibitor of the configuration's rules over the firing
// alerts and asks it about the target, as the notification pipeline does
// before each notification.
func muted(cfg *config.Config, c inhibitCase) bool {
	now := time.Now()
	var as []*alert.Alert
	for _, ls := range c.firing {
		as = append(as, alert.New(model.Alert{Labels: ls.labelSet(), StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)}, now, false))
	}
	ih := inhibit.NewInhibitor(firing(as), cfg.InhibitRules, slog.New(slog.DiscardHandler), eventrecorder.NopRecorder())
	go ih.Run()
	ih.WaitForLoading()
	defer ih.Stop()
	return ih.Mutes(context.Background(), labelset.FromModel(c.target.labelSet()))
}

// firing is an alert provider that holds a fixed set of firing alerts.
type firing []*alert.Alert

func idle() provider.AlertIterator {
	return provider.NewAlertIterator(make(chan *provider.Alert), make(chan struct{}), nil)
}

func (f firing) SlurpAndSubscribe(string) ([]*alert.Alert, provider.AlertIterator) {
	return f, idle()
}
func (f firing) Subscribe(string) provider.AlertIterator     { return idle() }
func (f firing) GetPending() provider.AlertIterator          { return idle() }
func (f firing) Get(model.Fingerprint) (*alert.Alert, error) { return nil, provider.ErrNotFound }
func (f firing) Put(context.Context, ...*alert.Alert) error  { return nil }
