package alertmanager

import (
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The messages, as Alertmanager templates (Go text/template over a
// notification's data). They use only functions Alertmanager has had since
// 0.25 (toUpper and Go's own), so that what an older amtool renders is what
// the cluster sends (kept by hand: the tests render with v0.35.0). Each
// names the environment, since the environments' Alertmanagers may post to
// one channel and page one service.

// slackTitle is the Slack message's title: status, how many fire, where,
// and what: [FIRING:2] prod: ApiAvailabilityErrorBudgetBurn.
func slackTitle(e *spec.Environment) string {
	return `[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ` +
		e.Name + `: {{ .CommonLabels.alertname }}`
}

// slackText lists each alert of the notification: its summary (the alert
// name when it has none, as some charts' alerts do), the burn tier, the
// description, and links to its runbook and dashboard, which is what
// on-call opens first. Resolved alerts are marked, since one message can
// carry both. In an environment that names no Grafana the alerts carry no
// dashboard link, and the message names the dashboard as their dashboard
// annotation does.
func slackText(e *spec.Environment) string {
	dashboard := `{{ with .Annotations.` + alerting.AnnotationDashboardURL + ` }} · <{{ . }}|Dashboard>{{ end }}`
	if e.Alerting.Grafana == "" {
		dashboard = `{{ with .Annotations.` + alerting.AnnotationDashboard + ` }} · Dashboard: {{ . }}{{ end }}`
	}
	return `{{ range .Alerts -}}
{{ if eq .Status "resolved" }}[RESOLVED] {{ end }}*{{ or .Annotations.summary .Labels.alertname }}*{{ with .Labels.tier }} ({{ . }}){{ end }}
{{ with .Annotations.description }}{{ . }}
{{ end }}{{ with .Annotations.` + alerting.AnnotationRunbookURL + ` }}<{{ . }}|Runbook>{{ end }}` + dashboard + `
{{ end }}`
}

// pagerDutyDescription is the incident's title, what the phone shows:
// where, which alert, and its summary, which is the same for every tier
// of the alert and so common to the group.
func pagerDutyDescription(e *spec.Environment) string {
	return e.Name + `: {{ .CommonLabels.alertname }}{{ with .CommonAnnotations.summary }}: {{ . }}{{ end }}`
}

// pagerDutyComponent is the service that fails.
const pagerDutyComponent = `{{ .CommonLabels.service }}`

// commonAnnotation links an annotation every alert of the group shares:
// a group is one alert of one service, so they share their runbook and
// dashboard. Only Groundwork's alerts page, and every one carries a
// runbook_url, and a dashboard_url where the environment names its Grafana.
func commonAnnotation(name string) string { return `{{ .CommonAnnotations.` + name + ` }}` }
