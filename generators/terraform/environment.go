package terraform

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// environmentRoot makes environments/<env>/terraform.
func environmentRoot(m *spec.Model, e *spec.Environment) []engine.File {
	p := m.Platform
	dir := spec.TerraformDir(e)
	envSpec := e.Source.Path
	platform := engine.Origin{Spec: p.Source.Path, Fields: []string{"name", "cloud", "data"}}
	services := servicesWithInfra(m)
	var serviceOrigins []engine.Origin
	for _, s := range services {
		serviceOrigins = append(serviceOrigins, engine.Origin{Spec: s.Source.Path, Fields: []string{"database", "buckets", "secrets"}})
	}
	// main.tf gives every service an IAM role (named after it, granted its
	// own secrets and buckets), so every service spec is a source of it,
	// not only those that own a store. A partner admitted here makes a
	// partner-keys secret in main.tf.
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
		return engine.File{Path: dir + "/" + name, Data: f.render(), Origins: origins}
	}
	return []engine.File{
		file("versions.tf", versions(map[string][2]string{"aws": {"hashicorp/aws", awsProvider}}),
			engine.Origin{Spec: envSpec}),
		file("backend.tf", backend(p, "environments/"+e.Name+"/terraform.tfstate"),
			platform, engine.Origin{Spec: envSpec, Fields: []string{"name"}}),
		file("providers.tf", providers(p, e),
			engine.Origin{Spec: p.Source.Path, Fields: []string{"name"}}, engine.Origin{Spec: envSpec, Fields: []string{"account", "region"}}),
		file("main.tf", mainTF(m, e, dir), mainOrigins...),
		file("outputs.tf", outputs(m, e),
			append([]engine.Origin{{Spec: envSpec}}, serviceOrigins...)...),
	}
}

