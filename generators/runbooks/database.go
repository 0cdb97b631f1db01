package runbooks

import (
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The recovery page of a service's database: what is backed up where in
// every environment, on which schedule and for how long, and the commands
// for that database, with its real names. The judgement (when to restore,
// from which copy, who decides, how to cut over) is written by hand in
// spec.RestoreDrillDoc, which the page links; every fact here comes from the
// specs, so that a change of schedule or retention changes the page.

// databaseAlertKinds are the alerts whose runbooks link the recovery page
// and the restore procedure.
var databaseAlertKinds = map[string]bool{
	alerting.KindBackupTooOld:        true,
	alerting.KindRestoreDrillFailed:  true,
	alerting.KindRestoreDrillOverdue: true,
}

// recoveryLinks is the paragraph that sends the reader of a database
// alert's runbook to the recovery page and the restore procedure.
func recoveryLinks(d *markdown.Doc, a *alerting.Alert) {
	s := a.Service
	from := spec.RunbookPath(s, a.Name)
	d.Para(fmt.Sprintf("Where each environment keeps %s's backups, with the commands to list them, take one, run the drill and restore: %s. "+
		"When to restore, from which copy, who decides and how to cut over: %s.",
		markdown.Code(s.Name), markdown.Link("the database's recovery page", markdown.Rel(from, spec.DatabaseRunbookPath(s))),
		markdown.Link(markdown.Esc(spec.RestoreDrillDoc), markdown.Rel(from, spec.RestoreDrillDoc))))
}

// databaseOrigins are what the recovery page is made from: the service
// spec, the platform (name, region, teams), every environment (its
// account, region, cluster and database policy) and every release record,
// which says whether the database jobs run there.
func databaseOrigins(m *spec.Model, s *spec.Service) []engine.Origin {
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: m.Platform.Source.Path, Fields: []string{"name", "cloud", "owner", "teams"}}}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"name", "account", "region", "cluster", "database"}})
		if r := m.Releases[e.Name]; r != nil && r.Source != nil {
			origins = append(origins, engine.Origin{Spec: r.Source.Path})
		}
	}
	return origins
}

// restoredIdentifier is the identifier the page gives a restored instance:
// the database's with "-restored", cut to RDS's 63 characters.
func restoredIdentifier(id string) string {
	const suffix = "-restored"
	if len(id)+len(suffix) > 63 {
		id = strings.TrimRight(id[:63-len(suffix)], "-")
	}
	return id + suffix
}

// databasePage is the Markdown of service s's recovery page.
func databasePage(m *spec.Model, am *alerting.Model, s *spec.Service) []byte {
	p := m.Platform
	db := s.Database
	ns := spec.Namespace(s)
	team := p.Teams[s.Team]
	from := spec.DatabaseRunbookPath(s)
	alertLink := func(kind string) string {
		name := spec.PlatformAlertName(s, kind)
		return markdown.Link(markdown.Esc(name), markdown.Rel(from, spec.RunbookPath(s, name)))
	}

	var d markdown.Doc
	d.Heading(1, fmt.Sprintf("Database of %s: backups and recovery", markdown.Esc(s.Name)))
	d.Para(fmt.Sprintf("What is backed up where, in every environment, and the commands for %s's database. When to restore, from which copy, who decides and how to cut over: %s.",
		markdown.Code(s.Name), markdown.Link(markdown.Esc(spec.RestoreDrillDoc), markdown.Rel(from, spec.RestoreDrillDoc))))
	d.List(
		fmt.Sprintf("Service %s (namespace %s), owned by team %s: Slack %s, PagerDuty service %s. Defined by %s.",
			markdown.Code(s.Name), markdown.Code(ns), markdown.Esc(s.Team), markdown.Code(team.Slack), markdown.Code(team.PagerDuty), markdown.Code(s.Source.Path)),
		fmt.Sprintf("PostgreSQL %s, database %s, owned by user %s, who signs in with RDS IAM authentication.",
			markdown.Esc(db.Version), markdown.Code(spec.DatabaseName(s)), markdown.Code(spec.DatabaseUser(s))),
		fmt.Sprintf("Alerts: %s, %s and %s.", alertLink(spec.AlertBackupTooOld), alertLink(spec.AlertRestoreDrillFailed), alertLink(spec.AlertRestoreDrillOverdue)),
	)

	d.Heading(2, "Copies and schedules")
	d.Para("Schedules are cron expressions in UTC. The three copies are independent: a failure of one leaves the others.")
	d.Table([]string{"Copy", "Made by", "Schedule", "Kept", "Watched by"}, [][]string{
		{"RDS automated backups (point-in-time recovery)", "RDS", "continuous", fmt.Sprintf("the environment's %s (below)", markdown.Code("database.backupRetentionDays")), "no generated alert"},
		{"AWS Backup snapshots", "the AWS Backup plan of the instance", markdown.Code(db.Backup.AWSSchedule()), days(db.Backup.RetentionDays), "no generated alert"},
		{"Logical dumps: pg_dump custom format, each with a JSON manifest", fmt.Sprintf("CronJob %s (%s)", markdown.Code(spec.BackupJobName(s)), markdown.Code("pgops backup")), markdown.Code(db.Backup.Schedule),
			days(db.Backup.RetentionDays) + " (the bucket's lifecycle)", fmt.Sprintf("%s, after %s", alertLink(spec.AlertBackupTooOld), markdown.Esc(string(db.Backup.MaxAge)))},
		{"Restore drill of the newest dump", fmt.Sprintf("CronJob %s (%s)", markdown.Code(spec.DrillJobName(s)), markdown.Code("pgops drill")), markdown.Code(db.Drill.Schedule),
			"its report, in the job's log", fmt.Sprintf("%s; %s, after %s", alertLink(spec.AlertRestoreDrillFailed), alertLink(spec.AlertRestoreDrillOverdue), markdown.Esc(string(db.Drill.MaxAge)))},
	})
	d.Para(fmt.Sprintf("A dump is %s in the bucket, beside its manifest %s (time, database, server version, migration version, row count and sample checksum of every table, size and sha256 of the dump); "+
		"the newest has the greatest key. The drill restores the newest into a scratch PostgreSQL, checks it against its manifest, and reports the time it took (RTO) and the age of the data (RPO).",
		markdown.Code("<UTC time as 20060102T150405Z>.dump"), markdown.Code("<same>.json")))

	for _, e := range m.Environments {
		environmentSection(&d, m, e, s)
	}
	return d.Bytes()
}

