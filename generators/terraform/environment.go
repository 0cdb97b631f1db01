package terraform

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// environmentRoot makes environments/<env>/terraform. Each service has a
// file of its own there, service-<name>.tf: the names of its secrets and
// buckets, the access its role (and its database jobs' role) is granted,
// its database and backups, and their outputs. main.tf calls the modules
// the services share (network, cluster, secrets, storage, iam) with what
// each service's file declares, by reference: a service's edit changes its
// file and, only when what it owns changes, a line of main.tf.
func environmentRoot(in engine.Input, e *spec.Environment, every *everyService, r *renderer) []engine.File {
	m := in.Spec
	p := m.Platform
	dir := spec.TerraformDir(e)
	envSpec := e.Source.Path
	platform := engine.Origin{Spec: p.Source.Path, Fields: []string{"name", "cloud", "data"}}
	// main.tf names every service (each has a role), and calls the
	// database module of those with a database: every service spec is a
	// source of it, for those fields. A partner admitted here makes a
	// partner-keys secret, in its service's file and in main.tf's list.
	mainOrigins := []engine.Origin{platform, {Spec: envSpec}}
	for _, s := range m.Services {
		mainOrigins = append(mainOrigins, engine.Origin{Spec: s.Source.Path, Fields: []string{"name", "database", "buckets", "secrets"}})
	}
	for _, pa := range m.Partners {
		if pa.Admits(e) {
			mainOrigins = append(mainOrigins, engine.Origin{Spec: pa.Source.Path, Fields: []string{"access", "environments"}})
		}
	}

	file := func(name string, f *doc, origins ...engine.Origin) engine.File {
		return engine.File{Path: dir + "/" + name, Data: f.render(r), Origins: origins}
	}
	files := []engine.File{
		file("versions.tf", versions(map[string][2]string{"aws": {"hashicorp/aws", awsProvider}}),
			engine.Origin{Spec: envSpec}),
		file("backend.tf", backend(p, "environments/"+e.Name+"/terraform.tfstate"),
			platform, engine.Origin{Spec: envSpec, Fields: []string{"name"}}),
		file("providers.tf", providers(p, e),
			engine.Origin{Spec: p.Source.Path, Fields: []string{"name"}}, engine.Origin{Spec: envSpec, Fields: []string{"account", "region"}}),
		file("main.tf", mainTF(m, e, dir, every), mainOrigins...),
		file("outputs.tf", outputs(e), engine.Origin{Spec: envSpec}),
	}
	for _, s := range m.Services {
		if !in.Renders(s) {
			continue
		}
		origins := []engine.Origin{{Spec: s.Source.Path, Fields: []string{"name", "database", "buckets", "secrets"}},
			{Spec: envSpec}, platform}
		for _, pa := range m.PartnersOf(e, s) {
			origins = append(origins, engine.Origin{Spec: pa.Source.Path, Fields: []string{"access", "environments"}})
		}
		f := file(serviceFile(s), serviceTF(m, e, s, dir, r), origins...)
		// Its role's grants are there: the platform reviews them, as it
		// did in main.tf.
		f.Service, f.PlatformOwned = s.Name, true
		files = append(files, f)
	}
	return files
}

// serviceFile is the name of service s's file in an environment's root.
func serviceFile(s *spec.Service) string { return "service-" + s.Name + ".tf" }

// serviceLocal is the local value of service s's stores (see serviceTF),
// and serviceAccess the one of the access its roles are granted.
func serviceLocal(s *spec.Service) string  { return "service_" + ident(s.Name) }
func serviceAccess(s *spec.Service) string { return serviceLocal(s) + "_access" }

func versions(providers map[string][2]string) *doc {
	f := &doc{}
	tf := f.block("terraform")
	tf.SetAttributeValue("required_version", ctyStr(requiredTerraform))
	req := block(tf, "required_providers")
	for _, name := range slices.Sorted(maps.Keys(providers)) {
		o := &object{}
		o.set("source", str(providers[name][0]))
		o.set("version", str(providers[name][1]))
		req.SetAttributeRaw(name, o.tokens())
	}
	return f
}

// backend stores state in the platform's bucket, encrypted, with S3's own
// lock file (no DynamoDB table to manage).
func backend(p *spec.Platform, key string) *doc {
	f := &doc{}
	b := block(f.block("terraform"), "backend", "s3")
	b.SetAttributeRaw("bucket", str(p.Cloud.StateBucket))
	b.SetAttributeRaw("key", str(key))
	b.SetAttributeRaw("region", str(p.Cloud.Region))
	b.SetAttributeRaw("encrypt", boolean(true))
	b.SetAttributeRaw("use_lockfile", boolean(true))
	return f
}

