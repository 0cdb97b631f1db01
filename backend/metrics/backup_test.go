package metrics_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// pushed gathers exactly the collectors a job would push, as the
// Pushgateway would receive them.
func pushed(t *testing.T, cs []prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(cs...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		got[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
	}
	return got
}

func TestBackupPushesOnlyItsOutcome(t *testing.T) {
	t.Parallel()
	b := metrics.NewBackup(prometheus.NewRegistry())
	at := time.Date(2026, 12, 1, 4, 30, 0, 500_000_000, time.UTC)

	got := pushed(t, b.Completed(at, 123456, 2500*time.Millisecond))
	want := map[string]float64{
		"backup_last_success_timestamp_seconds": float64(at.Unix()) + 0.5,
		"backup_size_bytes":                     123456,
		"backup_duration_seconds":               2.5,
	}
	if !maps.Equal(got, want) {
		t.Errorf("Completed pushes %v, want %v (never the failure timestamp, which would read as a failure at 0)", got, want)
	}

	got = pushed(t, b.Failed(at.Add(time.Hour)))
	want = map[string]float64{"backup_last_failure_timestamp_seconds": float64(at.Add(time.Hour).Unix()) + 0.5}
	if !maps.Equal(got, want) {
		t.Errorf("Failed pushes %v, want %v (never the success timestamp, which BackupTooOld reads)", got, want)
	}
}

func TestDrillPushesOnlyItsOutcome(t *testing.T) {
	t.Parallel()
	d := metrics.NewDrill(prometheus.NewRegistry())
	at := time.Unix(1796000000, 0)

	got := pushed(t, d.Passed(at, 42*time.Second, 26*time.Hour))
	want := map[string]float64{
		"restore_drill_last_run_success":               1,
		"restore_drill_last_success_timestamp_seconds": 1796000000,
		"restore_drill_duration_seconds":               42,
		"restore_drill_rpo_seconds":                    26 * 3600,
	}
	if !maps.Equal(got, want) {
		t.Errorf("Passed pushes %v, want %v", got, want)
	}

	got = pushed(t, d.Failed(at.Add(time.Minute)))
	want = map[string]float64{
		"restore_drill_last_run_success":               0,
		"restore_drill_last_failure_timestamp_seconds": 1796000060,
	}
	if !maps.Equal(got, want) {
		t.Errorf("Failed pushes %v, want %v (the last success, RTO and RPO stay as pushed)", got, want)
	}
}

func TestJobFamiliesAreListedAndLintClean(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.NewBackup(reg)
	metrics.NewDrill(reg)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
		if !slices.Contains(metrics.Names, mf.GetName()) {
			t.Errorf("%s is not in metrics.Names", mf.GetName())
		}
		if !strings.HasPrefix(mf.GetName(), "backup_") && !strings.HasPrefix(mf.GetName(), "restore_drill_") {
			t.Errorf("%s: the database jobs' families start with backup_ or restore_drill_", mf.GetName())
		}
	}
	if len(names) != 9 {
		t.Errorf("gathered %d families %v, want the 4 of the backup and the 5 of the drill", len(names), names)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
}