// environmentSection writes what environment e keeps of s's database, and
// the commands there.
func environmentSection(d *markdown.Doc, m *spec.Model, e *spec.Environment, s *spec.Service) {
	p := m.Platform
	db := s.Database
	ns := spec.Namespace(s)
	id := spec.DatabaseIdentifier(p, e, s)
	bucket := spec.BackupBucketName(p, e, s)
	region := e.Region
	backupJob, drillJob := spec.BackupJobName(s), spec.DrillJobName(s)

	d.Heading(2, markdown.Esc(e.Name))
	jobs := fmt.Sprintf("The backup and drill CronJobs run here: %s records the %s image.", markdown.Code(releasePath(e)), markdown.Code(spec.PgopsRelease))
	if m.PgopsDigest(e) == "" {
		why := fmt.Sprintf("%s records no %s image", markdown.Code(releasePath(e)), markdown.Code(spec.PgopsRelease))
		if m.Releases[e.Name] == nil {
			why = fmt.Sprintf("there is no release record %s", markdown.Code(releasePath(e)))
		}
		jobs = fmt.Sprintf("The backup and drill CronJobs are not deployed here: %s, and %s and %s fire until they are. The snapshots and point-in-time recovery are made all the same.",
			why, markdown.Esc(spec.PlatformAlertName(s, spec.AlertBackupTooOld)), markdown.Esc(spec.PlatformAlertName(s, spec.AlertRestoreDrillOverdue)))
	}
	d.List(
		fmt.Sprintf("AWS account %s, region %s, cluster %s.", markdown.Code(e.Account), markdown.Code(region), markdown.Code(e.Cluster.Name)),
		fmt.Sprintf("RDS instance %s (%s%s): point-in-time recovery to any moment of the last %s (%s of %s).",
			markdown.Code(id), markdown.Code(e.Database.InstanceClass), multiAZ(e), strings.TrimPrefix(days(e.Database.BackupRetentionDays), "1 "), markdown.Code("database.backupRetentionDays"), markdown.Code(e.Source.Path)),
		fmt.Sprintf("AWS Backup vault %s: a snapshot on %s, kept %s.", markdown.Code(id), markdown.Code(db.Backup.AWSSchedule()), days(db.Backup.RetentionDays)),
		fmt.Sprintf("Backup bucket %s: the dumps and their manifests, kept %s; versioned, and the jobs may write but not delete.", markdown.Code(bucket), days(db.Backup.RetentionDays)),
		fmt.Sprintf("Connection: Secrets Manager secret %s (host, port, database, user; no password), copied into Secret %s of namespace %s.",
			markdown.Code(spec.DatabaseSecretName(e, s)), markdown.Code(spec.DatabaseK8sSecret(s)), markdown.Code(ns)),
		jobs,
	)

	d.Para("Point kubectl at the cluster:")
	d.Fence("sh", fmt.Sprintf("aws eks update-kubeconfig --name %s --region %s", e.Cluster.Name, region))

	d.Para("List the dumps, newest last, and take one now:")
	d.Fence("sh", strings.Join([]string{
		fmt.Sprintf("aws s3 ls s3://%s/ --region %s", bucket, region),
		fmt.Sprintf("kubectl -n %s create job %s-$(date -u +%%m%%d%%H%%M) --from=cronjob/%s", ns, backupJob, backupJob),
		fmt.Sprintf("kubectl -n %s get jobs --sort-by=.metadata.creationTimestamp", ns),
	}, "\n"))

	d.Para("Run the restore drill now; its log is the report:")
	d.Fence("sh", strings.Join([]string{
		fmt.Sprintf("kubectl -n %s create job %s-$(date -u +%%m%%d%%H%%M) --from=cronjob/%s", ns, drillJob, drillJob),
		fmt.Sprintf("kubectl -n %s logs -f job/<that job>", ns),
	}, "\n"))

	d.Para("List the snapshots and the point-in-time recovery window:")
	d.Fence("sh", strings.Join([]string{
		fmt.Sprintf("aws backup list-recovery-points-by-backup-vault --backup-vault-name %s --region %s", id, region),
		fmt.Sprintf("aws rds describe-db-instances --db-instance-identifier %s --region %s \\", id, region),
		"  --query 'DBInstances[0].[LatestRestorableTime, DBSubnetGroup.DBSubnetGroupName, VpcSecurityGroups[].VpcSecurityGroupId, DBParameterGroups[0].DBParameterGroupName]'",
	}, "\n"))

	restored := restoredIdentifier(id)
	common := []string{
		fmt.Sprintf("  --db-instance-class %s%s \\", e.Database.InstanceClass, flag(e.Database.MultiAZ, " --multi-az")),
		"  --db-subnet-group-name <subnet group, from above> --vpc-security-group-ids <security group, from above> \\",
		"  --db-parameter-group-name <parameter group, from above> \\",
		"  --enable-iam-database-authentication" + flag(e.Database.DeletionProtection, " --deletion-protection"),
	}
	d.Para(fmt.Sprintf("Restore, beside the instance, as %s: to a point in time (or %s for the newest),", markdown.Code(restored), markdown.Code("--use-latest-restorable-time")))
	d.Fence("sh", strings.Join(append([]string{
		fmt.Sprintf("aws rds restore-db-instance-to-point-in-time --region %s \\", region),
		fmt.Sprintf("  --source-db-instance-identifier %s --target-db-instance-identifier %s \\", id, restored),
		"  --restore-time <UTC time, e.g. 2026-01-31T02:55:00Z> \\",
	}, common...), "\n"))
	d.Para("or from a snapshot of the vault (its recovery point ARN ends in the snapshot's name),")
	d.Fence("sh", strings.Join(append([]string{
		fmt.Sprintf("aws rds restore-db-instance-from-db-snapshot --region %s \\", region),
		fmt.Sprintf("  --db-snapshot-identifier <awsbackup:job-…, from the recovery point> --db-instance-identifier %s \\", restored),
	}, common...), "\n"))
	d.Para(fmt.Sprintf("or from a dump: fetch it and its manifest where you have AWS access, and check that the dump's sha256 is the manifest's; then restore it as %s from a Job made from the CronJob %s, which has the connection, as %s describes:",
		markdown.Code(spec.DatabaseUser(s)), markdown.Code(backupJob), markdown.Link(markdown.Esc(spec.RestoreDrillDoc), markdown.Rel(spec.DatabaseRunbookPath(s), spec.RestoreDrillDoc))))
	d.Fence("sh", strings.Join([]string{
		fmt.Sprintf("aws s3 cp s3://%s/<key>.dump . --region %s", bucket, region),
		fmt.Sprintf("aws s3 cp s3://%s/<key>.json . --region %s", bucket, region),
		"sha256sum <key>.dump",
		fmt.Sprintf("kubectl -n %s create job %s-restore-shell --from=cronjob/%s --dry-run=client -o yaml > restore-shell.yaml", ns, s.Name, backupJob),
	}, "\n"))
}

// releasePath is the release record of environment e.
func releasePath(e *spec.Environment) string { return spec.ReleasesDir + "/" + e.Name + ".yaml" }

// days says a number of days.
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func multiAZ(e *spec.Environment) string {
	if e.Database.MultiAZ {
		return ", Multi-AZ"
	}
	return ""
}

func flag(on bool, f string) string {
	if on {
		return f
	}
	return ""
}
