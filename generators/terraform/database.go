package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// A service's database in a root: the instance with its connection secret
// (database module), AWS Backup snapshots (backup module), the bucket of its
// logical backups (storage module, in secretsAndStorage), the service's
// rds-db:connect and the role of its database jobs (iam module, in
// iamModule), and the outputs that name them.

// backupBucket is the storage module's entry of a database's backup bucket:
// versioned, current objects expiring after retentionDays.
func backupBucket(db *spec.Database) *object {
	o := &object{}
	o.set("versioning", boolean(true))
	o.set("expire_days", num(db.Backup.RetentionDays))
	o.set("noncurrent_expire_days", num(spec.BackupNoncurrentDays))
	return o
}

// databaseModule is the label of the database module call of service s.
func databaseModule(s *spec.Service) string { return "database_" + ident(s.Name) }

// database calls the database and backup modules for service s, which has
// a database.
func database(d *doc, m *spec.Model, e *spec.Environment, s *spec.Service, dir string) {
	id := spec.DatabaseIdentifier(m.Platform, e, s)
	db := module(d, databaseModule(s), dir, scannerChoices(e)...)
	db.SetAttributeRaw("identifier", str(id))
	db.SetAttributeRaw("engine_version", str(s.Database.Version))
	db.SetAttributeRaw("instance_class", str(e.Database.InstanceClass))
	db.SetAttributeRaw("allocated_storage", num(s.Database.StorageGB))
	db.SetAttributeRaw("db_name", str(spec.DatabaseName(s)))
	db.SetAttributeRaw("iam_username", str(spec.DatabaseUser(s)))
	db.SetAttributeRaw("vpc_id", ref("module", "network", "vpc_id"))
	db.SetAttributeRaw("db_subnet_group_name", ref("module", "network", "database_subnet_group_name"))
	db.SetAttributeRaw("allowed_security_group_id", ref("module", "cluster", "cluster_security_group_id"))
	db.SetAttributeRaw("multi_az", boolean(e.Database.MultiAZ))
	db.SetAttributeRaw("deletion_protection", boolean(e.Database.DeletionProtection))
	db.SetAttributeRaw("backup_retention_period", num(e.Database.BackupRetentionDays))
	db.SetAttributeRaw("log_retention_days", num(m.Platform.Data.LogDays))
	db.SetAttributeRaw("backup_tag_value", str(id))
	db.SetAttributeRaw("connection_secret_name", str(spec.DatabaseSecretName(e, s)))
	db.SetAttributeRaw("connection_secret_recovery_window_days", num(spec.SecretRecoveryDays(e)))

	bk := module(d, "backup_"+ident(s.Name), dir)
	bk.SetAttributeRaw("name", str(id))
	bk.SetAttributeRaw("schedule", str(s.Database.Backup.AWSSchedule()))
	bk.SetAttributeRaw("retention_days", num(s.Database.Backup.RetentionDays))
	bk.SetAttributeRaw("selection_tag_value", str(id))
	// A vault lock cannot be undone: only where the environment pages,
	// that is where losing backups would be an incident.
	bk.SetAttributeRaw("vault_lock", boolean(e.Alerting.Page))
}

// databaseJob is the iam module's database_jobs entry of service s: the
// role of its database's grant job, backup and restore drill.
func databaseJob(p *spec.Platform, e *spec.Environment, s *spec.Service) *object {
	db := databaseModule(s)
	o := &object{}
	o.set("role_name", str(spec.DatabaseJobsRoleName(p, e, s)))
	o.set("namespace", str(spec.Namespace(s)))
	o.set("service_account", str(spec.DatabaseJobsServiceAccount(s)))
	o.set("connection_secret_arn", ref("module", db, "connection_secret_arn"))
	o.set("master_secret_arn", ref("module", db, "master_user_secret_arn"))
	o.set("secret_kms_key_arns", tuple(ref("module", db, "connection_secret_kms_key_arn"), ref("module", db, "kms_key_arn")))
	o.set("db_connect_arn", ref("module", db, "iam_connect_arn"))
	o.set("backup_bucket_arn", ref("module", "storage", "bucket_arns", index(spec.BackupBucketName(p, e, s))))
	return o
}

// planReadableConnections sets the iam module's exemption for the
// databases' connection secrets: Terraform keeps their values (no password)
// in the state and reads them back on every refresh, which pull-request
// plans do with the plan role; the role may read them, and only them.
func planReadableConnections(iam *hclwrite.Body, every *everyService) {
	if arns := every.planReadable[0]; len(arns) > 0 {
		iam.SetAttributeRaw("plan_readable_secret_arns", tuple(copies(arns)...))
		iam.SetAttributeRaw("plan_readable_kms_key_arns", tuple(copies(every.planReadable[1])...))
	}
}

// databaseOutputs are the outputs of service s's database: where it is, its
// connection secret, its backup bucket and its jobs' role. All but the
// backup bucket's are alike in every environment.
func databaseOutputs(d *doc, r *renderer, p *spec.Platform, e *spec.Environment, s *spec.Service) {
	db := databaseModule(s)
	d.shared(r, "database outputs of "+s.Name, func(d *doc) {
		output(d, db+"_endpoint", fmt.Sprintf("PostgreSQL endpoint of %s.", s.Name), ref("module", db, "endpoint"))
		output(d, db+"_connection_secret_name", fmt.Sprintf("Secrets Manager secret holding the connection to %s's database (no password: IAM authentication).", s.Name),
			ref("module", db, "connection_secret_name"))
		output(d, db+"_connection_secret_arn", fmt.Sprintf("ARN of the connection secret of %s's database.", s.Name), ref("module", db, "connection_secret_arn"))
	})
	output(d, db+"_backup_bucket", fmt.Sprintf("S3 bucket of the logical backups of %s's database.", s.Name),
		ref("module", "storage", "bucket_ids", index(spec.BackupBucketName(p, e, s))))
	d.shared(r, "database jobs output of "+s.Name, func(d *doc) {
		output(d, db+"_jobs_role_arn", fmt.Sprintf("IRSA role of %s's database jobs (grant, backup, restore drill), for their ServiceAccount.", s.Name),
			ref("module", "iam", "database_jobs_role_arns", index(s.Name)))
	})
}
