package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Group is a Prometheus rule group as rule files and PrometheusRule specs
// write it.
type Group struct {
	Name     string      `yaml:"name" json:"name"`
	Interval string      `yaml:"interval,omitempty" json:"interval,omitempty"`
	Rules    []*ruleNode `yaml:"rules" json:"rules"`
}

// ruleNode is one recording or alerting rule as a rule file writes it.
type ruleNode struct {
	Record string `yaml:"record,omitempty" json:"record,omitempty"`
	Alert  string `yaml:"alert,omitempty" json:"alert,omitempty"`
	Expr   string `yaml:"expr" json:"expr"`
	For    string `yaml:"for,omitempty" json:"for,omitempty"`
	// KeepFiringFor is keep_firing_for, as rule files and the
	// PrometheusRule CRD both spell it.
	KeepFiringFor string            `yaml:"keep_firing_for,omitempty" json:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// periodInterval is how often the error ratio over a whole SLO window is
// recomputed: it reads weeks of samples and moves slowly.
const periodInterval = "5m"

// Severity is what an alert of that severity is in environment e: pages
// become tickets where the environment does not page.
func Severity(e *spec.Environment, severity string) string {
	if severity == spec.SeverityPage && !e.Alerting.Page {
		return spec.SeverityTicket
	}
	return severity
}

// Rule group names. Prometheus refuses a rule file with two groups of one
// name; SLO names are DNS labels, which can hold "-period", so the alerts
// generator checks what these make.

// SLOGroupName is the group that records an SLO's error ratios and alerts
// on them.
func SLOGroupName(s *spec.Service, o *spec.SLO) string { return s.Name + "-slo-" + o.Name }

// PeriodGroupName is the group that records an SLO's whole-window ratios.
func PeriodGroupName(s *spec.Service, o *spec.SLO) string { return SLOGroupName(s, o) + "-period" }

// AlertsGroupName is the group of a service's alerts but its burn-rate ones.
func AlertsGroupName(s *spec.Service) string { return s.Name + "-alerts" }

// buildGroups makes the rule groups of service s in environment e: per SLO,
// one group that records the error ratios and alerts on them (in one group
// so that each evaluation alerts on the ratios it has just recorded) and
// one, evaluated less often, for the whole window; then one for the
// service's other alerts. The storage alert's rules in e are fixed
// (see Model.service).
func (m *Model) buildGroups(e *spec.Environment, svc *Service) []Group {
	s := svc.Spec
	var gs []Group
	recorded := m.recordingsOf(svc)
	for i, slo := range svc.SLOs {
		o := slo.Spec
		// Clipped: the burn alerts of e go into a slice of their own.
		g := Group{Name: SLOGroupName(s, o), Rules: slices.Clip(recorded.slo[i])}
		if slo.Burn != nil {
			g.Rules = append(g.Rules, m.alertNodes(e, slo.Burn)...)
		}
		gs = append(gs, g, Group{Name: PeriodGroupName(s, o), Interval: periodInterval, Rules: recorded.period[i]})
	}
	other := Group{Name: AlertsGroupName(s)}
	for _, a := range svc.Alerts {
		if a.Kind != KindBurn {
			other.Rules = append(other.Rules, m.alertNodes(e, a)...)
		}
	}
	return append(gs, other)
}

// recordedRules are the recording rules of a service's SLOs, by SLO:
// the same in every environment.
type recordedRules struct {
	slo, period [][]*ruleNode
}

// recordingsOf returns the recording rules of svc's SLOs. They are built
// once for as many groups as the model has environments, and let go of
// once that many have taken them: the PrometheusRule of each environment
// is built from them, not from recording rules built anew (a sixth of its
// time), and a render does not hold them to its end. Nobody changes a
// rule once built.
func (m *Model) recordingsOf(svc *Service) recordedRules {
	svc.recordedMu.Lock()
	defer svc.recordedMu.Unlock()
	if svc.recorded == nil {
		r := &recordedRules{}
		for _, slo := range svc.SLOs {
			r.slo = append(r.slo, recordings(svc.Spec, slo))
			r.period = append(r.period, periodRecordings(svc.Spec, slo))
		}
		svc.recorded, svc.recordedLeft = r, len(m.environments)
	}
	r := *svc.recorded
	if svc.recordedLeft--; svc.recordedLeft <= 0 {
		svc.recorded = nil
	}
	return r
}

// SLOLabels are the labels of an SLO's recorded series.
func SLOLabels(s *spec.Service, o *spec.SLO) map[string]string {
	return map[string]string{LabelService: s.Name, LabelSLO: o.Name}
}

func recordings(s *spec.Service, slo *SLO) []*ruleNode {
	o := slo.Spec
	sli := SLIOf(s, o)
	sel := SLOSelector(s, o)
	labels := SLOLabels(s, o)
	// A window with no bad series yet (no 5xx ever served) has no bad rate at
	// all; "or total * 0" makes it zero instead of no data. Dividing by
	// "total > 0" leaves no-traffic windows empty instead of NaN, so that
	// nothing fires and no panel shows NaN while a service is idle.
	nodes := []*ruleNode{
		{Record: recordBadEvents, Expr: fmt.Sprintf("(%s)\nor\n(%s) * 0", sli.Bad("5m"), sli.Total("5m")), Labels: labels},
		{Record: recordTotalEvents, Expr: sli.Total("5m"), Labels: labels},
	}
	for _, w := range Windows() {
		expr := fmt.Sprintf("%s%s / (%s%s > 0)", recordBadEvents, sel, recordTotalEvents, sel)
		if w != 5*time.Minute {
			r := Window(w)
			expr = fmt.Sprintf("(\n  (%s)\n  or\n  (%s) * 0\n)\n/\n(%s > 0)", sli.Bad(r), sli.Total(r), sli.Total(r))
		}
		nodes = append(nodes, &ruleNode{Record: RecordErrorRatio(w), Expr: expr, Labels: labels})
	}
	return append(nodes,
		&ruleNode{Record: recordObjective, Expr: fmt.Sprintf("vector(%s)", Num(o.Objective/100)), Labels: labels},
		&ruleNode{Record: RecordErrorBudget, Expr: fmt.Sprintf("vector(%s)", Num(slo.Budget)), Labels: labels},
	)
}

// periodRecordings compute the error ratio over the SLO's window as bad
// events over all events, summed from the 5m rates: a busy hour weighs more
// than a quiet one, unlike an average of ratios.
func periodRecordings(s *spec.Service, slo *SLO) []*ruleNode {
	o := slo.Spec
	sel := SLOSelector(s, o)
	w := string(o.Window)
	return []*ruleNode{
		{Record: RecordPeriodError, Expr: fmt.Sprintf("sum_over_time(%s%s[%s])\n/\n(sum_over_time(%s%s[%s]) > 0)", recordBadEvents, sel, w, recordTotalEvents, sel, w), Labels: SLOLabels(s, o)},
		{Record: RecordBudgetRemaining, Expr: fmt.Sprintf("1 - %s%s / %s", RecordPeriodError, sel, Num(slo.Budget)), Labels: SLOLabels(s, o)},
	}
}

// Labels are the labels of rule r of alert a in environment e.
func (m *Model) Labels(e *spec.Environment, a *Alert, r *Rule) map[string]string {
	s := a.Service
	l := map[string]string{
		LabelSeverity:  Severity(e, r.Severity),
		LabelTeam:      s.Team,
		LabelService:   s.Name,
		LabelNamespace: spec.Namespace(s),
	}
	if a.SLO != nil {
		l[LabelSLO] = a.SLO.Name
	}
	if r.Tier != nil {
		l[LabelTier] = r.Tier.Name
	}
	if r.Absent {
		l[LabelSignal] = SignalAbsent
	}
	return l
}

// Annotations are the annotations of rule r of alert a in environment e.
func (m *Model) Annotations(e *spec.Environment, a *Alert, r *Rule) map[string]string {
	ann := map[string]string{
		AnnotationSummary:     a.Summary,
		AnnotationDescription: r.Description,
		AnnotationRunbookURL:  spec.RunbookURL(m.platform, a.Service, a.Name),
	}
	if u := spec.DashboardURL(e, a.Service); u != "" {
		ann[AnnotationDashboardURL] = u
	} else {
		ann[AnnotationDashboard] = DashboardUnlinked(m.platform, e, a.Service)
	}
	return ann
}

// PlatformFields are the fields of the platform spec that the annotations
// of environment e's alerts are made from: the repository, where the
// runbooks are, and, where e names no Grafana, the platform's name, which
// the dashboard's title starts with.
func PlatformFields(e *spec.Environment) []string {
	if e.Alerting.Grafana == "" {
		return []string{"name", "repository"}
	}
	return []string{"repository"}
}

// DashboardUnlinked names service s's dashboard in environment e, which
// names no Grafana to link it in: its title and uid, which Grafana's search
// finds, and the spec line that would make it a link.
func DashboardUnlinked(p *spec.Platform, e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("search the Grafana of %s for %s (uid %s); set alerting.grafana in %s to link it",
		e.Name, spec.DashboardTitle(p, s), spec.DashboardUID(s), spec.EnvironmentFile(e))
}

func (m *Model) alertNodes(e *spec.Environment, a *Alert) []*ruleNode {
	var nodes []*ruleNode
	for _, r := range a.RulesIn(e) {
		keep := ""
		if r.KeepFiringFor > 0 {
			keep = Window(r.KeepFiringFor)
		}
		nodes = append(nodes, &ruleNode{
			Alert:         a.Name,
			Expr:          r.Expr,
			For:           Window(r.For),
			KeepFiringFor: keep,
			Labels:        templateLiterals(m.Labels(e, a, r)),
			Annotations:   templateLiterals(m.Annotations(e, a, r)),
		})
	}
	return nodes
}

// TemplateLiteral is text as an alerting rule's label or annotation must
// write it for Prometheus to show it as it is. Prometheus expands every label
// and annotation of an alert as a Go text/template (with $labels, $value and
// functions such as query) each time the alert is evaluated, and a spec's
// summary or expression is text, not a template: "{{ $value }}" in a summary
// is shown as written, "{{ broken" cannot fail the rule file, and nothing a
// spec says is ever executed. Only "{{" starts an action in text/template
// ("}}" outside an action is text), so each "{{" becomes an action that
// prints it; text without one is unchanged.
func TemplateLiteral(s string) string {
	return strings.ReplaceAll(s, "{{", `{{ "{{" }}`)
}

func templateLiterals(m map[string]string) map[string]string {
	for k, v := range m {
		m[k] = TemplateLiteral(v)
	}
	return m
}
