package alertmanager_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// One incident, one page (issue 19), on both sides of the pipeline. The
// outage tests of the proof (alerts/<env>/<svc>.outage.test.yaml: ten minutes
// of total outage after an hour of healthy traffic, evaluated every minute)
// say which tiers of each burn alert fire over the outage, at the second and
// the last but one minute of every stretch in which the same tiers fire;
// promtool holds the generated rules to them (generators/alerts'
// TestPromtool). Here Alertmanager v0.35.0's inhibitor, with each
// environment's generated configuration, is given those firing alerts in
// turn: a page is notified when a page-severity alert fires unmuted and did
// not at the check before. An outage must notify one page at most, of the
// fastest page tier when it fires (every SLO of the sample organisation
// pages once); an environment that does not page, none.
func TestShortOutagePagesOnce(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			cfg := loadConfig(t, o, e)
			for _, s := range o.m.Services {
				f := o.proof.File(fmt.Sprintf("%s/%s/%s.outage.test.yaml", alerts.Dir, e.Name, s.Name))
				if f == nil {
					continue
				}
				for _, sc := range outageScenarios(t, f.Path, f.Data) {
					t.Run(fmt.Sprintf("%s/%s/%s", o.name, e.Name, sc.alert), func(t *testing.T) {
						var pages []string
						notified := map[string]bool{}
						for _, c := range sc.checks {
							now := map[string]bool{}
							for _, a := range c.firing {
								if a[alerting.LabelSeverity] != spec.SeverityPage || muted(cfg, inhibitCase{firing: c.firing, target: a}) {
									continue
								}
								now[a[alerting.LabelTier]] = true
								if !notified[a[alerting.LabelTier]] {
									pages = append(pages, fmt.Sprintf("%s at %s", a[alerting.LabelTier], c.at))
								}
							}
							notified = now
						}
						// An SLO whose budget a ten-minute outage barely
						// dents may page no one; none may page twice.
						firstPage := slices.ContainsFunc(sc.checks, func(c outageCheck) bool {
							return slices.ContainsFunc(c.firing, func(a labels) bool { return a[alerting.LabelTier] == spec.BurnTiers[0].Name })
						})
						switch {
						case !e.Alerting.Page && len(pages) > 0:
							t.Errorf("%s does not page, but the outage notifies pages: %v", e.Name, pages)
						case e.Alerting.Page && firstPage && (len(pages) != 1 || !strings.HasPrefix(pages[0], spec.BurnTiers[0].Name+" ")):
							t.Errorf("the outage notifies %d pages, want one, of %s: %v", len(pages), spec.BurnTiers[0].Name, pages)
						case len(pages) > 1:
							t.Errorf("the outage notifies %d pages, want one at most: %v", len(pages), pages)
						}
						if o.name == "sample" && e.Alerting.Page && len(pages) != 1 {
							t.Errorf("the sample's SLOs all page for a 10m total outage; this notifies %v", pages)
						}
						if firstPage && len(sc.checks) < 4 {
							t.Errorf("the outage test checks %d minutes; it should check every stretch of it", len(sc.checks))
						}
					})
				}
			}
		}
	}
}

// outageScenario is one burn alert's outage test: at each checked minute,
// the alerts promtool is told fire.
type outageScenario struct {
	alert  string
	checks []outageCheck
}

type outageCheck struct {
	at     string
	firing []labels
}

// outageScenarios reads the checks of an outage test file, by alert, in
// time order.
func outageScenarios(t *testing.T, file string, data []byte) []*outageScenario {
	t.Helper()
	var tf struct {
		EvaluationInterval string `yaml:"evaluation_interval"`
		Tests              []struct {
			AlertRuleTests []struct {
				EvalTime  string `yaml:"eval_time"`
				Alertname string `yaml:"alertname"`
				ExpAlerts []struct {
					ExpLabels map[string]string `yaml:"exp_labels"`
				} `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(data, &tf); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if tf.EvaluationInterval != "1m" {
		t.Errorf("%s is evaluated every %s, not every minute as Prometheus evaluates the rules", file, tf.EvaluationInterval)
	}
	var out []*outageScenario
	for _, g := range tf.Tests {
		// A test may hold the outage of several burn alerts, each on
		// series of its own: one scenario per alert, in time order.
		byAlert := map[string]*outageScenario{}
		last := map[string]time.Duration{}
		for _, at := range g.AlertRuleTests {
			sc := byAlert[at.Alertname]
			if sc == nil {
				sc = &outageScenario{alert: at.Alertname}
				out = append(out, sc)
				byAlert[at.Alertname] = sc
				last[at.Alertname] = -1
			}
			d, err := model.ParseDuration(at.EvalTime)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if time.Duration(d) <= last[at.Alertname] {
				t.Fatalf("%s: checks of %s out of order at %s", file, at.Alertname, at.EvalTime)
			}
			last[at.Alertname] = time.Duration(d)
			c := outageCheck{at: at.EvalTime}
			for _, a := range at.ExpAlerts {
				l := labels(maps.Clone(a.ExpLabels))
				l["alertname"] = at.Alertname
				c.firing = append(c.firing, l)
			}
			slices.SortFunc(c.firing, func(a, b labels) int { return strings.Compare(a[alerting.LabelTier], b[alerting.LabelTier]) })
			sc.checks = append(sc.checks, c)
		}
	}
	return out
}
