package alerts

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
)

// Tests of the rule that fires when an alert's signal is absent (the
// signal of a component of the infrastructure layer; the database jobs'
// are tested with their ages, in databasetest.go).

// signalLabels are the labels of the alert's signal in its environment, as
// its producer exports them: those its selector pins, and for
// kube-state-metrics the phase every namespace has.
func (pt *platformTest) signalLabels() map[string]string {
	sg := pt.a.Signal
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(sg.Metric + pt.a.SignalSelector(pt.m.Platform, pt.e))
	if err != nil {
		panic(fmt.Sprintf("alerts: the signal of %s: %v", pt.a.Name, err)) // the model writes it
	}
	out := map[string]string{}
	for _, m := range ms {
		if m.Type == labels.MatchEqual && m.Name != model.MetricNameLabel {
			out[m.Name] = m.Value
		}
	}
	if sg.Metric == "kube_namespace_status_phase" {
		out["phase"] = "Active"
	}
	return out
}

// signalValue is a value of the signal that leaves the alert's own
// condition quiet: a namespace that is there, a database with all its
// storage free.
func (pt *platformTest) signalValue() float64 {
	if pt.a.Kind == alerting.KindDatabaseStorageLow {
		return float64(pt.s.Database.StorageGB) * (1 << 30)
	}
	return 1
}

// signal is the alert's signal, present at every step up to steps.
func (pt *platformTest) signal(steps int) inputSeries {
	v := pt.signalValue()
	return gauge(pt.a.Signal.Metric, pt.signalLabels(), steps, func(int) float64 { return v })
}

// absentTests test the absent rule: a signal exported every minute until
// `last`, then never again, opens a ticket once it has been absent for its
// producer's period and for: has passed, and not before; the same metric
// of another namespace or instance, exported all along, does not count.
// last is chosen so that last + the period falls between two evaluations:
// no evaluation sits on the edge of the range.
func (pt *platformTest) absentTests() []*testGroup {
	if pt.absent == nil {
		return nil
	}
	sg := pt.a.Signal
	period := sg.Producer.Period(pt.s)
	last := 22 * time.Minute
	if (last+period)%evalEvery == 0 {
		last += time.Minute
	}
	on := roundUp(last+period, evalEvery) // the first evaluation it is absent at
	at := on + roundUp(pt.absent.For, evalEvery)
	own := pt.signalLabels()
	other := map[string]string{}
	for k, v := range own {
		other[k] = v
		if k != "phase" {
			other[k] = otherNamespace(v)
		}
	}
	v := pt.signalValue()
	steps := int((at + 2*evalEvery) / time.Minute)
	return []*testGroup{{
		Name: fmt.Sprintf("%s: %s, absent for %s (%s), opens a ticket after for:, not before, another's notwithstanding",
			pt.a.Name, sg.Metric, alerting.HumanDuration(period), sg.Producer.Name),
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge(sg.Metric, own, int(last/time.Minute), func(int) float64 { return v }),
			gauge(sg.Metric, other, steps, func(int) float64 { return v }),
		},
		AlertRuleTests: []alertRuleTest{
			pt.check(roundUp(last, evalEvery)),
			pt.check(on - evalEvery),
			pt.check(at - evalEvery),
			pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.absent, pt.absentLabels())),
		},
	}}
}

// absentLabels are the labels absent_over_time gives its one series: the
// equality matchers of the signal's selector.
func (pt *platformTest) absentLabels() map[string]string {
	out := pt.signalLabels()
	delete(out, "phase")
	return out
}
