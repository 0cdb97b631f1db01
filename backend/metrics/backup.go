package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Grouping key "job" of the database jobs' pushes; they equal
// spec.BackupMetricsJob and spec.DrillMetricsJob, which the alerts select.
const (
	BackupJob = "backup"
	DrillJob  = "restore-drill"
)

// The families of the database jobs (backend/cmd/pgops). The jobs are batch
// jobs, gone before Prometheus could scrape them, so they push these to the
// Pushgateway, grouped by job ("backup" or "restore-drill") and the service's
// namespace. The names equal the spec.Metric* constants of the main module,
// which the generated alerts (BackupTooOld, the drill alerts) and dashboards
// query; a test there compares them, since this module cannot import it.
const (
	backupLastSuccess = "backup_last_success_timestamp_seconds"
	backupSize        = "backup_size_bytes"
	backupDuration    = "backup_duration_seconds"
	backupLastFailure = "backup_last_failure_timestamp_seconds"

	drillLastRunSuccess = "restore_drill_last_run_success"
	drillLastSuccess    = "restore_drill_last_success_timestamp_seconds"
	drillLastFailure    = "restore_drill_last_failure_timestamp_seconds"
	drillDuration       = "restore_drill_duration_seconds"
	drillRPO            = "restore_drill_rpo_seconds"
)

// Backup is what the backup job reports about the newest logical backup of
// the service's database. The generated BackupTooOld alert and the
// dashboard's backup panels read these in the service's namespace; the
// spec's backup.maxAge is the alert's threshold.
//
// A job pushes only the gauges of what happened ([Backup.Completed] or
// [Backup.Failed]) with the Pushgateway's POST, which replaces just those: a
// failed run then leaves the last success timestamp, the one the alert
// reads, as it was.
type Backup struct {
	lastSuccess, size, duration, lastFailure prometheus.Gauge
}

// NewBackup registers the backup gauges on reg.
func NewBackup(reg prometheus.Registerer) *Backup {
	b := &Backup{
		lastSuccess: gauge(backupLastSuccess, "Unix time at which the newest backup of the service's database completed."),
		size:        gauge(backupSize, "Size in bytes of the newest backup of the service's database (the pg_dump custom-format file)."),
		duration:    gauge(backupDuration, "Seconds the newest backup of the service's database took, from snapshot to upload."),
		lastFailure: gauge(backupLastFailure, "Unix time at which a backup of the service's database last failed."),
	}
	reg.MustRegister(b.lastSuccess, b.size, b.duration, b.lastFailure)
	return b
}

// Succeeded records a backup that completed at t.
func (b *Backup) Succeeded(t time.Time) {
	b.lastSuccess.Set(unix(t))
}

// Completed records a backup that completed at t, size bytes long, after
// took, and returns the collectors to push for it.
func (b *Backup) Completed(t time.Time, size int64, took time.Duration) []prometheus.Collector {
	b.Succeeded(t)
	b.size.Set(float64(size))
	b.duration.Set(took.Seconds())
	return []prometheus.Collector{b.lastSuccess, b.size, b.duration}
}

// Failed records a backup that failed at t and returns the collector to push
// for it.
func (b *Backup) Failed(t time.Time) []prometheus.Collector {
	b.lastFailure.Set(unix(t))
	return []prometheus.Collector{b.lastFailure}
}

// Drill is what the restore drill reports: whether the newest backup
// restored into a scratch PostgreSQL and held the data the backup recorded,
// how long the restore took (the recovery time, RTO) and how old the data it
// restored was (the recovery point, RPO). The drill alerts read
// restore_drill_last_run_success (it failed) and
// restore_drill_last_success_timestamp_seconds (it is overdue).
//
// Like [Backup], a run pushes only the gauges of its outcome: a failure keeps
// the last success's timestamp, RTO and RPO.
type Drill struct {
	lastRunSuccess, lastSuccess, lastFailure, duration, rpo prometheus.Gauge
}

// NewDrill registers the restore drill gauges on reg.
func NewDrill(reg prometheus.Registerer) *Drill {
	d := &Drill{
		lastRunSuccess: gauge(drillLastRunSuccess, "1 if the newest restore drill of the service's database passed, 0 if it failed."),
		lastSuccess:    gauge(drillLastSuccess, "Unix time at which a restore drill of the service's database last passed."),
		lastFailure:    gauge(drillLastFailure, "Unix time at which a restore drill of the service's database last failed."),
		duration:       gauge(drillDuration, "Seconds the last passing restore drill took to download, restore and verify the backup (the recovery time, RTO)."),
		rpo:            gauge(drillRPO, "Age in seconds of the data the last passing restore drill restored, at the time of the drill (the recovery point, RPO)."),
	}
	reg.MustRegister(d.lastRunSuccess, d.lastSuccess, d.lastFailure, d.duration, d.rpo)
	return d
}

// Passed records a drill that passed at t, having restored in rto data rpo
// old, and returns the collectors to push for it.
func (d *Drill) Passed(t time.Time, rto, rpo time.Duration) []prometheus.Collector {
	d.lastRunSuccess.Set(1)
	d.lastSuccess.Set(unix(t))
	d.duration.Set(rto.Seconds())
	d.rpo.Set(rpo.Seconds())
	return []prometheus.Collector{d.lastRunSuccess, d.lastSuccess, d.duration, d.rpo}
}

// Failed records a drill that failed at t and returns the collectors to push
// for it.
func (d *Drill) Failed(t time.Time) []prometheus.Collector {
	d.lastRunSuccess.Set(0)
	d.lastFailure.Set(unix(t))
	return []prometheus.Collector{d.lastRunSuccess, d.lastFailure}
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

// unix is t as fractional Unix seconds, the unit of Prometheus timestamps
// and of time().
func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