// servicesWithInfra are the services that own cloud resources.
func servicesWithInfra(m *spec.Model) []*spec.Service {
	var out []*spec.Service
	for _, s := range m.Services {
		if s.Database != nil || len(s.Buckets) > 0 || len(s.Secrets) > 0 {
			out = append(out, s)
		}
	}
	return out
}

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
// buckets of every service, their databases with backups, and the roles.
func mainTF(m *spec.Model, e *spec.Environment, dir string) *doc {
	d := &doc{}
	networkAndCluster(d, m.Platform, e, dir)
	stores := secretsAndStorage(d, m, e, dir)
	databases(d, m, e, dir)
	iamModule(d, m, e, dir, stores)
	return d
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

// stores is what the secrets and storage modules of a root hold, for the
// roles that are granted them.
type stores struct {
	secretNames []string
	buckets     int
}

// secretsAndStorage calls the secrets module for every declared secret and
// the storage module for every bucket, when there are any.
func secretsAndStorage(d *doc, m *spec.Model, e *spec.Environment, dir string) stores {
	p := m.Platform
	name := p.Name + "-" + e.Name
	var st stores
	buckets := &object{}
	for _, s := range m.Services {
		for _, n := range s.Secrets {
			st.secretNames = append(st.secretNames, spec.SecretName(e, s, n))
		}
		if len(m.PartnersOf(e, s)) > 0 {
			// Created empty: `groundwork partner key issue` writes the
			// hashed keys, External Secrets syncs them to the service.
			st.secretNames = append(st.secretNames, spec.PartnerKeysSecretName(e, s))
		}
		for _, b := range s.Buckets {
			o := &object{}
			o.set("versioning", boolean(b.Versioning))
			o.set("expire_days", num(b.ExpireDays))
			if b.Versioning {
				// Said here, not left to the module's default, because
				// docs/data-retention.md promises it.
				o.set("noncurrent_expire_days", num(spec.BucketNoncurrentDays))
			}
			buckets.set(spec.BucketName(p, e, s, b), o.tokens())
			st.buckets++
		}
		if s.Database != nil {
			buckets.set(spec.BackupBucketName(p, e, s), backupBucket(s.Database).tokens())
			st.buckets++
		}
	}
	// Alertmanager's receivers (PagerDuty routing keys, Slack webhooks) are
	// a secret of the platform's, synced into the monitoring namespace.
	st.secretNames = append(st.secretNames, spec.AlertmanagerSecretName(e))
	if len(st.secretNames) > 0 {
		sec := module(d, "secrets", dir)
		sec.SetAttributeRaw("names", strs(st.secretNames))
		sec.SetAttributeRaw("recovery_window_in_days", num(spec.SecretRecoveryDays(e)))
		sec.SetAttributeRaw("kms_key_alias", str(name+"-secrets"))
	}
	if st.buckets > 0 {
		sm := module(d, "storage", dir)
		sm.SetAttributeRaw("buckets", buckets.tokens())
		// Every bucket logs its requests there; the logs are kept as
		// long as the platform's other logs (docs/data-retention.md).
		sm.SetAttributeRaw("access_log_bucket", str(spec.AccessLogBucketName(p, e)))
		sm.SetAttributeRaw("access_log_expire_days", num(p.Data.LogDays))
		sm.SetAttributeRaw("kms_key_alias", str(name+"-storage"))
	}
	return st
}

// iamModule calls the iam module: the plan and apply roles of the
// environment, and a role per service scoped to its own secrets and buckets.
func iamModule(d *doc, m *spec.Model, e *spec.Environment, dir string, st stores) {
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
	planReadableConnections(iam, m)
	iam.SetAttributeRaw("eks_oidc_provider_arn", ref("module", "cluster", "oidc_provider_arn"))
	iam.SetAttributeRaw("eks_oidc_issuer", ref("module", "cluster", "oidc_issuer"))
	svcs := &object{}
	for _, s := range m.Services {
		o := &object{}
		o.set("role_name", str(spec.ServiceRoleName(p, e, s)))
		o.set("namespace", str(spec.Namespace(s)))
		o.set("service_account", str(spec.ServiceAccount(s)))
		var secrets, buckets []expr
		for _, n := range s.Secrets {
			secrets = append(secrets, ref("module", "secrets", "secret_arns", index(spec.SecretName(e, s, n))))
		}
		for _, b := range s.Buckets {
			buckets = append(buckets, ref("module", "storage", "bucket_arns", index(spec.BucketName(p, e, s, b))))
		}
		o.set("secret_arns", tuple(secrets...))
		o.set("bucket_arns", tuple(buckets...))
		if s.Database != nil {
			// The service signs in to its database as its own user, with
			// an IAM token; the connection reaches it through External
			// Secrets, so it reads no secret of the database.
			o.set("db_connect_arns", tuple(ref("module", databaseModule(s), "iam_connect_arn")))
		}
		svcs.set(s.Name, o.tokens())
	}
	var connections []expr
	for _, s := range m.Services {
		if s.Database != nil {
			connections = append(connections, ref("module", databaseModule(s), "connection_secret_arn"))
		}
	}
	if len(st.secretNames)+len(connections) > 0 {
		// External Secrets Operator syncs every declared secret and every
		// database's connection into the cluster: it may read exactly
		// those, and nothing else (not the databases' master secrets).
		var all []expr
		for _, n := range st.secretNames {
			all = append(all, ref("module", "secrets", "secret_arns", index(n)))
		}
		all = append(all, connections...)
		o := &object{}
		o.set("role_name", str(spec.ExternalSecretsRoleName(p, e)))
		o.set("namespace", str(spec.ExternalSecretsNamespace))
		o.set("service_account", str(spec.ExternalSecretsServiceAccount))
		o.set("secret_arns", tuple(all...))
		o.set("bucket_arns", tuple())
		svcs.set(spec.ExternalSecretsNamespace, o.tokens())
	}
	iam.SetAttributeRaw("services", svcs.tokens())
	if jobs := databaseJobs(m, e); jobs != nil {
		iam.SetAttributeRaw("database_jobs", jobs)
	}
	cloudWatchExporterRole(iam, m, e)
	if len(st.secretNames) > 0 {
		iam.SetAttributeRaw("secrets_kms_key_arn", ref("module", "secrets", "kms_key_arn"))
	}
	if st.buckets > 0 {
		iam.SetAttributeRaw("storage_kms_key_arn", ref("module", "storage", "kms_key_arn"))
	}
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

func outputs(m *spec.Model, e *spec.Environment) *doc {
	d := &doc{}
	out := func(name, desc string, value expr) {
		o := d.block("output", name)
		o.SetAttributeRaw("description", str(desc))
		o.SetAttributeRaw("value", value)
	}
	out("vpc_id", "The environment's VPC.", ref("module", "network", "vpc_id"))
	out("cluster_name", "The EKS cluster Flux runs in.", ref("module", "cluster", "cluster_name"))
	out("cluster_endpoint", "The EKS API endpoint.", ref("module", "cluster", "cluster_endpoint"))
	out("plan_role_arn", "Role that pull-request plans assume.", ref("module", "iam", "plan_role_arns", index(spec.DeployEnvironment(e))))
	out("apply_role_arn", "Role that the deploy job assumes.", ref("module", "iam", "apply_role_arns", index(spec.DeployEnvironment(e))))
	out("service_role_arns", "IRSA role of each service, for its ServiceAccount.", ref("module", "iam", "service_role_arns"))
	for _, s := range m.Services {
		if s.Database != nil {
			databaseOutputs(out, m.Platform, e, s)
		}
	}
	return d
}
