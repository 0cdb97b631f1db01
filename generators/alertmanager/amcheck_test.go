package alertmanager_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Alertmanager v0.35.0's own loader, router and inhibitor judge the
// configuration here. Their packages import modules (the SNS notifier's
// AWS SDK, the cluster's memberlist, OpenTelemetry…) that the repository's
// go.mod does not list, so they cannot be linked into this test binary
// without changing it; testdata/amcheck is a module of its own, pinned by
// its go.sum, that wraps them in a command the tests run. Building it
// needs the module cache or the Go module proxy.

const amcheckDir = "testdata/amcheck"

var amcheckBin = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(shared, "amcheck")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = amcheckDir
	// Its own module, read-only: a missing go.sum line is an error, not a
	// download. No VCS stamp: this is a test helper inside another repo.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err, out}
	}
	return bin, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "building " + amcheckDir + ": " + e.err.Error() + "\n" + string(e.out)
}

type amcheckRequest struct {
	Config  string        `json:"config"`
	Routes  []labels      `json:"routes"`
	Inhibit []inhibitCase `json:"inhibit"`
}

type inhibitCase struct {
	Firing []labels `json:"firing"`
	Target labels   `json:"target"`
	want   bool
	why    string
}

type amcheckResponse struct {
	Receivers []struct {
		Name            string   `json:"name"`
		RoutingKeyFiles []string `json:"routingKeyFiles"`
		SlackURLFiles   []string `json:"slackURLFiles"`
		SlackChannels   []string `json:"slackChannels"`
	} `json:"receivers"`
	Routes [][]matchedRoute `json:"routes"`
	Muted  []bool           `json:"muted"`
}

type matchedRoute struct {
	Receiver       string        `json:"receiver"`
	GroupBy        []string      `json:"groupBy"`
	GroupWait      time.Duration `json:"groupWait"`
	GroupInterval  time.Duration `json:"groupInterval"`
	RepeatInterval time.Duration `json:"repeatInterval"`
}

