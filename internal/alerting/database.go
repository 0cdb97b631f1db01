package alerting

import (
	"fmt"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The alerts of a service's database jobs: the logical backup (pgops backup,
// CronJob spec.BackupJobName) and the restore drill (pgops drill, CronJob
// spec.DrillJobName). Both push their results to the Pushgateway with the
// grouping key job and namespace; Prometheus scrapes it with honor_labels,
// so the series keep the namespace the job pushed, and gain the
// Pushgateway's own target labels (pod, instance), which change when it is
// replaced. Every query here therefore selects by namespace and aggregates
// by namespace: one series per database, whatever the Pushgateway's pod.

// AgeQuery is the age, in seconds, of the newest timestamp metric holds for
// service s among the samples Prometheus has of the last window: the
// newest backup, or drill, that it has seen succeed. Looking back over the
// window rather than at the instant keeps a timestamp that the
// Pushgateway lost on a restart: the alert keeps firing on it until the
// window has passed, when its absent rule takes over (see stale). Alerts
// and dashboard panels both plot it.
func AgeQuery(s *spec.Service, metric string, window spec.Duration) string {
	return fmt.Sprintf(`time() - max by (namespace) (last_over_time(%s{namespace=%q}[%s]))`, metric, spec.Namespace(s), string(window))
}

// stale holds while the newest timestamp of metric that Prometheus has seen
// in the last maxAge is older than maxAge. While it has seen none in that
// time (a job that stopped pushing, or never ran) the alert's absent rule
// fires instead (jobSignal): the two split the window between them (it
// holds a sample or it does not), and both give one series labelled with
// the namespace alone, the first by its aggregation and the second from
// its selector's equality matcher.
func stale(s *spec.Service, metric string, maxAge spec.Duration) string {
	return fmt.Sprintf("%s > %s", AgeQuery(s, metric, maxAge), Num(maxAge.Value().Seconds()))
}

// jobSignal is the signal of a database job's alert: metric, pushed for the
// service's namespace.
func jobSignal(s *spec.Service, metric string, job *Producer) *Signal {
	return &Signal{Metric: metric, Selector: fmt.Sprintf("{namespace=%q}", spec.Namespace(s)), Producer: job}
}

// DrillResultQuery is the result of service s's newest restore drill: 1 it
// passed, 0 it failed. The lowest of the series is taken, so that a second
// copy of the Pushgateway could not hide a failure.
func DrillResultQuery(s *spec.Service) string {
	return fmt.Sprintf(`min by (namespace) (%s{namespace=%q})`, spec.MetricDrillLastRunPassed, spec.Namespace(s))
}

// newestOf is the newest timestamp metric holds for the service's namespace.
func newestOf(s *spec.Service, metric string) string {
	return fmt.Sprintf(`max by (namespace) (%s{namespace=%q})`, metric, spec.Namespace(s))
}

// pushedAt is when the Pushgateway last received a push of a job's group.
func pushedAt(s *spec.Service, job string) string {
	return fmt.Sprintf(`push_time_seconds{job=%q, namespace=%q}`, job, spec.Namespace(s))
}

// createJob is the kubectl command that runs a CronJob of namespace ns now,
// as a Job named after it and the time.
func createJob(ns, cronJob string) string {
	return fmt.Sprintf("`kubectl -n %s create job %s-$(date -u +%%m%%d%%H%%M) --from=cronjob/%s`", ns, cronJob, cronJob)
}

// noJobs says why a database job may be missing from an environment.
func noJobs(ns, cronJob string) string {
	return fmt.Sprintf("`kubectl -n %s get cronjob %s`: if there is none, the environment's release record `%s/<environment>.yaml` has no %s image yet, and the database jobs are generated only where it has one; release pgops there.",
		ns, cronJob, spec.ReleasesDir, spec.PgopsRelease)
}

// backupTooOld fires when the newest logical backup of the database is
// older than backup.maxAge, or none has been seen for that long.
func backupTooOld(s *spec.Service) *Alert {
	ns := spec.Namespace(s)
	b := s.Database.Backup
	job := spec.BackupJobName(s)
	maxAge := string(b.MaxAge)
	return withSignal(&Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertBackupTooOld),
		Kind:    KindBackupTooOld,
		Service: s,
		Summary: fmt.Sprintf("The newest backup of %s's database is older than %s.", s.Name, maxAge),
		Meaning: fmt.Sprintf("The CronJob %s in namespace %s (schedule %q, UTC) runs `pgops backup`: a pg_dump of the database written to the environment's backup bucket, "+
			"then %s pushed to the Pushgateway (job %q). The alert fires when the newest success Prometheus has seen in the last %s is older than %s "+
			"(the spec's database.backup.maxAge), or when it has seen none in that time: the job failed, did not run, does not exist in this environment, "+
			"or could not reach the Pushgateway. The AWS Backup snapshots of the RDS instance and its point-in-time recovery are other copies, made apart from this job; this alert does not watch them.",
			job, ns, b.Schedule, spec.MetricBackupLastSuccess, spec.BackupMetricsJob, maxAge, maxAge),
		Impact: fmt.Sprintf("A restore from the logical backups now would lose more than %s of writes, and the weekly restore drill restores that old dump. "+
			"The snapshots and point-in-time recovery may still be current: the database's recovery page says where they are.", maxAge),
		Diagnosis: []Query{
			{"Age of the newest backup, in hours", fmt.Sprintf("(%s) / 3600", AgeQuery(s, spec.MetricBackupLastSuccess, b.MaxAge))},
			{"Whether the last run failed (1: a failure after the newest success)", fmt.Sprintf("%s > bool %s",
				newestOf(s, spec.MetricBackupLastFailure), newestOf(s, spec.MetricBackupLastSuccess))},
			{"When the Pushgateway last received a push of the backup job (Unix time)", pushedAt(s, spec.BackupMetricsJob)},
			{"Size of the newest backup, in MiB (a sudden drop means a dump of less than the database)", fmt.Sprintf("%s / 2^20", newestOf(s, spec.MetricBackupSize))},
		},
		Mitigation: []string{
			noJobs(ns, job),
			fmt.Sprintf("`kubectl -n %s get jobs --sort-by=.metadata.creationTimestamp`, then `kubectl -n %s logs job/<the newest %s job>`: pgops ends a failed run with one line saying what failed (credentials, the database, pg_dump, the bucket).", ns, ns, job),
			fmt.Sprintf("Take a backup now, once the cause is fixed: %s, and wait for it: `kubectl -n %s wait --for=condition=complete job/<that job> --timeout=1h`.", createJob(ns, job), ns),
			fmt.Sprintf("If the job completed but the alert stays, the push did not arrive: check the Pushgateway (`kubectl -n monitoring get pods` for %s) and the query of its last push above.", spec.PushgatewayName),
			"Until a backup succeeds, rely on the AWS Backup snapshots and point-in-time recovery; the recovery page of the database lists them, with the commands to check they are current.",
		},
		Panel: PanelBackupAge,
		Rules: []*Rule{{
			Expr:        stale(s, spec.MetricBackupLastSuccess, b.MaxAge),
			For:         10 * time.Minute,
			Severity:    spec.SeverityTicket,
			Description: fmt.Sprintf("No backup of %s's database has succeeded for more than %s.", s.Name, maxAge),
		}},
	}, jobSignal(s, spec.MetricBackupLastSuccess, backupJob))
}

