package spec

import "strings"

// Names around a service's database, in one place so that the Terraform
// root, the Flux tree, the alerts and the backup program (backend/cmd/pgops)
// agree on them.
//
// The chain a service follows to its database: Terraform writes the
// connection (host, port, database, user; no password) to the Secrets
// Manager secret DatabaseSecretName; the ExternalSecret DatabaseK8sSecret
// copies it into the service's namespace as the libpq variables PGHOST,
// PGPORT, PGDATABASE, PGUSER and PGSSLMODE; the service signs in with RDS IAM
// authentication (DATABASE_AUTH=rds-iam), a token its IRSA role may ask for
// as exactly DatabaseUser on exactly that instance.

// DatabaseSecret is the short name of the connection secret, among the
// service's own secrets.
const DatabaseSecret = "database"

// BackupBucket is the short name of the backup bucket, among the service's
// own buckets.
const BackupBucket = "backups"

// DatabaseName is the service's PostgreSQL database: letters, digits and
// underscores, starting with a letter.
func DatabaseName(s *Service) string {
	n := strings.ReplaceAll(s.Name, "-", "_")
	if n[0] >= '0' && n[0] <= '9' {
		n = "db_" + n
	}
	return n
}

// DatabaseUser is the login role the service, its backups and its
// migrations use; it signs in with RDS IAM authentication and owns the
// database.
func DatabaseUser(s *Service) string { return DatabaseName(s) }

// DatabaseSecretName is the Secrets Manager secret holding the connection
// to service s's database in e: JSON with host, port, dbname, username,
// sslmode and master_secret_arn (the RDS-managed master credentials, which
// only the grant job reads).
func DatabaseSecretName(e *Environment, s *Service) string {
	return SecretName(e, s, DatabaseSecret)
}

// DatabaseK8sSecret is the Kubernetes Secret, in the service's namespace,
// that the ExternalSecret of the same name fills from DatabaseSecretName.
func DatabaseK8sSecret(s *Service) string { return s.Name + "-database" }

// BackupBucketName is the S3 bucket of service s's logical backups in e.
func BackupBucketName(p *Platform, e *Environment, s *Service) string {
	return BucketName(p, e, s, &Bucket{Name: BackupBucket})
}

// DatabaseJobsRoleName is the IAM role (IRSA) of the database jobs of
// service s in e (grant, backup, restore drill): it reads the connection and
// master secrets, connects as DatabaseUser, and writes and reads the backup
// bucket. The service's own role does none of that but connect.
func DatabaseJobsRoleName(p *Platform, e *Environment, s *Service) string {
	return ServiceRoleName(p, e, s) + "-db"
}

// DatabaseJobsServiceAccount is the ServiceAccount, in the service's
// namespace, that the database jobs run as.
func DatabaseJobsServiceAccount(s *Service) string { return s.Name + "-database" }

// Names of the database jobs, in the service's namespace.
func GrantJobName(s *Service) string  { return s.Name + "-database-grant" }
func BackupJobName(s *Service) string { return s.Name + "-backup" }
func DrillJobName(s *Service) string  { return s.Name + "-restore-drill" }

// PgopsImage is the repository of the database jobs' image.
func PgopsImage(p *Platform) string { return p.Registry + "/" + PgopsRelease }

// PgopsRelease is the key, in a release record, of the image of the
// database jobs' program (backend/cmd/pgops): built and recorded by the
// deploy workflow like a service's, so that the jobs run a reviewed digest.
const PgopsRelease = "pgops"

// Pushgateway: the database jobs are batch jobs, gone before Prometheus
// could scrape them, so they push their results to the Pushgateway the
// infrastructure layer runs in the monitoring namespace, which Prometheus
// scrapes with honor_labels (the pushed job and namespace labels stay).
const (
	PushgatewayName = "prometheus-pushgateway"
	PushgatewayPort = 9091
	PushgatewayURL  = "http://prometheus-pushgateway.monitoring.svc:9091"
)

// Metrics the database jobs push, grouped by job (BackupMetricsJob or
// DrillMetricsJob) and namespace (the service's). Alerts and dashboards
// query them by these names; backend/metrics lists them for the dashboards'
// check.
const (
	BackupMetricsJob = "backup"
	DrillMetricsJob  = "restore-drill"

	MetricBackupLastSuccess  = "backup_last_success_timestamp_seconds"
	MetricBackupSize         = "backup_size_bytes"
	MetricBackupDuration     = "backup_duration_seconds"
	MetricBackupLastFailure  = "backup_last_failure_timestamp_seconds"
	MetricDrillLastSuccess   = "restore_drill_last_success_timestamp_seconds"
	MetricDrillLastFailure   = "restore_drill_last_failure_timestamp_seconds"
	MetricDrillDuration      = "restore_drill_duration_seconds"
	MetricDrillRPO           = "restore_drill_rpo_seconds"
	MetricDrillLastRunPassed = "restore_drill_last_run_success"
)
