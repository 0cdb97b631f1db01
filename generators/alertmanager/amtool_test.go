package alertmanager_test

import (
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/bins"
)

// amtool check-config loads every configuration as Alertmanager does when
// it starts: strictly (an unknown field fails), with every route's
// receiver defined and every matcher parsed. It does not open the *_file
// credentials, which a receiver reads only when it notifies, so the paths
// under secretsDir, which exist only in the cluster, are checked as
// written: no copy of the file points them elsewhere.
func TestAmtoolCheckConfig(t *testing.T) {
	bin := bins.Amtool.Path(t)
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				out, err := exec.Command(bin, "check-config", o.writeConfig(t, e)).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "SUCCESS") {
					t.Fatalf("amtool check-config: %v\n%s", err, out)
				}
				// One Slack receiver per team, one PagerDuty receiver per
				// team where pages are sent, and the null receiver.
				n := 1 + len(o.m.Platform.Teams)
				if e.Alerting.Page {
					n += len(o.m.Platform.Teams)
				}
				if want := fmt.Sprintf(" - %d receivers", n); !strings.Contains(string(out), want) {
					t.Errorf("amtool check-config found other receivers than %q:\n%s", want, out)
				}
			})
		}
	}
}

// amtool config routes test agrees with the specified routing for every
// team at each severity, an unknown team and Watchdog, in every
// environment: payments' page reaches PagerDuty and Slack in prod, Slack
// alone where pages are tickets.
func TestAmtoolRoutes(t *testing.T) {
	bin := bins.Amtool.Path(t)
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				file := o.writeConfig(t, e)
				var cases []labels
				for _, c := range routingCases(t, o.m, e) {
					if c[alerting.LabelService] == "" { // not a generated rule: the hand-made cases
						cases = append(cases, c)
					}
				}
				for _, c := range cases {
					want := strings.Join(wantReceivers(o.m.Platform, e, c), ",")
					args := []string{"config", "routes", "test", "--config.file=" + file, "--verify.receivers=" + want}
					for _, k := range slices.Sorted(maps.Keys(c)) {
						args = append(args, k+"="+c[k])
					}
					cmd := exec.Command(bin, args...)
					out, err := cmd.Output()
					if err != nil {
						t.Errorf("amtool %s: %v\n%s", strings.Join(args, " "), err, out)
						continue
					}
					if got := strings.TrimSpace(string(out)); got != want {
						t.Errorf("%v routes to %s, want %s", c, got, want)
					}
				}
			})
		}
	}
}

// The literal cases the routing is about, for the sample organisation,
// spelt out rather than derived.
func TestAmtoolRoutesSample(t *testing.T) {
	bin := bins.Amtool.Path(t)
	o := loadOrgs(t)[0]
	if _, ok := o.m.Platform.Teams["payments"]; !ok || o.m.Platform.Owner != "platform" {
		t.Fatalf("the sample organisation changed: update the cases (owner %q)", o.m.Platform.Owner)
	}
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"prod", []string{"team=payments", "severity=page"}, "pagerduty-payments,slack-payments"},
		{"prod", []string{"team=payments", "severity=ticket"}, "slack-payments"},
		{"prod", []string{"team=storefront", "severity=page", "tier=page-1h"}, "pagerduty-storefront,slack-storefront"},
		{"prod", []string{"alertname=KubePodCrashLooping", "severity=warning", "namespace=kube-system"}, "slack-platform"},
		{"prod", []string{"alertname=Watchdog", "severity=none"}, "null"},
		{"staging", []string{"team=payments", "severity=page"}, "slack-payments"},
		{"dev", []string{"team=storefront", "severity=ticket"}, "slack-storefront"},
		{"sandbox", []string{"team=nobody", "severity=page"}, "slack-platform"},
	} {
		e := o.m.Environment(tc.env)
		if e == nil {
			t.Fatalf("no environment %s in the sample", tc.env)
		}
		args := append([]string{"config", "routes", "test", "--config.file=" + o.writeConfig(t, e)}, tc.args...)
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Errorf("%s: amtool %v: %v", tc.env, tc.args, err)
			continue
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("%s: %v routes to %s, want %s", tc.env, tc.args, got, tc.want)
		}
	}
}
