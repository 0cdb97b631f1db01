package alerts

import (
	"fmt"
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Tests of the database jobs' alerts, with series shaped as Prometheus
// scrapes them from the Pushgateway: the job and namespace the job pushed,
// and the Pushgateway's own pod and instance, which change when it is
// replaced.

// The tests of timestamps start at a real date, so that pushed times are
// real Unix times.
const (
	testStart     = 1767225600 // 2026-01-01T00:00:00Z
	testStartTime = "2026-01-01T00:00:00Z"
)

// maxAgeLimit bounds backup.maxAge and drill.maxAge: the test that the
// alert fires once the metric has been absent for maxAge, and not before,
// runs for longer than maxAge, and a test is limited to the samples a spec
// alert's may read (maxReach).
const maxAgeLimit = maxReach

// ageMistakes reports a maxAge no test can be made for.
func ageMistakes(s *spec.Service) spec.Diagnostics {
	var ds spec.Diagnostics
	if s.Database == nil {
		return nil
	}
	for _, f := range []struct {
		path   string
		maxAge spec.Duration
	}{
		{"database.backup.maxAge", s.Database.Backup.MaxAge},
		{"database.drill.maxAge", s.Database.Drill.MaxAge},
	} {
		if f.maxAge.Value() > maxAgeLimit {
			ds = append(ds, specError(s, f.path, fmt.Errorf("%s is longer than %s: the test that the alert fires once the metric has been absent for longer than maxAge runs past maxAge, and a test is limited to %s of samples",
				string(f.maxAge), alerting.HumanDuration(maxAgeLimit), alerting.HumanDuration(maxAgeLimit))))
		}
	}
	return ds
}

// pushed are the labels of a series the job pushed to the Pushgateway for
// namespace ns, as scraped from the Pushgateway's pod number pod.
func pushed(job, ns string, pod int) map[string]string {
	return map[string]string{
		"job":       job,
		"namespace": ns,
		"pod":       fmt.Sprintf("%s-%d", spec.PushgatewayName, pod),
		"instance":  fmt.Sprintf("10.0.%d.9:%d", pod, spec.PushgatewayPort),
	}
}

// otherNamespace is a namespace that is not the service's.
func otherNamespace(ns string) string { return ns + "-other" }

func (pt *platformTest) backupTooOld() []*testGroup {
	return pt.ageTests(spec.MetricBackupLastSuccess, spec.BackupMetricsJob, pt.s.Database.Backup.MaxAge, "backup")
}

func (pt *platformTest) restoreDrillOverdue() []*testGroup {
	return pt.ageTests(spec.MetricDrillLastSuccess, spec.DrillMetricsJob, pt.s.Database.Drill.MaxAge, "passed drill")
}

// slowFires is when a condition that turns true at evaluation on (on the
// hourly grid) makes rule r fire in the slow file.
func (pt *platformTest) slowFires(r *alerting.Rule, on time.Duration) time.Duration {
	return on + roundUp(r.For, slowEvalEvery)
}

// ageTests test an alert on the age of a pushed timestamp (its stale rule)
// and its absent rule: a timestamp older than maxAge fires the first after
// for:; one that keeps being pushed stays quiet past maxAge, even when the
// Pushgateway is replaced halfway; a metric that disappears fires the
// absent rule once it has been absent for maxAge, and not before; and one
// never seen at all fires it after for:, a Prometheus with no sample of it
// having nothing to count back from. Each has another namespace's series
// beside it, which must not count.
func (pt *platformTest) ageTests(metric, job string, maxAgeSpec spec.Duration, what string) []*testGroup {
	ns := pt.ns
	maxAge := maxAgeSpec.Value()
	name := pt.a.Name
	other := pushed(job, otherNamespace(ns), 1)
	// pushes are timestamps pushed every `every`, from the start, sampled
	// every step.
	every := max(time.Minute, (maxAge / 2).Truncate(time.Minute))
	pushes := func(step time.Duration) func(i int) float64 {
		return func(i int) float64 {
			t := time.Duration(i) * step
			return testStart + (t / every * every).Seconds()
		}
	}

	// Stale: the last push is 30 minutes short of maxAge old at the start.
	// The Pushgateway loses it just after the alert fires, and the alert
	// keeps firing on the last sample Prometheus holds.
	lead := 30 * time.Minute
	on := (lead/evalEvery + 1) * evalEvery // strictly older than maxAge
	at := pt.fires(on)
	firing := expected(pt.am, pt.e, pt.a, pt.r, nil)
	steps := int((at + 3*evalEvery) / time.Minute)
	stale := &testGroup{
		Name:           fmt.Sprintf("%s: a newest %s that grows older than %s fires after for:, and keeps firing once the Pushgateway has lost it", name, what, string(maxAgeSpec)),
		Interval:       "1m",
		StartTimestamp: testStartTime,
		InputSeries: []inputSeries{
			gauge(metric, pushed(job, ns, 1), int((at+evalEvery)/time.Minute), func(int) float64 { return testStart - (maxAge - lead).Seconds() }),
			gauge(metric, other, steps, pushes(time.Minute)),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, firing), pt.check(at+3*evalEvery, firing)},
	}

	// Never seen: nothing of the service's namespace, from the start.
	absent := pt.absent
	absentFiring := expected(pt.am, pt.e, pt.a, absent, map[string]string{"namespace": ns})
	at = roundUp(absent.For, evalEvery)
	steps = int((at + 2*evalEvery) / time.Minute)
	never := &testGroup{
		Name:           fmt.Sprintf("%s: a metric Prometheus has no sample of (a job that never ran) opens the absent ticket after for:, another namespace's notwithstanding", name),
		Interval:       "1m",
		StartTimestamp: testStartTime,
		InputSeries:    []inputSeries{gauge(metric, other, steps, pushes(time.Minute))},
		AlertRuleTests: []alertRuleTest{pt.check(at - evalEvery), pt.check(at+evalEvery, absentFiring)},
	}

	// Fresh: pushed every maxAge/2 for longer than maxAge and for:, by one
	// Pushgateway pod until just before its second push, then by its
	// replacement. The first pod's timestamp grows older than maxAge while
	// Prometheus still holds it; it must not count while a newer one
	// exists. The tests of the slow file are sampled every `step`, days of
	// samples being read back at every hourly evaluation.
	g := slowEvalEvery
	step := slowStep(every)
	horizon := roundUp(maxAge+max(pt.r.For, absent.For), g) + 2*g
	steps = int(horizon / step)
	swap := max(1, int(every/step)-1)
	fresh := &testGroup{
		slow:           true,
		Name:           fmt.Sprintf("%s: a %s pushed every %s stays quiet past %s, across a new Pushgateway pod", name, what, alerting.HumanDuration(every), string(maxAgeSpec)),
		Interval:       alerting.Window(step),
		StartTimestamp: testStartTime,
		InputSeries: []inputSeries{
			gauge(metric, pushed(job, ns, 1), swap-1, pushes(step)),
			{Series: seriesName(metric, pushed(job, ns, 2)), Values: fmt.Sprintf("_x%d %s", swap, seriesValuesFrom(swap, steps, pushes(step)))},
			gauge(metric, other, steps, func(int) float64 { return testStart - 2*maxAge.Seconds() }),
		},
		AlertRuleTests: []alertRuleTest{pt.check(g), pt.check(roundUp(maxAge, g) + g), pt.check(horizon)},
	}

	// Gone: pushed at every sample until `last`, then never again (the
	// Pushgateway lost it). Absent from last on, it fires once the last
	// sample is maxAge old, and not before. last is chosen so that last +
	// maxAge falls halfway between two evaluations: no evaluation sits on
	// the edge of the range, where Prometheus 2 and 3 differ.
	last := (g/2 + (g-maxAge%g)%g).Truncate(time.Minute)
	step = slowStep(last)
	on = roundUp(last+maxAge, g)
	at = pt.slowFires(absent, on)
	steps = int((at + 2*g) / step)
	checks := []alertRuleTest{pt.check(on - g)}
	if at-g != on-g {
		checks = append(checks, pt.check(at-g))
	}
	checks = append(checks, pt.check(at+g, absentFiring))
	gone := &testGroup{
		slow:           true,
		Name:           fmt.Sprintf("%s: a metric that disappears opens the absent ticket once absent for %s, not before", name, string(maxAgeSpec)),
		Interval:       alerting.Window(step),
		StartTimestamp: testStartTime,
		InputSeries: []inputSeries{
			gauge(metric, pushed(job, ns, 1), int(last/step), func(i int) float64 { return testStart + (time.Duration(i) * step).Seconds() }),
			gauge(metric, other, steps, pushes(step)),
		},
		AlertRuleTests: checks,
	}
	return []*testGroup{stale, never, fresh, gone}
}

