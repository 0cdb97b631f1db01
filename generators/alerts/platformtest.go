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
	s := a.Service
	r := a.RulesIn(e)[0]
	ns := spec.Namespace(s)
	// A condition that turns true at evaluation `on` fires at on+for, on
	// the evaluation grid; the tests look one evaluation either side.
	fires := func(on time.Duration) time.Duration { return on + roundUp(r.For, evalEvery) }
	check := func(at time.Duration, exp ...expAlert) alertRuleTest {
		if exp == nil {
			exp = []expAlert{}
		}
		return alertRuleTest{EvalTime: dur(at), Alertname: a.Name, ExpAlerts: exp}
	}
	gauge := func(name string, labels map[string]string, steps int, values func(i int) float64) inputSeries {
		incs := make([]float64, steps)
		prev := values(0)
		for i := 1; i <= steps; i++ {
			v := values(i)
			incs[i-1] = v - prev
			prev = v
		}
		return inputSeries{Series: seriesName(name, labels), Values: seriesValues(values(0), incs)}
	}
	switch a.Kind {
	case alerting.KindTargetDown:
		down := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.1:" + itoa(s.Metrics.Port)}
		up := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.2:" + itoa(s.Metrics.Port)}
		on := 20 * time.Minute // the first target stops answering
		at := fires(on)
		return []*testGroup{{
			Name:     a.Name + ": one target down fires after for:, the target still up does not",
			Interval: "1m",
			InputSeries: []inputSeries{
				gauge("up", down, 60, func(i int) float64 { return b2f(time.Duration(i)*time.Minute < on) }),
				gauge("up", up, 60, func(int) float64 { return 1 }),
			},
			AlertRuleTests: []alertRuleTest{check(at - evalEvery), check(at+evalEvery, expected(am, e, a, r, down))},
		}}
	case alerting.KindPodCrashLooping:
		looping := map[string]string{"namespace": ns, "pod": s.Name + "-a", "container": s.Name, "reason": "CrashLoopBackOff"}
		fine := map[string]string{"namespace": ns, "pod": s.Name + "-b", "container": s.Name, "reason": "CrashLoopBackOff"}
		on := 10 * time.Minute
		at := fires(on)
		return []*testGroup{{
			Name:     a.Name + ": a container waiting in CrashLoopBackOff fires after for:, one that is not stays quiet",
			Interval: "1m",
			InputSeries: []inputSeries{
				gauge("kube_pod_container_status_waiting_reason", looping, 60, func(i int) float64 { return b2f(time.Duration(i)*time.Minute >= on) }),
				gauge("kube_pod_container_status_waiting_reason", fine, 60, func(int) float64 { return 0 }),
			},
			AlertRuleTests: []alertRuleTest{check(at - evalEvery), check(at+evalEvery, expected(am, e, a, r, looping))},
		}}
	case alerting.KindBackupTooOld:
		// The test starts at a real date, so that backup times are real
		// timestamps: the fire case's last backup is 30 minutes short of
		// maxAge old when it starts.
		const start = 1767225600 // 2026-01-01T00:00:00Z
		maxAge := s.Database.Backup.MaxAge.Value()
		lead := 30 * time.Minute
		on := (lead/evalEvery + 1) * evalEvery // strictly older than maxAge
		at := fires(on)
		steps := int((at + 2*evalEvery) / time.Minute)
		every := max(time.Minute, (maxAge / 2).Truncate(time.Minute)) // backups that keep it young
		labels := map[string]string{"namespace": ns, "job": s.Name + "-backup"}
		return []*testGroup{{
			Name:           a.Name + ": a last backup that grows older than " + string(s.Database.Backup.MaxAge) + " fires after for:",
			Interval:       "1m",
			StartTimestamp: "2026-01-01T00:00:00Z",
			InputSeries: []inputSeries{
				gauge("backup_last_success_timestamp_seconds", labels, steps, func(int) float64 {
					return start - (maxAge - lead).Seconds()
				}),
			},
			AlertRuleTests: []alertRuleTest{check(at - evalEvery), check(at+evalEvery, expected(am, e, a, r, nil))},
		}, {
			Name:           a.Name + ": backups every " + alerting.HumanDuration(every) + " keep it quiet",
			Interval:       "1m",
			StartTimestamp: "2026-01-01T00:00:00Z",
			InputSeries: []inputSeries{
				gauge("backup_last_success_timestamp_seconds", labels, steps, func(i int) float64 {
					t := time.Duration(i) * time.Minute
					return start + (t / every * every).Seconds()
				}),
			},
			AlertRuleTests: []alertRuleTest{check(at + evalEvery)},
		}}
	case alerting.KindDatabaseStorageLow:
		id := spec.DatabaseIdentifier(m.Platform, e, s)
		floor := 0.1 * float64(s.Database.StorageGB) * (1 << 30)
		labels := map[string]string{"dimension_DBInstanceIdentifier": id, "job": "cloudwatch"}
		at := fires(0)
		return []*testGroup{{
			Name:     a.Name + ": just under 10% free fires after for:",
			Interval: "1m",
			InputSeries: []inputSeries{
				gauge("aws_rds_free_storage_space_average", labels, 40, func(int) float64 { return 0.99 * floor }),
			},
			AlertRuleTests: []alertRuleTest{check(at - evalEvery), check(at+evalEvery, expected(am, e, a, r, labels))},
		}, {
			Name:     a.Name + ": just over 10% free stays quiet",
			Interval: "1m",
			InputSeries: []inputSeries{
				gauge("aws_rds_free_storage_space_average", labels, 40, func(int) float64 { return 1.01 * floor }),
			},
			AlertRuleTests: []alertRuleTest{check(at + evalEvery)},
		}}
	case alerting.KindDatabasePoolSaturated:
		labels := map[string]string{"job": s.Name, "namespace": ns, "instance": "10.0.0.1:" + itoa(s.Metrics.Port)}
		at := fires(0)
		pool := func(used float64) []inputSeries {
			return []inputSeries{
				gauge("db_pool_acquired_connections", labels, 40, func(int) float64 { return used }),
				gauge("db_pool_max_connections", labels, 40, func(int) float64 { return 100 }),
			}
		}
		return []*testGroup{{
			Name:           a.Name + ": 91 of 100 connections in use fires after for:",
			Interval:       "1m",
			InputSeries:    pool(91),
			AlertRuleTests: []alertRuleTest{check(at - evalEvery), check(at+evalEvery, expected(am, e, a, r, nil))},
		}, {
			Name:           a.Name + ": 89 of 100 stays quiet",
			Interval:       "1m",
			InputSeries:    pool(89),
			AlertRuleTests: []alertRuleTest{check(at + evalEvery)},
		}}
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func itoa(i int) string { return fnum(float64(i)) }