// providers pins the provider to the environment's account, so that a
// credential for another account fails before anything is planned.
func providers(p *spec.Platform, e *spec.Environment) *doc {
	f := &doc{}
	aws := f.block("provider", "aws")
	aws.SetAttributeRaw("region", str(e.Region))
	aws.SetAttributeRaw("allowed_account_ids", strs([]string{e.Account}))
	tags := block(aws, "default_tags")
	// The modules tag some resources with Environment themselves; IAM tag
	// keys are case-insensitive, so the default tags use the same spelling
	// (an "environment" here would make IAM refuse the role).
	tags.SetAttributeRaw("tags", strMap(map[string]string{
		"Platform":    p.Name,
		"Environment": e.Name,
		"ManagedBy":   "groundwork",
	}))
	return f
}

// mainTF is the root's main.tf: the network and cluster, the secrets and
// buckets of every service, and the roles. What is a service's own comes
// from its file (serviceTF).
func mainTF(m *spec.Model, e *spec.Environment, dir string, every *everyService) *doc {
	d := &doc{}
	networkAndCluster(d, m.Platform, e, dir)
	buckets := secretsAndStorage(d, m, e, dir, every)
	iamModule(d, m, e, dir, every, buckets)
	return d
}

// everyService is what main.tf refers to of every service, by the names
// its file and its database module declare, alike in every environment:
// made once for all the roots, each taking copies of it (rendering a root
// sets the spaces of its tokens).
type everyService struct {
	secretNames, buckets []expr // of secretsAndStorage
	roles, jobs          object // of iamModule
	synced, connections  []expr
	planReadable         [2][]expr // of planReadableConnections
}

// newEveryService makes what main.tf refers to of m's services.
func newEveryService(m *spec.Model) *everyService {
	every := &everyService{}
	for _, s := range m.Services {
		every.secretNames = append(every.secretNames, ref("local", serviceLocal(s), "secret_names"))
		if ownsBuckets(s) {
			every.buckets = append(every.buckets, ref("local", serviceLocal(s), "buckets"))
		}
		every.roles.set(s.Name, ref("local", serviceAccess(s), "role"))
		every.synced = append(every.synced, ref("local", serviceAccess(s), "synced_secret_arns"))
		if s.Database != nil {
			db := databaseModule(s)
			every.connections = append(every.connections, ref("module", db, "connection_secret_arn"))
			every.planReadable[0] = append(every.planReadable[0], ref("module", db, "connection_secret_arn_pattern"))
			every.planReadable[1] = append(every.planReadable[1], ref("module", db, "connection_secret_kms_key_arn"))
			every.jobs.set(s.Name, ref("local", serviceAccess(s), "database_job"))
		}
	}
	return every
}

// networkAndCluster calls the network and cluster modules.
func networkAndCluster(d *doc, p *spec.Platform, e *spec.Environment, dir string) {
	azs := d.block("data", "aws_availability_zones", "available")
	azs.SetAttributeRaw("state", str("available"))

	public, private, database, _ := e.Network.Subnets() // validated
	net := module(d, "network", dir)
	net.SetAttributeRaw("name", str(p.Name+"-"+e.Name))
	net.SetAttributeRaw("cidr", str(e.Network.CIDR))
	net.SetAttributeRaw("zones", num(e.Network.Zones))
	net.SetAttributeRaw("azs", call("slice", ref("data", "aws_availability_zones", "available", "names"), num(0), num(e.Network.Zones)))
	net.SetAttributeRaw("public_subnets", prefixes(public))
	net.SetAttributeRaw("private_subnets", prefixes(private))
	net.SetAttributeRaw("database_subnets", prefixes(database))
	net.SetAttributeRaw("nat_gateways", str(e.Network.NATGateways))
	net.SetAttributeRaw("flow_logs_retention_days", num(p.Data.LogDays))

	cl := module(d, "cluster", dir)
	cl.SetAttributeRaw("name", str(e.Cluster.Name))
	cl.SetAttributeRaw("subnet_ids", ref("module", "network", "private_subnet_ids"))
	cl.SetAttributeRaw("cluster_log_retention_days", num(p.Data.LogDays))
}

// secretNames are the names of service s's secrets in e: its own, then,
// when partners reach it there, the secret of their keys (created empty:
// `groundwork partner key issue` writes the hashed keys, External Secrets
// syncs them to the service).
func secretNames(m *spec.Model, e *spec.Environment, s *spec.Service) []string {
	var names []string
	for _, n := range s.Secrets {
		names = append(names, spec.SecretName(e, s, n))
	}
	if len(m.PartnersOf(e, s)) > 0 {
		names = append(names, spec.PartnerKeysSecretName(e, s))
	}
	return names
}

// ownsBuckets reports whether service s has a bucket in the storage
// module: one of its own, or its database's backups.
func ownsBuckets(s *spec.Service) bool { return len(s.Buckets) > 0 || s.Database != nil }