// restoreDrillFailed fires when the newest restore drill failed: the newest
// dump did not download, restore or verify. It pages, by the environment's
// alerting.page: it is the one alert that says the backups would not bring
// the data back.
func restoreDrillFailed(s *spec.Service) *Alert {
	ns := spec.Namespace(s)
	d := s.Database.Drill
	job := spec.DrillJobName(s)
	return &Alert{
		Name: spec.PlatformAlertName(s, spec.AlertRestoreDrillFailed),
		// The drill's result and its success timestamp come from one push:
		// when they stop, RestoreDrillOverdue's absent rule opens the one
		// ticket, and this page, which cannot fire meanwhile, adds none.
		Signal:          jobSignal(s, spec.MetricDrillLastRunPassed, drillJob),
		AbsentWatchedBy: spec.PlatformAlertName(s, spec.AlertRestoreDrillOverdue),
		Kind:            KindRestoreDrillFailed,
		Service:         s,
		Summary:         fmt.Sprintf("The restore drill of %s's database failed: its newest backup did not restore and verify.", s.Name),
		Meaning: fmt.Sprintf("The CronJob %s in namespace %s (schedule %q, UTC) runs `pgops drill`: it downloads the newest dump from the backup bucket, checks it against its manifest, "+
			"restores it into a scratch PostgreSQL, and compares the migration version, the row count of every table and a checksum of sample rows with the figures the backup recorded. "+
			"It pushes %s to the Pushgateway (job %q) after every run: 1 when it passed, 0 when it failed. The newest run failed.",
			job, ns, d.Schedule, spec.MetricDrillLastRunPassed, spec.DrillMetricsJob),
		Impact: "Nothing proves that the logical backups can bring the data back: a restore from them now would likely fail or restore wrong data. " +
			"Users notice nothing until a restore is needed; the snapshots and point-in-time recovery are separate copies the drill does not test.",
		Diagnosis: []Query{
			{"Result of the newest drill (1 passed, 0 failed)", DrillResultQuery(s)},
			{"When the drill last failed (Unix time)", newestOf(s, spec.MetricDrillLastFailure)},
			{"When it last passed (Unix time)", newestOf(s, spec.MetricDrillLastSuccess)},
			{"Age of the newest backup, in hours: the drill restores that one", fmt.Sprintf("(%s) / 3600", AgeQuery(s, spec.MetricBackupLastSuccess, s.Database.Backup.MaxAge))},
		},
		Mitigation: []string{
			fmt.Sprintf("Read the drill's report: `kubectl -n %s get jobs --sort-by=.metadata.creationTimestamp`, then `kubectl -n %s logs job/<the newest %s job>`. The report is Markdown; the last line says what failed.", ns, ns, job),
			"If the dump is at fault (its checksum or size differs from its manifest, pg_restore fails, or the migration version, row counts or sample checksums differ), the backups cannot be trusted: take a backup now and run the drill again, as below, and treat it as an incident if it fails again.",
			fmt.Sprintf("If the drill itself failed (no access to the bucket, no room in its scratch volume, out of memory, no newest backup), fix that; the dump was not tested. With no recent backup, start from the %s runbook.",
				spec.PlatformAlertName(s, spec.AlertBackupTooOld)),
			fmt.Sprintf("Run it again: %s; the alert clears when a drill passes.", createJob(ns, job)),
			"Meanwhile, rely on the AWS Backup snapshots and point-in-time recovery; the recovery page of the database lists them.",
		},
		Panel: PanelDrillResult,
		Rules: []*Rule{{
			Expr:        DrillResultQuery(s) + " == 0",
			For:         5 * time.Minute,
			Severity:    spec.SeverityPage,
			Description: fmt.Sprintf("The newest restore drill of %s's database failed; a restore from its logical backups is not proven to work.", s.Name),
		}},
	}
}

