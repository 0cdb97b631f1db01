package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Backup is what a backup or restore-drill job reports: when the newest
// backup of the service's database completed. The generated BackupTooOld
// alert and the dashboard's backup panel read backup_last_success_timestamp_seconds
// in the service's namespace; the spec's backup.maxAge is the threshold.
type Backup struct {
	last prometheus.Gauge
}

// NewBackup registers backup_last_success_timestamp_seconds.
func NewBackup(reg prometheus.Registerer) *Backup {
	b := &Backup{last: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "backup_last_success_timestamp_seconds",
		Help: "Unix time at which the newest backup of the service's database completed.",
	})}
	reg.MustRegister(b.last)
	return b
}

// Succeeded records a backup that completed at t.
func (b *Backup) Succeeded(t time.Time) {
	b.last.Set(float64(t.UnixNano()) / 1e9)
}