// secretsAndStorage calls the secrets module for every declared secret
// and the storage module for every bucket, when there are any, with the
// names each service's file declares. It reports whether there are
// buckets.
func secretsAndStorage(d *doc, m *spec.Model, e *spec.Environment, dir string, every *everyService) bool {
	p := m.Platform
	name := p.Name + "-" + e.Name
	// Alertmanager's receivers (PagerDuty routing keys, Slack webhooks) are
	// a secret of the platform's, synced into the monitoring namespace.
	names := append(copies(every.secretNames), strs([]string{spec.AlertmanagerSecretName(e)}))
	buckets := copies(every.buckets)
	sec := module(d, "secrets", dir)
	sec.SetAttributeRaw("names", call("concat", names...))
	sec.SetAttributeRaw("recovery_window_in_days", num(spec.SecretRecoveryDays(e)))
	sec.SetAttributeRaw("kms_key_alias", str(name+"-secrets"))
	if len(buckets) == 0 {
		return false
	}
	sm := module(d, "storage", dir)
	sm.SetAttributeRaw("buckets", call("merge", buckets...))
	// Every bucket logs its requests there; the logs are kept as long as
	// the platform's other logs (docs/data-retention.md).
	sm.SetAttributeRaw("access_log_bucket", str(spec.AccessLogBucketName(p, e)))
	sm.SetAttributeRaw("access_log_expire_days", num(p.Data.LogDays))
	sm.SetAttributeRaw("kms_key_alias", str(name+"-storage"))
	return true
}

// iamModule calls the iam module: the plan and apply roles of the
// environment, and a role per service scoped to its own secrets and
// buckets, which the service's file declares.
func iamModule(d *doc, m *spec.Model, e *spec.Environment, dir string, every *everyService, buckets bool) {
	p := m.Platform
	iam := module(d, "iam", dir)
	iam.SetAttributeRaw("repository", str(p.Repository))
	iam.SetAttributeRaw("create_github_oidc_provider", boolean(firstInAccount(m, e)))
	envs := &object{}
	roles := &object{}
	roles.set("plan_role_name", str(spec.PlanRoleName(p, e)))
	roles.set("apply_role_name", str(spec.ApplyRoleName(p, e)))
	envs.set(spec.DeployEnvironment(e), roles.tokens())
	iam.SetAttributeRaw("environments", envs.tokens())
	iam.SetAttributeRaw("state_bucket_arn", str("arn:aws:s3:::"+p.Cloud.StateBucket))
	planReadableConnections(iam, every)
	iam.SetAttributeRaw("eks_oidc_provider_arn", ref("module", "cluster", "oidc_provider_arn"))
	iam.SetAttributeRaw("eks_oidc_issuer", ref("module", "cluster", "oidc_issuer"))
	svcs := every.roles.copy()
	synced := copies(every.synced)
	connections := copies(every.connections)
	// External Secrets Operator syncs every declared secret and every
	// database's connection into the cluster: it may read exactly those,
	// and nothing else (not the databases' master secrets).
	synced = append(synced, tuple(ref("module", "secrets", "secret_arns", index(spec.AlertmanagerSecretName(e)))))
	if len(connections) > 0 {
		synced = append(synced, tuple(connections...))
	}
	o := &object{}
	o.set("role_name", str(spec.ExternalSecretsRoleName(p, e)))
	o.set("namespace", str(spec.ExternalSecretsNamespace))
	o.set("service_account", str(spec.ExternalSecretsServiceAccount))
	o.set("secret_arns", call("concat", synced...))
	o.set("bucket_arns", tuple())
	svcs.set(spec.ExternalSecretsNamespace, o.tokens())
	iam.SetAttributeRaw("services", svcs.tokens())
	// Per database, its service's entry (databaseJob, in the service's
	// file).
	if len(every.jobs.attrs) > 0 {
		iam.SetAttributeRaw("database_jobs", every.jobs.copy().tokens())
	}
	cloudWatchExporterRole(iam, m, e)
	iam.SetAttributeRaw("secrets_kms_key_arn", ref("module", "secrets", "kms_key_arn"))
	if buckets {
		iam.SetAttributeRaw("storage_kms_key_arn", ref("module", "storage", "kms_key_arn"))
	}
}

