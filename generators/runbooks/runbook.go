package runbooks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Section headings every runbook has, in this order; a spec alert with
// runbook text has sectionNotes before sectionEscalation.
const (
	sectionMeaning    = "Meaning"
	sectionImpact     = "Impact"
	sectionDiagnosis  = "Diagnosis"
	sectionMitigation = "Mitigation"
	sectionNotes      = "Notes from the service spec"
	sectionEscalation = "Escalation"
)

// instancePlaceholder is how the alerting model writes the database
// instance in a diagnosis query that does not know the environment. The
// runbook writes the query once per environment with the real identifier
// instead: at 3 am nobody should have to look up what to put there.
const instancePlaceholder = "<instance>"

// runbook is the Markdown of alert a.
func runbook(m *spec.Model, am *alerting.Model, a *alerting.Alert) []byte {
	s := a.Service
	var d markdown.Doc
	d.Heading(1, markdown.Esc(a.Name))
	d.Para(markdown.Esc(a.Summary))
	d.List(
		fmt.Sprintf("Service %s (namespace %s), owned by team %s.", markdown.Code(s.Name), markdown.Code(spec.Namespace(s)), markdown.Esc(s.Team)),
		fmt.Sprintf("Defined by %s; the rules are in %s of each environment.",
			markdown.Code(s.Source.Path), markdown.Code(alerting.PrometheusRulePath(&spec.Environment{Name: "<environment>"}, s))),
	)

	d.Heading(2, sectionMeaning)
	d.Para(markdown.Esc(a.Meaning))
	if a.Kind == alerting.KindBurn {
		tiers(&d, m, a)
	}

	d.Heading(2, sectionImpact)
	d.Para(markdown.Esc(a.Impact))

	d.Heading(2, sectionDiagnosis)
	diagnosis(&d, m, a)

	d.Heading(2, sectionMitigation)
	mitigation(&d, a)
	killSwitches(&d, m, a)
	if databaseAlertKinds[a.Kind] {
		recoveryLinks(&d, a)
	}

	if a.Spec != nil && strings.TrimSpace(a.Spec.Runbook) != "" {
		d.Heading(2, sectionNotes)
		notes := included(a.Spec.Runbook)
		as := "as written"
		if notes != strings.TrimRight(a.Spec.Runbook, "\n")+"\n" {
			as = "as written but for their headings, moved down to fit under this one"
		}
		d.Para(fmt.Sprintf("Team %s wrote these notes as the alert's %s in %s; they are included %s.",
			markdown.Esc(s.Team), markdown.Code(specAlertField(s, a.Spec)+".runbook"), markdown.Code(s.Source.Path), as))
		d.Raw(notes)
	}

	signals(&d, m, am, a)
	absent(&d, m, a)

	d.Heading(2, sectionEscalation)
	escalation(&d, m, a)
	return d.Bytes()
}

// tiers writes the table of a burn-rate alert's tiers: the thresholds each
// fires at and what it is in each environment, so that on-call can read
// from the tier label how bad and how urgent the burn is.
func tiers(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	o := a.SLO
	budget := a.Budget
	d.Para(fmt.Sprintf("Each tier is one rule. It fires when the error ratio over both its short and its long window is above "+
		"the tier's threshold (its burn-rate factor times the error budget of %s%%) and has stayed above it for the time in the "+
		"For column. A burn rate of 1 spends exactly the budget over the %s window.", alerting.Num(100*budget), markdown.Esc(string(o.Window))))
	header := []string{"Tier", "Short window", "Long window", "Burn-rate factor", "Error ratio above", "For"}
	for _, e := range m.Environments {
		header = append(header, "Severity in "+markdown.Esc(e.Name))
	}
	header = slices.Insert(header, 6, "Keeps firing for")
	var rows [][]string
	var fast, slow []string
	for _, r := range a.Rules {
		t := r.Tier
		keep := "0m"
		if r.KeepFiringFor > 0 {
			keep = alerting.Window(r.KeepFiringFor)
			fast = append(fast, markdown.Code(t.Name))
		} else if r.Severity == spec.SeverityPage {
			slow = append(slow, markdown.Code(t.Name))
		}
		row := []string{markdown.Code(t.Name), alerting.Window(t.Short), alerting.Window(t.Long), alerting.Num(r.Factor),
			alerting.Num(100*r.Threshold) + "%", alerting.Window(r.For), keep}
		for _, e := range m.Environments {
			row = append(row, alerting.Severity(e, r.Severity))
		}
		rows = append(rows, row)
	}
	d.Table(header, rows)
	if len(fast) > 0 && len(slow) > 0 {
		d.Para(fmt.Sprintf("One incident pages once. A short, total outage crosses both page tiers, but %s waits out its For while %s fires first "+
			"and, its short window being short, would stop before the slower one started: a second page, after the burn is over. So %s keeps firing "+
			"for as long as the next page tier's short window after its own windows clear, and Alertmanager mutes the slower tiers of the same SLO "+
			"while a faster one fires. The page therefore resolves about that long after the burn stops; the error ratio panel shows when it did. "+
			"A ticket tier may still open a ticket an hour or more later, to look at the budget the incident spent.",
			joinAnd(slow), joinAnd(fast), joinAnd(fast)))
	}
}

