package runbooks

import (
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// indexName is the name of every index of runbooks: GitHub shows a folder's
// README.md below its listing.
const indexName = "README.md"

// ServiceIndexPath is the index of service s's runbooks, beside them.
func ServiceIndexPath(s *spec.Service) string {
	return spec.RunbooksDir + "/" + s.Name + "/" + indexName
}

// index is runbooks/README.md: how alerts reach a team, and one row per
// service that leads to its own index. It is a shared file, made again in
// every render, partial or not, so it reads only cheap spec fields: were
// it to list alerts, an edit of one service would derive the alerts of
// every service to make it (a third of a second, and two megabytes of
// Markdown, at a thousand services).
func index(m *spec.Model) []byte {
	var d markdown.Doc
	d.Heading(1, "Runbooks")
	var unlinked []string
	for _, e := range m.Environments {
		if e.Alerting.Grafana == "" {
			unlinked = append(unlinked, e.Name)
		}
	}
	intro := fmt.Sprintf("One runbook for every alert, by service: each service's folder holds its runbooks and their index, %s, which lists its alerts with what each is in every environment. "+
		"Each alerting rule links its runbook in its %s annotation", markdown.Code(spec.RunbooksDir+"/<service>/"+indexName), markdown.Code(alerting.AnnotationRunbookURL))
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
	d.Para(routingNote(m))

	rows := make([][]string, 0, len(m.Services))
	for _, s := range m.Services {
		rows = append(rows, []string{
			markdown.Link(markdown.Esc(s.Name), s.Name+"/"+indexName),
			markdown.Esc(s.Team),
			markdown.Code(s.Source.Path),
		})
	}
	d.Table([]string{"Service", "Team", "Spec"}, rows)
	return d.Bytes()
}

// routingNote says where a page and a ticket go, and where pages do not
// page.
func routingNote(m *spec.Model) string {
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
	return note
}

// serviceIndex is runbooks/<service>/README.md: every alert of service s,
// with what it is in each environment, so that its team can see at a
// glance what may wake it and where, and who is called.
func serviceIndex(m *spec.Model, am *alerting.Model, s *spec.Service) []byte {
	team := m.Platform.Teams[s.Team]
	var d markdown.Doc
	d.Heading(1, "Runbooks of "+markdown.Esc(s.Name))
	d.Para(fmt.Sprintf("One runbook for every alert of %s, which belongs to team **%s**: Slack %s, PagerDuty service %s. Defined by %s. Each runbook's escalation says whom to call after the team; every other service's runbooks are in %s.",
		markdown.Code(s.Name), markdown.Esc(s.Team), markdown.Code(team.Slack), markdown.Code(team.PagerDuty), markdown.Code(s.Source.Path),
		markdown.Link("the runbooks index", "../"+indexName)))
	d.Para(routingNote(m) + " The table says what each alert is in each environment.")
	header := []string{"Alert"}
	for _, e := range m.Environments {
		header = append(header, markdown.Esc(e.Name))
	}
	header = append(header, "Summary")
	var rows [][]string
	for _, a := range am.Alerts(s) {
		row := []string{markdown.Link(markdown.Esc(a.Name), markdown.Rel(ServiceIndexPath(s), spec.RunbookPath(s, a.Name)))}
		for _, e := range m.Environments {
			row = append(row, severities(e, a.RulesIn(e)))
		}
		rows = append(rows, append(row, markdown.Esc(a.Summary)))
	}
	d.Table(header, rows)
	if s.Database != nil {
		d.Para(fmt.Sprintf("Backups and recovery of %s's database, in every environment: %s.", markdown.Code(s.Name),
			markdown.Link("its recovery page", markdown.Rel(ServiceIndexPath(s), spec.DatabaseRunbookPath(s)))))
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