// serviceTF is service s's file in e's root: in locals, the names of its
// secrets and buckets, which main.tf hands to the secrets and storage
// modules, and, apart (they refer to those modules' outputs), the access
// its role and its database jobs' role are granted, which main.tf hands to
// the iam module; then its database and backups, and their outputs.
func serviceTF(m *spec.Model, e *spec.Environment, s *spec.Service, dir string, r *renderer) *doc {
	p := m.Platform
	d := &doc{}
	locals := d.commentedBlock([]string{
		"# What main.tf hands to the modules every service shares: the names of",
		"# " + s.Name + "'s secrets and buckets (secrets, storage), and the access its",
		"# roles are granted (iam).",
	}, "locals")

	names := secretNames(m, e, s)
	stores := &object{}
	stores.set("secret_names", strs(names))
	buckets := &object{}
	for _, b := range s.Buckets {
		o := &object{}
		o.set("versioning", boolean(b.Versioning))
		o.set("expire_days", num(b.ExpireDays))
		if b.Versioning {
			// Said here, not left to the module's default, because
			// docs/data-retention/<service>.md promises it.
			o.set("noncurrent_expire_days", num(spec.BucketNoncurrentDays))
		}
		buckets.set(spec.BucketName(p, e, s, b), o.tokens())
	}
	if s.Database != nil {
		buckets.set(spec.BackupBucketName(p, e, s), backupBucket(s.Database).tokens())
	}
	stores.set("buckets", buckets.tokens())
	locals.SetAttributeRaw(serviceLocal(s), stores.tokens())

	role := &object{}
	role.set("role_name", str(spec.ServiceRoleName(p, e, s)))
	role.set("namespace", str(spec.Namespace(s)))
	role.set("service_account", str(spec.ServiceAccount(s)))
	var secrets, bucketARNs, synced []expr
	for _, n := range s.Secrets {
		secrets = append(secrets, ref("module", "secrets", "secret_arns", index(spec.SecretName(e, s, n))))
	}
	for _, b := range s.Buckets {
		bucketARNs = append(bucketARNs, ref("module", "storage", "bucket_arns", index(spec.BucketName(p, e, s, b))))
	}
	for _, n := range names {
		synced = append(synced, ref("module", "secrets", "secret_arns", index(n)))
	}
	role.set("secret_arns", tuple(secrets...))
	role.set("bucket_arns", tuple(bucketARNs...))
	if s.Database != nil {
		// The service signs in to its database as its own user, with an
		// IAM token; the connection reaches it through External Secrets,
		// so it reads no secret of the database.
		role.set("db_connect_arns", tuple(ref("module", databaseModule(s), "iam_connect_arn")))
	}
	access := &object{}
	access.set("role", role.tokens())
	// External Secrets Operator reads these, to sync them to the service.
	access.set("synced_secret_arns", tuple(synced...))
	if s.Database != nil {
		access.set("database_job", databaseJob(p, e, s).tokens())
	}
	locals.SetAttributeRaw(serviceAccess(s), access.tokens())

	if s.Database != nil {
		database(d, m, e, s, dir)
		databaseOutputs(d, r, p, e, s)
	}
	return d
}

// module appends a module block calling modules/<name> (the block's label
// may differ, e.g. database_api), below comments if any, and returns its
// body.
func module(d *doc, label, dir string, comments ...string) *hclwrite.Body {
	source, _, _ := strings.Cut(label, "_")
	b := d.commentedBlock(comments, "module", label)
	b.SetAttributeRaw("source", str(modulesFrom(dir, source)))
	b.AppendNewline()
	return b
}

// firstInAccount reports whether e is the first environment (by name) in its
// AWS account: an account holds one GitHub OIDC provider, made by that root.
func firstInAccount(m *spec.Model, e *spec.Environment) bool {
	for _, o := range m.Environments {
		if o.Account == e.Account {
			return o == e
		}
	}
	return true
}

// ident turns a DNS label into a Terraform identifier part.
func ident(name string) string { return strings.ReplaceAll(name, "-", "_") }

// outputs are the root's outputs but the services' own, which are in
// their files.
func outputs(e *spec.Environment) *doc {
	d := &doc{}
	out := func(name, desc string, value expr) { output(d, name, desc, value) }
	out("vpc_id", "The environment's VPC.", ref("module", "network", "vpc_id"))
	out("cluster_name", "The EKS cluster Flux runs in.", ref("module", "cluster", "cluster_name"))
	out("cluster_endpoint", "The EKS API endpoint.", ref("module", "cluster", "cluster_endpoint"))
	out("plan_role_arn", "Role that pull-request plans assume.", ref("module", "iam", "plan_role_arns", index(spec.DeployEnvironment(e))))
	out("apply_role_arn", "Role that the deploy job assumes.", ref("module", "iam", "apply_role_arns", index(spec.DeployEnvironment(e))))
	out("service_role_arns", "IRSA role of each service, for its ServiceAccount.", ref("module", "iam", "service_role_arns"))
	return d
}

// output appends an output block.
func output(d *doc, name, desc string, value expr) {
	o := d.block("output", name)
	o.SetAttributeRaw("description", str(desc))
	o.SetAttributeRaw("value", value)
}