// diagnosis writes the dashboard panel to open, the queries to run and the
// expression the rule evaluates.
func diagnosis(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	s := a.Service
	where := fmt.Sprintf("%s's dashboard", markdown.Code(s.Name))
	if a.Panel != "" {
		d.Para(fmt.Sprintf("Open the panel **%s** on %s, in the environment the alert came from:", markdown.Esc(a.Panel), where))
	} else {
		d.Para(fmt.Sprintf("Open %s, in the environment the alert came from:", where))
	}
	var links []string
	for _, e := range m.Environments {
		links = append(links, markdown.Esc(e.Name)+": "+dashboardRef(m, e, s))
	}
	d.List(links...)

	d.Para("Then run these queries in Grafana Explore, or the Prometheus UI, of the same environment.")
	for _, q := range a.Diagnosis {
		if !strings.Contains(q.Expr, instancePlaceholder) {
			d.Para(markdown.Esc(q.Title) + ":")
			d.Fence("promql", q.Expr)
			continue
		}
		for _, e := range m.Environments {
			d.Para(fmt.Sprintf("%s, in %s:", markdown.Esc(q.Title), markdown.Esc(e.Name)))
			d.Fence("promql", strings.ReplaceAll(q.Expr, instancePlaceholder, spec.DatabaseIdentifier(m.Platform, e, s)))
		}
	}
	ruleExpressions(d, m, a)
}

// dashboardRef links the service's dashboard in environment e. An
// environment that names no Grafana has no link to give (a bare
// /d/<uid>/<name> would resolve against GitHub), so the dashboard is named
// instead, by the title and uid Grafana's search finds, with the spec line
// that would make it a link.
func dashboardRef(m *spec.Model, e *spec.Environment, s *spec.Service) string {
	if u := spec.DashboardURL(e, s); u != "" {
		return "<" + u + ">"
	}
	return fmt.Sprintf("no link: search the Grafana of %s for **%s** (uid %s); set %s in %s to link it here",
		markdown.Esc(e.Name), markdown.Esc(spec.DashboardTitle(m.Platform, s)), markdown.Code(spec.DashboardUID(s)),
		markdown.Code("alerting.grafana"), markdown.Code(spec.EnvironmentFile(e)))
}

// envRules are the rules of an alert shared by some environments.
type envRules struct {
	envs  []string
	rules []*alerting.Rule
}

// ruleExpressions writes what the alert's rules evaluate, once when every
// environment evaluates the same, else once for each group of environments
// that do. A rule whose expression is already a diagnosis query (a spec
// alert's) is not written again.
func ruleExpressions(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	var groups []*envRules
	for _, e := range m.Environments {
		rs := realRules(a.RulesIn(e))
		i := slices.IndexFunc(groups, func(g *envRules) bool { return slices.EqualFunc(g.rules, rs, sameEvaluation) })
		if i < 0 {
			i = len(groups)
			groups = append(groups, &envRules{rules: rs})
		}
		groups[i].envs = append(groups[i].envs, e.Name)
	}
	if len(groups) == 1 && len(groups[0].rules) == 1 && slices.ContainsFunc(a.Diagnosis, func(q alerting.Query) bool {
		return q.Expr == groups[0].rules[0].Expr
	}) {
		return
	}

	d.Heading(3, "What the alert evaluates")
	if len(groups) > 1 {
		d.Para("The expression differs by environment.")
	}
	for _, g := range groups {
		in := ""
		if len(groups) > 1 {
			in = "In " + markdown.Esc(joinAnd(g.envs)) + ", "
		}
		for _, r := range g.rules {
			when := fmt.Sprintf("has returned a result for %s without a break", alerting.Window(r.For))
			if r.Tier != nil {
				d.Para(capital(fmt.Sprintf("%stier %s fires when this %s:", in, markdown.Code(r.Tier.Name), when)))
			} else {
				d.Para(capital(fmt.Sprintf("%sthe alert fires when this %s:", in, when)))
			}
			d.Fence("promql", r.Expr)
		}
	}
}

// sameEvaluation reports whether two rules evaluate alike: the same
// expression for the same time.
func sameEvaluation(a, b *alerting.Rule) bool { return a.Expr == b.Expr && a.For == b.For }

// mitigation writes the first steps, most likely first. A spec alert has
// none but the notes its team wrote, if any.
func mitigation(d *markdown.Doc, a *alerting.Alert) {
	s := a.Service
	switch {
	case len(a.Mitigation) > 0:
		d.Para("Work through these in order, most likely first.")
		var steps []string
		for _, st := range a.Mitigation {
			steps = append(steps, markdown.Esc(st))
		}
		d.Steps(steps...)
	case a.Spec != nil && strings.TrimSpace(a.Spec.Runbook) != "":
		d.Para(fmt.Sprintf("Follow the notes team %s wrote for this alert, in the next section.", markdown.Esc(s.Team)))
	default:
		d.Para(fmt.Sprintf("No steps are written for this alert: %s gives it no %s. Start from the diagnosis above, and if the "+
			"cause is not clear within a few minutes, escalate as below. Once it is resolved, write down what you did as the "+
			"alert's %s in the spec, so that the next on-call has it.",
			markdown.Code(s.Source.Path), markdown.Code("runbook"), markdown.Code(specAlertField(s, a.Spec)+".runbook")))
	}
}

