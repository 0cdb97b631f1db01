package alertmanager

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The configuration is written with the fields, and the matcher syntax,
// that Alertmanager has read since 0.22 (matchers, source_matchers,
// target_matchers) and the *_file credentials it has read since 0.25, so
// that both the stack's Alertmanager and an older amtool accept it; newer
// fields (inhibit rule names, Slack bot tokens) are left out on purpose.
// The tests load it with v0.35.0 only, so this is kept by hand.

// NullReceiver delivers nowhere: kube-prometheus-stack's Watchdog, which
// fires always to prove the pipeline works, and InfoInhibitor, which only
// exists to inhibit, go there.
const NullReceiver = "null"

// nullAlerts are the kube-prometheus-stack alerts that go to NullReceiver;
// no spec alert may take their names.
var nullAlerts = spec.ReservedAlertNames

// SlackReceiver is the receiver that posts to team's Slack channel. A
// team's receivers are named as its keys of the receivers Secret
// (spec.AlertmanagerSecretKeys), so each reads the file of its own name.
func SlackReceiver(team string) string { return spec.AlertmanagerSlackKey(team) }

// PagerDutyReceiver is the receiver that triggers team's PagerDuty service.
func PagerDutyReceiver(team string) string { return spec.AlertmanagerPagerDutyKey(team) }

// SecretFile is where Alertmanager reads the credential of a receiver.
func SecretFile(receiver string) string { return secretsDir + "/" + receiver }

// GroupBy is what one notification is about: one alert of one service and,
// for burn-rate alerts, one SLO. The burn tier is left out so that the
// tiers of one SLO make one PagerDuty incident: when a slow burn turns into
// a fast one the incident is the same, not a second page, and inhibition
// keeps only the fastest tier in it.
var GroupBy = []string{"alertname", alerting.LabelNamespace, alerting.LabelSLO}

// timing is how long Alertmanager waits before the first notification of
// a group (wait), before telling of alerts added to it (interval) and
// before repeating one that has not changed (repeat).
type timing struct{ wait, interval, repeat time.Duration }

var (
	// Pages wake someone: the first goes out fast (the rules already
	// waited their for:), and an unresolved page is sent again hourly, which
	// PagerDuty folds into the open incident or reopens if it was resolved
	// by hand while the alert still fires.
	pageTiming = timing{wait: 30 * time.Second, interval: 5 * time.Minute, repeat: time.Hour}
	// Tickets are read in working hours: gathering their alerts for a few
	// minutes makes fewer messages, and a daily reminder is enough.
	ticketTiming = timing{wait: 5 * time.Minute, interval: 30 * time.Minute, repeat: 24 * time.Hour}
	// Unowned alerts (kube-prometheus-stack's own) reach the platform
	// owner's channel at Alertmanager's usual pace, repeated twice a day.
	defaultTiming = timing{wait: 30 * time.Second, interval: 5 * time.Minute, repeat: 12 * time.Hour}
)

// config is an Alertmanager configuration, with the fields this package
// writes, in the order people read them.
type config struct {
	Route        *route        `yaml:"route"`
	InhibitRules []inhibitRule `yaml:"inhibit_rules"`
	Receivers    []receiver    `yaml:"receivers"`
}

type route struct {
	Receiver       string   `yaml:"receiver"`
	Matchers       []string `yaml:"matchers,omitempty"`
	GroupBy        []string `yaml:"group_by,omitempty"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Continue       bool     `yaml:"continue,omitempty"`
	Routes         []*route `yaml:"routes,omitempty"`
}

func (r *route) with(t timing) *route {
	r.GroupWait = duration(t.wait)
	r.GroupInterval = duration(t.interval)
	r.RepeatInterval = duration(t.repeat)
	return r
}

type inhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal,omitempty"`
}

type receiver struct {
	Name             string            `yaml:"name"`
	PagerDutyConfigs []pagerDutyConfig `yaml:"pagerduty_configs,omitempty"`
	SlackConfigs     []slackConfig     `yaml:"slack_configs,omitempty"`
}

type pagerDutyConfig struct {
	SendResolved   bool            `yaml:"send_resolved"`
	RoutingKeyFile string          `yaml:"routing_key_file"`
	Severity       string          `yaml:"severity"`
	Description    string          `yaml:"description"`
	Component      string          `yaml:"component"`
	Links          []pagerDutyLink `yaml:"links"`
}

type pagerDutyLink struct {
	Href string `yaml:"href"`
	Text string `yaml:"text"`
}

type slackConfig struct {
	SendResolved bool   `yaml:"send_resolved"`
	APIURLFile   string `yaml:"api_url_file"`
	Channel      string `yaml:"channel"`
	Title        string `yaml:"title"`
	Text         string `yaml:"text"`
}