// amcheck asks Alertmanager v0.35.0 about the configuration file.
func amcheck(t *testing.T, req amcheckRequest) amcheckResponse {
	t.Helper()
	bin, err := amcheckBin()
	if err != nil {
		t.Fatal(err)
	}
	// The checker's sources are read here so that go test's cache keys on
	// them: a changed checker reruns the tests.
	for _, f := range []string{"main.go", "go.mod", "go.sum"} {
		if _, err := os.ReadFile(filepath.Join(amcheckDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Alertmanager v0.35.0 refuses %s: %v\n%s", req.Config, err, stderr.String())
	}
	var resp amcheckResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Routes) != len(req.Routes) || len(resp.Muted) != len(req.Inhibit) {
		t.Fatalf("amcheck answered %d routes and %d inhibitions for %d and %d", len(resp.Routes), len(resp.Muted), len(req.Routes), len(req.Inhibit))
	}
	return resp
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
				cases := routingCases(t, o.m, e)
				resp := amcheck(t, amcheckRequest{Config: o.writeConfig(t, e), Routes: cases})
				var page, ticket *matchedRoute
				for i, c := range cases {
					got := resp.Routes[i]
					var names []string
					for _, r := range got {
						names = append(names, r.Receiver)
					}
					if want := wantReceivers(o.m.Platform, e, c); !slices.Equal(names, want) {
						t.Errorf("%v reaches %v, want %v", c, names, want)
					}
					for _, r := range got {
						if r.Receiver == alertmanager.NullReceiver {
							continue
						}
						if g := slices.Sorted(slices.Values(r.GroupBy)); !slices.Equal(g, slices.Sorted(slices.Values(alertmanager.GroupBy))) {
							t.Errorf("%v is grouped by %v, want %v", c, g, alertmanager.GroupBy)
						}
					}
					if _, owned := o.m.Platform.Teams[c[alerts.LabelTeam]]; owned && len(got) > 0 {
						if c[alerts.LabelSeverity] == spec.SeverityPage && e.Alerting.Page {
							page = &got[0]
						} else if c[alerts.LabelSeverity] == spec.SeverityTicket {
							ticket = &got[0]
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
				resp := amcheck(t, amcheckRequest{Config: o.writeConfig(t, e)})
				byName := map[string]int{}
				for i, r := range resp.Receivers {
					byName[r.Name] = i
					for _, f := range slices.Concat(r.RoutingKeyFiles, r.SlackURLFiles) {
						if f != alertmanager.SecretFile(r.Name) {
							t.Errorf("%s reads %s, want %s", r.Name, f, alertmanager.SecretFile(r.Name))
						}
						if !slices.Contains(keys, filepath.Base(f)) {
							t.Errorf("%s reads %s, which is not a key of %s (%v)", r.Name, f, spec.AlertmanagerSecretName(e), keys)
						}
					}
					if len(r.RoutingKeyFiles) > 0 && !e.Alerting.Page {
						t.Errorf("%s pages in %s, which does not page", r.Name, e.Name)
					}
				}
				for name, team := range p.Teams {
					i, ok := byName[alertmanager.SlackReceiver(name)]
					if !ok {
						t.Errorf("no Slack receiver for %s", name)
						continue
					}
					if ch := resp.Receivers[i].SlackChannels; !slices.Equal(ch, []string{team.Slack}) {
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
				cases := inhibitionCases(t, o.m, e)
				resp := amcheck(t, amcheckRequest{Config: o.writeConfig(t, e), Inhibit: cases})
				for i, c := range cases {
					if resp.Muted[i] != c.want {
						t.Errorf("%s: muted %t, want %t\nfiring %v\ntarget %v", c.why, resp.Muted[i], c.want, c.Firing, c.Target)
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
		cases = append(cases, inhibitCase{Firing: []labels{firing}, Target: target, want: want, why: why})
	}
	// The burn alerts' tiers, by alert name, from the generated rules.
	tiers := map[string]map[string]labels{}
	for _, r := range alertRules(m, e) {
		if tier := r[alerts.LabelTier]; tier != "" {
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
				add(name+": "+fast.Name+" over another SLO's "+slowest, src, dst.with(alerts.LabelSLO, dst[alerts.LabelSLO]+"-other"), false)
				add(name+": "+fast.Name+" over another namespace's "+slowest, src, dst.with(alerts.LabelNamespace, dst[alerts.LabelNamespace]+"-other"), false)
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
				add(s.Name+": "+src[alerts.LabelSLO]+" "+src[alerts.LabelTier]+" over "+dst[alerts.LabelSLO]+" "+dst[alerts.LabelTier], src, dst, false)
			}
		}
	}
	// The literal case: page-1h mutes ticket-3d of the same alert,
	// namespace and SLO, and not of another SLO.
	fast := labels{"alertname": "ApiAvailabilityErrorBudgetBurn", alerts.LabelNamespace: "api", alerts.LabelSLO: "availability", alerts.LabelTier: "page-1h", alerts.LabelSeverity: "ticket", alerts.LabelTeam: "payments"}
	slow := fast.with(alerts.LabelTier, "ticket-3d")
	add("page-1h over ticket-3d", fast, slow, true)
	add("page-1h over another SLO's ticket-3d", fast, slow.with(alerts.LabelSLO, "latency"), false)
	add("ticket-3d over page-1h", slow, fast, false)

	// Severity: a page mutes a ticket of the same alert and namespace.
	page := labels{"alertname": "QueueBacklog", alerts.LabelNamespace: "worker", alerts.LabelSeverity: spec.SeverityPage, alerts.LabelTeam: "payments"}
	ticket := page.with(alerts.LabelSeverity, spec.SeverityTicket)
	add("page over ticket", page, ticket, true)
	add("ticket over page", ticket, page, false)
	add("page over another alert's ticket", page, ticket.with("alertname", "Other"), false)
	add("page over another namespace's ticket", page, ticket.with(alerts.LabelNamespace, "other"), false)
	add("page over another SLO's ticket", page.with(alerts.LabelSLO, "a"), ticket.with(alerts.LabelSLO, "b"), false)

	// kube-prometheus-stack's alerts, as its chart inhibits them.
	crit := labels{"alertname": "KubePodCrashLooping", alerts.LabelNamespace: "kube-system", alerts.LabelSeverity: "critical"}
	add("critical over warning", crit, crit.with(alerts.LabelSeverity, "warning"), true)
	add("critical over info", crit, crit.with(alerts.LabelSeverity, "info"), true)
	add("warning over info", crit.with(alerts.LabelSeverity, "warning"), crit.with(alerts.LabelSeverity, "info"), true)
	add("warning over critical", crit.with(alerts.LabelSeverity, "warning"), crit, false)
	info := labels{"alertname": "InfoInhibitor", alerts.LabelNamespace: "kube-system", alerts.LabelSeverity: "none"}
	add("InfoInhibitor over info", info, labels{"alertname": "CPUThrottlingHigh", alerts.LabelNamespace: "kube-system", alerts.LabelSeverity: "info"}, true)
	add("InfoInhibitor over another namespace's info", info, labels{"alertname": "CPUThrottlingHigh", alerts.LabelNamespace: "api", alerts.LabelSeverity: "info"}, false)
	add("InfoInhibitor over warning", info, labels{"alertname": "CPUThrottlingHigh", alerts.LabelNamespace: "kube-system", alerts.LabelSeverity: "warning"}, false)
	return cases
}