// slowStep is the sample step of a test in the slow file: the longest that
// divides d and the hour, up to 15 minutes, so that a sample falls on d
// and on every evaluation.
func slowStep(d time.Duration) time.Duration {
	for _, step := range []time.Duration{15 * time.Minute, 10 * time.Minute, 5 * time.Minute, 2 * time.Minute} {
		if d%step == 0 {
			return step
		}
	}
	return time.Minute
}

// seriesValuesFrom writes values(i) for i from `from` to `to`, as
// seriesValues does from 0.
func seriesValuesFrom(from, to int, values func(i int) float64) string {
	incs := make([]float64, to-from)
	prev := values(from)
	for i := from + 1; i <= to; i++ {
		v := values(i)
		incs[i-from-1] = v - prev
		prev = v
	}
	return seriesValues(values(from), incs)
}

// restoreDrillFailed tests that a drill that fails fires after for: and
// clears when the next passes, and that a passed drill stays quiet beside
// another namespace's failed one.
func (pt *platformTest) restoreDrillFailed() []*testGroup {
	ns := pt.ns
	job := spec.DrillMetricsJob
	metric := spec.MetricDrillLastRunPassed
	fail, pass := 20*time.Minute, 60*time.Minute
	at := pt.fires(fail)
	steps := int((pass + 4*evalEvery) / time.Minute)
	result := func(i int) float64 {
		t := time.Duration(i) * time.Minute
		return b2f(t < fail || t >= pass)
	}
	return []*testGroup{{
		Name:     pt.a.Name + ": a drill that fails fires after for:, the next that passes clears it",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge(metric, pushed(job, ns, 1), steps, result),
		},
		AlertRuleTests: []alertRuleTest{
			pt.check(at - evalEvery),
			pt.check(at+evalEvery, expected(pt.am, pt.e, pt.a, pt.r, nil)),
			pt.check(pass + evalEvery),
		},
	}, {
		Name:     pt.a.Name + ": a passed drill stays quiet, whatever another namespace's did",
		Interval: "1m",
		InputSeries: []inputSeries{
			gauge(metric, pushed(job, ns, 1), steps, func(int) float64 { return 1 }),
			gauge(metric, pushed(job, otherNamespace(ns), 1), steps, func(int) float64 { return 0 }),
		},
		AlertRuleTests: []alertRuleTest{pt.check(at + evalEvery)},
	}}
}