// configOf is the configuration of environment e.
func configOf(p *spec.Platform, e *spec.Environment) *config {
	teams := slices.Sorted(maps.Keys(p.Teams))
	root := (&route{
		Receiver: SlackReceiver(p.Owner),
		GroupBy:  GroupBy,
	}).with(defaultTiming)
	root.Routes = append(root.Routes, &route{
		Receiver: NullReceiver,
		Matchers: []string{matchAny("alertname", nullAlerts...)},
	})
	receivers := []receiver{{Name: NullReceiver}}
	for _, name := range teams {
		team := p.Teams[name]
		r := (&route{
			Receiver: SlackReceiver(name),
			Matchers: []string{match(alerting.LabelTeam, name)},
		}).with(ticketTiming)
		if e.Alerting.Page {
			// A route that matches ends the search unless it continues,
			// and a parent whose child matched is not used itself: so the
			// page goes to PagerDuty, continues, and is posted to Slack by
			// a second child, at the pace of pages.
			page := match(alerting.LabelSeverity, spec.SeverityPage)
			r.Routes = []*route{
				(&route{Receiver: PagerDutyReceiver(name), Matchers: []string{page}, Continue: true}).with(pageTiming),
				(&route{Receiver: SlackReceiver(name), Matchers: []string{page}}).with(pageTiming),
			}
			receivers = append(receivers, receiver{
				Name:             PagerDutyReceiver(name),
				PagerDutyConfigs: []pagerDutyConfig{pagerDutyOf(e, name)},
			})
		}
		root.Routes = append(root.Routes, r)
		receivers = append(receivers, receiver{
			Name:         SlackReceiver(name),
			SlackConfigs: []slackConfig{slackOf(e, name, team)},
		})
	}
	return &config{Route: root, InhibitRules: inhibitRules(), Receivers: receivers}
}

// pagerDutyOf triggers team's PagerDuty service. The incident links the
// runbook and, where the environment names its Grafana, the dashboard;
// elsewhere the alerts carry no dashboard_url and the dashboard annotation
// that names the dashboard shows among the incident's details, as every
// annotation does. No link is left to a template that may render empty.
func pagerDutyOf(e *spec.Environment, team string) pagerDutyConfig {
	links := []pagerDutyLink{{Href: commonAnnotation(alerting.AnnotationRunbookURL), Text: "Runbook"}}
	if e.Alerting.Grafana != "" {
		links = append(links, pagerDutyLink{Href: commonAnnotation(alerting.AnnotationDashboardURL), Text: "Dashboard"})
	}
	return pagerDutyConfig{
		SendResolved:   true,
		RoutingKeyFile: SecretFile(PagerDutyReceiver(team)),
		Severity:       "critical",
		Description:    pagerDutyDescription(e),
		Component:      pagerDutyComponent,
		Links:          links,
	}
}

func slackOf(e *spec.Environment, name string, team *spec.Team) slackConfig {
	return slackConfig{
		SendResolved: true,
		APIURLFile:   SecretFile(SlackReceiver(name)),
		Channel:      team.Slack,
		Title:        slackTitle(e),
		Text:         slackText(e),
	}
}

// inhibitRules silence what another firing alert already says.
func inhibitRules() []inhibitRule {
	var rules []inhibitRule
	// A burn tier that fires spends the budget faster than every tier
	// after it, which would fire too (their windows are longer): the
	// slower ones add nothing while the faster one fires.
	tiers := spec.BurnTiers
	for i, t := range tiers[:len(tiers)-1] {
		var slower []string
		for _, s := range tiers[i+1:] {
			slower = append(slower, s.Name)
		}
		rules = append(rules, inhibitRule{
			SourceMatchers: []string{match(alerting.LabelTier, t.Name)},
			TargetMatchers: []string{matchAny(alerting.LabelTier, slower...)},
			Equal:          []string{"alertname", alerting.LabelNamespace, alerting.LabelSLO},
		})
	}
	// A page says all that a ticket of the same alert would. The SLO is
	// compared too, although a burn alert's name already names its SLO, so
	// that a page about one SLO can never hide a ticket about another.
	rules = append(rules, inhibitRule{
		SourceMatchers: []string{match(alerting.LabelSeverity, spec.SeverityPage)},
		TargetMatchers: []string{match(alerting.LabelSeverity, spec.SeverityTicket)},
		Equal:          []string{"alertname", alerting.LabelNamespace, alerting.LabelSLO},
	})
	// kube-prometheus-stack's own rules, which this configuration replaces
	// with the chart's: its alerts are critical, warning or info, and an
	// info alert is only worth a message beside a worse one. InfoInhibitor
	// fires in a namespace while info alerts fire there alone.
	rules = append(rules,
		inhibitRule{
			SourceMatchers: []string{match(alerting.LabelSeverity, "critical")},
			TargetMatchers: []string{matchAny(alerting.LabelSeverity, "warning", "info")},
			Equal:          []string{alerting.LabelNamespace, "alertname"},
		},
		inhibitRule{
			SourceMatchers: []string{match(alerting.LabelSeverity, "warning")},
			TargetMatchers: []string{match(alerting.LabelSeverity, "info")},
			Equal:          []string{alerting.LabelNamespace, "alertname"},
		},
		inhibitRule{
			SourceMatchers: []string{match("alertname", "InfoInhibitor")},
			TargetMatchers: []string{match(alerting.LabelSeverity, "info")},
			Equal:          []string{alerting.LabelNamespace},
		},
	)
	return rules
}

// match is an equality matcher. The values matched on are label values
// Groundwork writes (DNS labels, alert names), which need no escaping
// beyond Go's quoting, which the matcher syntax shares for them.
func match(name, value string) string { return fmt.Sprintf("%s=%q", name, value) }

// matchAny matches any of values; Alertmanager anchors the regexp.
func matchAny(name string, values ...string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return fmt.Sprintf("%s=~%q", name, strings.Join(quoted, "|"))
}

// duration writes d as Alertmanager's configuration does: 30s, 5m, 1h, 1d.
func duration(d time.Duration) string { return model.Duration(d).String() }
