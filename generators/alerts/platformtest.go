package alerts

import (
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// platformTests test the alerts every service gets with series shaped as
// their exporters publish them, and expected times worked out by hand from
// each rule's expression and for:.
func platformTests(m *spec.Model, am *alerting.Model, e *spec.Environment, a *alerting.Alert) []*testGroup {
	pt := &platformTest{m: m, am: am, e: e, a: a, s: a.Service, r: a.RulesIn(e)[0], absent: a.AbsentRule(e), ns: spec.Namespace(a.Service)}
	switch a.Kind {
	case alerting.KindTargetDown:
		return pt.targetDown()
	case alerting.KindPodCrashLooping:
		return append(pt.podCrashLooping(), pt.absentTests()...)
	case alerting.KindBackupTooOld:
		return pt.backupTooOld()
	case alerting.KindDatabaseStorageLow:
		return append(pt.databaseStorageLow(), pt.absentTests()...)
	case alerting.KindDatabasePoolSaturated:
		return pt.databasePoolSaturated()
	case alerting.KindRestoreDrillFailed:
		return pt.restoreDrillFailed()
	case alerting.KindRestoreDrillOverdue:
		return pt.restoreDrillOverdue()
	}
	return nil
}

// platformTest is one platform alert of one service in one environment,
// for which tests are being made.
type platformTest struct {
	m  *spec.Model
	am *alerting.Model
	e  *spec.Environment
	a  *alerting.Alert
	s  *spec.Service
	r  *alerting.Rule
	// absent is the rule that fires when the alert's signal is absent;
	// nil for an alert without one.
	absent *alerting.Rule
	ns     string
}

// fires is when a condition that turns true at evaluation on fires: at
// on+for, on the evaluation grid; the tests look one evaluation either side.
func (pt *platformTest) fires(on time.Duration) time.Duration {
	return on + roundUp(pt.r.For, evalEvery)
}

func (pt *platformTest) check(at time.Duration, exp ...expAlert) alertRuleTest {
	if exp == nil {
		exp = []expAlert{}
	}
	return alertRuleTest{EvalTime: dur(at), Alertname: pt.a.Name, ExpAlerts: exp}
}

// gauge is a series that takes values(i) at step i.
func gauge(name string, labels map[string]string, steps int, values func(i int) float64) inputSeries {
	incs := make([]float64, steps)
	prev := values(0)
	for i := 1; i <= steps; i++ {
		v := values(i)
		incs[i-1] = v - prev
		prev = v
	}
	return inputSeries{Series: seriesName(name, labels), Values: seriesValues(values(0), incs)}
}

// targetDown tests that one target down fires, another up does not.
func (pt *platformTest) targetDown() []*testGroup {
	ns := pt.ns
	s := pt.s
	down := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.1:" + itoa(s.Metrics.Port)}
	up := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.2:" + itoa(s.Metrics.Port)}
	on := 20 * time.Minute // the first target stops answering
	at := pt.fires(on)
	return []*testGroup{{
		Name:     pt.a.Name + ": one target down fires after for:, the target still up does not",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge("up", down, 60, func(i int) float64 { return b2f(time.Duration(i)*time.Minute < on) }),
			gauge("up", up, 60, func(int) float64 { return 1 }),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.r, down))},
	}}
}

// podCrashLooping tests that a container in CrashLoopBackOff fires, one that is not stays quiet.
func (pt *platformTest) podCrashLooping() []*testGroup {
	ns := pt.ns
	s := pt.s
	looping := map[string]string{"namespace": ns, "pod": s.Name + "-a", "container": s.Name, "reason": "CrashLoopBackOff"}
	fine := map[string]string{"namespace": ns, "pod": s.Name + "-b", "container": s.Name, "reason": "CrashLoopBackOff"}
	on := 10 * time.Minute
	at := pt.fires(on)
	return []*testGroup{{
		Name:     pt.a.Name + ": a container waiting in CrashLoopBackOff fires after for:, one that is not stays quiet",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge("kube_pod_container_status_waiting_reason", looping, 60, func(i int) float64 { return b2f(time.Duration(i)*time.Minute >= on) }),
			gauge("kube_pod_container_status_waiting_reason", fine, 60, func(int) float64 { return 0 }),
			pt.signal(60),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.r, looping))},
	}}
}

// databaseStorageLow tests that just under a tenth of storage free fires, just over stays quiet.
func (pt *platformTest) databaseStorageLow() []*testGroup {
	s := pt.s
	m := pt.m
	e := pt.e
	id := spec.DatabaseIdentifier(m.Platform, e, s)
	floor := 0.1 * float64(s.Database.StorageGB) * (1 << 30)
	labels := map[string]string{spec.RDSFreeStorage.Label: id, "job": spec.CloudWatchExporterName, "name": id, "region": e.Region}
	at := pt.fires(0)
	return []*testGroup{{
		Name:     pt.a.Name + ": just under 10% free fires after for:",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge(spec.RDSFreeStorage.Series, labels, 40, func(int) float64 { return 0.99 * floor }),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.r, labels))},
	}, {
		Name:     pt.a.Name + ": just over 10% free stays quiet",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge(spec.RDSFreeStorage.Series, labels, 40, func(int) float64 { return 1.01 * floor }),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at + evalEvery)},
	}}
}

// databasePoolSaturated tests that a pool 91% in use fires, 89% stays quiet.
func (pt *platformTest) databasePoolSaturated() []*testGroup {
	ns := pt.ns
	s := pt.s
	labels := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.1:" + itoa(s.Metrics.Port)}
	at := pt.fires(0)
	pool := func(used float64) []inputSeries {
		return []inputSeries{
			gauge("db_pool_acquired_connections", labels, 40, func(int) float64 { return used }),
			gauge("db_pool_max_connections", labels, 40, func(int) float64 { return 100 }),
		}
	}
	return []*testGroup{{
		Name:           pt.a.Name + ": 91 of 100 connections in use fires after for:",
		Interval:       "1m",
		InputSeries:    pool(91),
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.r, nil))},
	}, {
		Name:           pt.a.Name + ": 89 of 100 stays quiet",
		Interval:       "1m",
		InputSeries:    pool(89),
		AlertRuleTests: []alertRuleTest{pt.check(at + evalEvery)},
	}}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func itoa(i int) string { return fnum(float64(i)) }
