package runbooks

import (
	"fmt"
	"slices"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Sections of a runbook about the alert's own inputs: where every metric it
// reads comes from (every runbook), and what to do when the alert's signal
// from a scheduled or external producer is absent (alerts that have one).
const (
	sectionSignals = "Signals"
	sectionAbsent  = "When the signal is absent"
)

// signals writes the producer of every metric alert a reads, from the
// catalogue the render checks the rules against, and what tells on-call
// that it has stopped. An alert on a metric that nothing exports stays
// quiet however bad things are: this says who keeps each one coming.
func signals(d *markdown.Doc, m *spec.Model, am *alerting.Model, a *alerting.Alert) {
	s := a.Service
	d.Heading(2, sectionSignals)
	d.Para("What this alert reads, who produces it, and what tells you when it stops: while a metric is missing, the alert cannot fire on it.")
	// Metrics of one producer that stop alike share a row: the recording
	// rules of an SLO, the series of one push.
	type row struct{ metrics, by, stops string }
	var rows []*row
	own := false
	for _, metric := range am.Reads(a, m.Environments) {
		p := am.Producer(s, metric)
		if p == nil {
			continue // the render refuses a rule with such a metric
		}
		own = own || p.Kind == alerting.ProducedBySpec
		r := &row{markdown.Code(metric), markdown.Esc(p.Describe(s)), markdown.Esc(whenStops(m, a, p, metric))}
		if i := slices.IndexFunc(rows, func(o *row) bool { return o.by == r.by && o.stops == r.stops }); i >= 0 {
			rows[i].metrics += ", " + r.metrics
			continue
		}
		rows = append(rows, r)
	}
	var cells [][]string
	for _, r := range rows {
		cells = append(cells, []string{r.metrics, r.by, r.stops})
	}
	d.Table([]string{"Metric", "Produced by", "When it stops"}, cells)
	if own {
		d.Para(fmt.Sprintf("The metrics the spec names are the responsibility of team %s: Groundwork deploys nothing that exports them "+
			"and cannot know what does, so no generated alert sees them stop. If one stops, this alert stays quiet; "+
			"a spec alert on %s for the time it may be quiet covers that.",
			markdown.Esc(s.Team), markdown.Code("absent_over_time(<metric>[<window>])")))
	}
}

// whenStops says what fires when metric, which p produces, stops.
func whenStops(m *spec.Model, a *alerting.Alert, p *alerting.Producer, metric string) string {
	s := a.Service
	switch p.Kind {
	case alerting.ProducedByService:
		return fmt.Sprintf("%s fires when a pod stops answering scrapes. With no pod at all (not deployed, scaled to zero) nothing fires.",
			spec.PlatformAlertName(s, spec.AlertTargetDown))
	case alerting.ProducedByPrometheus:
		if metric == "up" {
			return "Prometheus records it for every target it scrapes, down or not; if Prometheus itself stops, no rule runs. kube-prometheus-stack's Watchdog alert always fires so that a dead man's switch can notice its silence; the generated Alertmanager configuration routes it nowhere, so connect one to see a dead Prometheus."
		}
		return "Recorded while Prometheus evaluates the rule file and the inputs have samples: see the inputs' rows."
	case alerting.ProducedBySpec:
		return fmt.Sprintf("Nothing generated: %s names it, and team %s runs what exports it.", s.Source.Path, s.Team)
	}
	sg := a.Signal
	switch {
	case sg == nil || sg.Producer != p:
		return "No alert watches for its absence."
	case a.AbsentWatchedBy != "":
		return fmt.Sprintf("%s opens a ticket when the same producer's series have been absent for %s (see the next section).",
			a.AbsentWatchedBy, alerting.HumanDuration(p.Period(s)))
	case sg.Metric != metric:
		return fmt.Sprintf("Its absence alone proves nothing; %s, from the same producer, is the signal whose absence this alert watches (see the next section).", sg.Metric)
	}
	return fmt.Sprintf("This alert opens a ticket once it has been absent for %s (see the next section).", alerting.HumanDuration(p.Period(s)))
}

// absent writes what the alert's absent rule means and what to do about
// it; nothing for an alert without a signal from a scheduled or external
// producer.
func absent(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	sg := a.Signal
	if sg == nil {
		return
	}
	s := a.Service
	p := sg.Producer
	period := alerting.HumanDuration(p.Period(s))
	d.Heading(2, sectionAbsent)
	if a.AbsentWatchedBy != "" {
		d.Para(fmt.Sprintf("This alert reads %s, produced by %s. While that is absent, the alert cannot fire: the drill may not run at all. "+
			"%s reads the same push and opens a ticket when it has been absent for %s, so that a drill that stopped is seen once, not twice; "+
			"follow the section of this name in its runbook.",
			markdown.Code(sg.Metric), markdown.Esc(p.Describe(s)), markdown.Link(markdown.Code(a.AbsentWatchedBy), a.AbsentWatchedBy+".md"), period))
		return
	}
	d.Para(fmt.Sprintf("This alert reads %s, produced by %s. When Prometheus has had no sample of it for %s (the producer's period: "+
		"how long it may be quiet while it works), the producer has stopped or never started, and the alert cannot fire on its own condition. "+
		"A rule of the same alert then fires with the label %s: a ticket in every environment, since nothing is known to be broken for users yet, "+
		"but the alert is blind until the signal is back.",
		markdown.Code(sg.Metric), markdown.Esc(p.Describe(s)), period, markdown.Code(alerting.LabelSignal+`="`+alerting.SignalAbsent+`"`)))
	var groups []*envRules
	byExpr := map[string]*envRules{}
	for _, e := range m.Environments {
		r := a.AbsentRule(e)
		if r == nil {
			continue
		}
		g := byExpr[r.Expr]
		if g == nil {
			g = &envRules{rules: []*alerting.Rule{r}}
			byExpr[r.Expr] = g
			groups = append(groups, g)
		}
		g.envs = append(g.envs, e.Name)
	}
	for _, g := range groups {
		in := ""
		if len(groups) > 1 {
			in = "In " + markdown.Esc(joinAnd(g.envs)) + ", "
		}
		r := g.rules[0]
		d.Para(capital(fmt.Sprintf("%sit fires when this has returned a result for %s without a break:", in, alerting.Window(r.For))))
		d.Fence("promql", r.Expr)
	}
	if p.Fix != nil {
		d.Para("Bring the signal back; most likely first:")
		var steps []string
		for _, st := range p.Fix(s) {
			steps = append(steps, markdown.Esc(st))
		}
		d.Steps(steps...)
	}
}

// realRules are the rules of rs but the absent one, which the absent
// section writes out.
func realRules(rs []*alerting.Rule) []*alerting.Rule {
	var out []*alerting.Rule
	for _, r := range rs {
		if !r.Absent {
			out = append(out, r)
		}
	}
	return out
}
