package runbooks

import (
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// index is runbooks/README.md: every alert by service, with what it is in
// each environment, so that a team can see at a glance what may wake it and
// where.
func index(m *spec.Model, am *alerting.Model) []byte {
	var d markdown.Doc
	d.Heading(1, "Runbooks")
	var unlinked []string
	for _, e := range m.Environments {
		if e.Alerting.Grafana == "" {
			unlinked = append(unlinked, e.Name)
		}
	}
	intro := fmt.Sprintf("One runbook for every alert, by service. Each alerting rule links its runbook in its %s annotation", markdown.Code(alerting.AnnotationRunbookURL))
	named := fmt.Sprintf("the %s annotation and each runbook name it instead, to search for in that environment's Grafana", markdown.Code(alerting.AnnotationDashboard))
	switch {
	case len(unlinked) == 0:
		intro += fmt.Sprintf(" and the service's Grafana dashboard in %s.", markdown.Code(alerting.AnnotationDashboardURL))
	case len(unlinked) == len(m.Environments):
		intro += fmt.Sprintf(". No environment sets %s, so nothing links a dashboard: %s.", markdown.Code("alerting.grafana"), named)
	default:
		intro += fmt.Sprintf(" and the service's Grafana dashboard in %s. In %s, without %s, nothing links a dashboard: %s.",
			markdown.Code(alerting.AnnotationDashboardURL), markdown.Esc(joinAnd(unlinked)), markdown.Code("alerting.grafana"), named)
	}
	d.Para(intro)
	var quiet []string
	for _, e := range m.Environments {
		if !e.Alerting.Page {
			quiet = append(quiet, e.Name)
		}
	}
	note := "A page triggers the owning team's PagerDuty service and is posted to its Slack channel; a ticket is only posted to Slack."
	if len(quiet) > 0 {
		note += fmt.Sprintf(" In %s, whose %s is false, pages arrive as tickets.", markdown.Esc(joinAnd(quiet)), markdown.Code("alerting.page"))
	}
	d.Para(note)

	for _, s := range m.Services {
		team := m.Platform.Teams[s.Team]
		d.Heading(2, fmt.Sprintf("%s (team %s)", markdown.Esc(s.Name), markdown.Esc(s.Team)))
		d.Para(fmt.Sprintf("Slack %s, PagerDuty service %s; defined by %s.", markdown.Code(team.Slack), markdown.Code(team.PagerDuty), markdown.Code(s.Source.Path)))
		header := []string{"Alert"}
		for _, e := range m.Environments {
			header = append(header, markdown.Esc(e.Name))
		}
		header = append(header, "Summary")
		var rows [][]string
		for _, a := range am.Alerts(s) {
			rel := strings.TrimPrefix(spec.RunbookPath(s, a.Name), spec.RunbooksDir+"/")
			row := []string{markdown.Link(markdown.Esc(a.Name), rel)}
			for _, e := range m.Environments {
				row = append(row, severities(e, a.RulesIn(e)))
			}
			rows = append(rows, append(row, markdown.Esc(a.Summary)))
		}
		d.Table(header, rows)
		if s.Database != nil {
			rel := strings.TrimPrefix(spec.DatabaseRunbookPath(s), spec.RunbooksDir+"/")
			d.Para(fmt.Sprintf("Backups and recovery of %s's database, in every environment: %s.", markdown.Code(s.Name), markdown.Link("its recovery page", rel)))
		}
	}
	return d.Bytes()
}

// severities lists what an alert's rules are in environment e, pages first:
// "page, ticket" for a burn-rate alert whose fast tiers page there.
func severities(e *spec.Environment, rules []*alerting.Rule) string {
	seen := map[string]bool{}
	for _, r := range rules {
		seen[alerting.Severity(e, r.Severity)] = true
	}
	var out []string
	for _, sev := range []string{spec.SeverityPage, spec.SeverityTicket} {
		if seen[sev] {
			out = append(out, sev)
		}
	}
	return strings.Join(out, ", ")
}
