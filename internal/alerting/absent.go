package alerting

import (
	"fmt"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// absentFor is how long a signal must stay absent past its producer's
// period before its absent rule fires: long enough that a Prometheus
// restart or a failed evaluation is not taken for a broken producer.
const absentFor = 10 * time.Minute

// withSignal gives alert a the signal it reads and, but for the storage
// alert, whose rules are per environment (storageRules), the rule that
// fires when that signal has been absent for longer than its producer's
// period.
func withSignal(a *Alert, sg *Signal) *Alert {
	a.Signal = sg
	if a.Kind != KindDatabaseStorageLow {
		a.Rules = append(a.Rules, absentRule(a.Service, sg, sg.Selector))
	}
	return a
}

// absentRule fires, as a ticket, when Prometheus has had no sample of the
// signal's series selected by selector for the producer's period: the
// producer is broken, or never ran, and the alert it feeds cannot fire
// meanwhile. absent_over_time answers over the samples Prometheus holds,
// so a Prometheus with less history than the period (a new environment)
// counts a series it has never seen as absent from its first sample on.
func absentRule(s *spec.Service, sg *Signal, selector string) *Rule {
	period := sg.Producer.Period(s)
	return &Rule{
		Expr:     fmt.Sprintf("absent_over_time(%s%s[%s])", sg.Metric, selector, Window(period)),
		For:      absentFor,
		Severity: spec.SeverityTicket,
		Absent:   true,
		Description: fmt.Sprintf("Prometheus has had no sample of %s%s for %s: %s has stopped producing it, or never started, and %s's alert on it cannot fire meanwhile.",
			sg.Metric, selector, HumanDuration(period), sg.Producer.Label(s), s.Name),
	}
}

// AbsentRule is the rule of a that fires when its signal is absent in
// environment e; nil for an alert without one.
func (a *Alert) AbsentRule(e *spec.Environment) *Rule {
	for _, r := range a.RulesIn(e) {
		if r.Absent {
			return r
		}
	}
	return nil
}

// SignalSelector is the selector of a's signal in environment e of
// platform p: the storage alert's names e's own instance.
func (a *Alert) SignalSelector(p *spec.Platform, e *spec.Environment) string {
	return strings.ReplaceAll(a.Signal.Selector, InstancePlaceholder, spec.DatabaseIdentifier(p, e, a.Service))
}