// escalation writes who owns the alert, where it pages and where it only
// opens a ticket, and who is behind the owning team.
func escalation(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	s := a.Service
	p := m.Platform
	team := p.Teams[s.Team]
	d.Para(fmt.Sprintf("%s belongs to team **%s**: Slack %s, PagerDuty service %s, GitHub %s. A page triggers the PagerDuty service and is posted to the Slack channel as well; a ticket is only posted to Slack.",
		markdown.Code(s.Name), markdown.Esc(s.Team), markdown.Code(team.Slack), markdown.Code(team.PagerDuty), markdown.Code(team.GitHub)))

	// Environments that route the alert alike share a line, so that the
	// one that differs (usually production, which pages) stands out.
	var order []string
	envs := map[string][]string{}
	for _, e := range m.Environments {
		r := routing(e, a, realRules(a.RulesIn(e)), team)
		if envs[r] == nil {
			order = append(order, r)
		}
		envs[r] = append(envs[r], e.Name)
	}
	var lines []string
	for _, r := range order {
		lines = append(lines, "**"+markdown.Esc(joinAnd(envs[r]))+"**: "+r)
	}
	d.List(lines...)

	if s.Team == p.Owner {
		d.Para(fmt.Sprintf("Team %s also owns the platform, so there is no other team behind it: if you cannot fix it, "+
			"escalate through the escalation policy of PagerDuty service %s.", markdown.Esc(s.Team), markdown.Code(team.PagerDuty)))
		return
	}
	owner := p.Teams[p.Owner]
	platform := "the cluster, Prometheus or Flux"
	if s.Database != nil {
		platform = "the cluster, Prometheus, Flux or the RDS instance"
	}
	d.Para(fmt.Sprintf("If team %s cannot be reached, or the cause is in the platform rather than in %s (%s), "+
		"escalate to the platform owner, team **%s**: Slack %s, PagerDuty service %s.",
		markdown.Esc(s.Team), markdown.Code(s.Name), platform, markdown.Esc(p.Owner), markdown.Code(owner.Slack), markdown.Code(owner.PagerDuty)))
}

// routing says where the alert goes in environment e: which rules page
// and which open a ticket, and why a page-severity rule does not page there.
func routing(e *spec.Environment, a *alerting.Alert, rules []*alerting.Rule, team *spec.Team) string {
	var pages, tickets []string
	demoted := false
	for _, r := range rules {
		name := ""
		if r.Tier != nil {
			name = r.Tier.Name
		}
		if alerting.Severity(e, r.Severity) == spec.SeverityPage {
			pages = append(pages, name)
		} else {
			tickets = append(tickets, name)
			demoted = demoted || r.Severity == spec.SeverityPage
		}
	}
	page := "pages on-call through PagerDuty service " + markdown.Code(team.PagerDuty)
	ticket := "opens a ticket in Slack " + markdown.Code(team.Slack)
	var out string
	switch {
	case len(tickets) == 0 && a.Kind != alerting.KindBurn:
		out = "It " + page + "."
	case len(pages) == 0 && a.Kind != alerting.KindBurn:
		out = "It " + ticket + "."
	case len(tickets) == 0:
		out = "Every tier " + page + "."
	case len(pages) == 0:
		out = "Every tier " + ticket + "."
	default:
		out = capital(fmt.Sprintf("%s %s; %s %s.", tierNames(pages), plural(len(pages), page), tierNames(tickets), plural(len(tickets), ticket)))
	}
	switch {
	case demoted && a.Kind == alerting.KindBurn:
		out += fmt.Sprintf(" The page tiers arrive as tickets here, because %s is false.", markdown.Code("alerting.page"))
	case demoted:
		out += fmt.Sprintf(" It is a page alert, but %s is false here, so it arrives as a ticket.", markdown.Code("alerting.page"))
	}
	return out
}

// plural turns "pages …"/"opens …" into "page …"/"open …" after more than
// one tier.
func plural(n int, verb string) string {
	if n == 1 {
		return verb
	}
	verb = strings.Replace(verb, "pages ", "page ", 1)
	return strings.Replace(verb, "opens ", "open ", 1)
}

func tierNames(names []string) string {
	cs := make([]string, len(names))
	for i, n := range names {
		cs[i] = markdown.Code(n)
	}
	if len(cs) == 1 {
		return "tier " + cs[0]
	}
	return "tiers " + joinAnd(cs)
}

// specAlertField is the field path of a spec alert in its service spec.
func specAlertField(s *spec.Service, sa *spec.Alert) string {
	return fmt.Sprintf("alerts[%d]", slices.Index(s.Alerts, sa))
}

// joinAnd joins words as a sentence lists them: a, b and c.
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// capital starts a sentence with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