// restoreDrillOverdue fires when no restore drill has passed for longer
// than drill.maxAge, or none has been seen for that long. It is a ticket:
// the proof is missing, nothing is known to be broken (a failed drill
// pages, and BackupTooOld watches the backups themselves), and running the
// drill, which fixes it, can wait for working hours.
func restoreDrillOverdue(s *spec.Service) *Alert {
	ns := spec.Namespace(s)
	d := s.Database.Drill
	job := spec.DrillJobName(s)
	maxAge := string(d.MaxAge)
	return withSignal(&Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertRestoreDrillOverdue),
		Kind:    KindRestoreDrillOverdue,
		Service: s,
		Summary: fmt.Sprintf("No restore drill of %s's database has passed in %s.", s.Name, maxAge),
		Meaning: fmt.Sprintf("The CronJob %s in namespace %s (schedule %q, UTC) restores and verifies the newest backup, then pushes %s to the Pushgateway (job %q) when it passes. "+
			"The alert fires when the newest pass Prometheus has seen in the last %s is older than %s (the spec's database.drill.maxAge), or when it has seen none in that time: "+
			"the drill has not run, keeps failing, does not exist in this environment, or could not reach the Pushgateway.",
			job, ns, d.Schedule, spec.MetricDrillLastSuccess, spec.DrillMetricsJob, maxAge, maxAge),
		Impact: fmt.Sprintf("Nothing has proved for more than %s that the newest backup restores: a broken backup would go unnoticed until it is needed.", maxAge),
		Diagnosis: []Query{
			{"Age of the newest passed drill, in days", fmt.Sprintf("(%s) / 86400", AgeQuery(s, spec.MetricDrillLastSuccess, d.MaxAge))},
			{"Result of the newest drill (1 passed, 0 failed)", DrillResultQuery(s)},
			{"When the Pushgateway last received a push of the drill (Unix time)", pushedAt(s, spec.DrillMetricsJob)},
		},
		Mitigation: []string{
			noJobs(ns, job),
			fmt.Sprintf("`kubectl -n %s describe cronjob %s`: its last schedule time and events say whether it ran; `kubectl -n %s get jobs --sort-by=.metadata.creationTimestamp` lists its runs.", ns, job, ns),
			fmt.Sprintf("If the drills run and fail, %s fires too: follow its runbook.", spec.PlatformAlertName(s, spec.AlertRestoreDrillFailed)),
			fmt.Sprintf("Run a drill now: %s, and read its report with `kubectl -n %s logs -f job/<that job>`.", createJob(ns, job), ns),
			fmt.Sprintf("If drills pass but the alert stays, the push did not arrive: check the Pushgateway (`kubectl -n monitoring get pods` for %s) and the query of its last push above.", spec.PushgatewayName),
		},
		Panel: PanelDrillAge,
		Rules: []*Rule{{
			Expr:        stale(s, spec.MetricDrillLastSuccess, d.MaxAge),
			For:         10 * time.Minute,
			Severity:    spec.SeverityTicket,
			Description: fmt.Sprintf("No restore drill of %s's database has passed for more than %s.", s.Name, maxAge),
		}},
	}, jobSignal(s, spec.MetricDrillLastSuccess, drillJob))
}
