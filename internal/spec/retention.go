package spec

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Retention: every place the platform keeps data, how long each copy lives,
// and the policy check that personal data is not kept longer than the
// platform allows. docs/data-retention.md and docs/data-retention/ print
// DataStores; Terraform and the Flux infrastructure set the same numbers,
// from the same functions, so the documents cannot say one thing and the
// platform do another.

// Data classes a database or bucket may hold.
const (
	ClassPersonal = "personal"
	ClassPayment  = "payment"
	ClassInternal = "internal"
	ClassPublic   = "public"
)

// DataClasses lists the classes in the order documents print them.
var DataClasses = []string{ClassPersonal, ClassPayment, ClassInternal, ClassPublic}

// Retention defaults and fixed periods of the platform's own stores.
const (
	defaultPersonalMaxDays = 400
	defaultLogDays         = 90
	defaultMetricsDays     = 15

	// BackupNoncurrentDays is how long a logical backup the bucket's
	// lifecycle expired, or one a writer overwrote, is kept as a noncurrent
	// version before it is removed. Expiry on a versioned bucket only hides
	// an object behind a delete marker, so without this rule a backup would
	// outlive retentionDays by the storage module's default (90 days). A
	// week bounds that, and is the window in which an overwritten backup
	// (the jobs may put, never delete) can still be recovered: the weekly
	// restore drill reads the newest backup within it.
	BackupNoncurrentDays = 7
	// BucketNoncurrentDays is the same for a service's versioned buckets:
	// how long an overwrite or delete can be undone.
	BucketNoncurrentDays = 90
	// AlertmanagerRetentionHours is how long kube-prometheus-stack's
	// Alertmanager keeps its notification log and expired silences (the
	// chart's default, which groundwork does not change).
	AlertmanagerRetentionHours = 120
)

// SecretRecoveryDays is how long a deleted secret of e can be restored:
// longer in production, where deleting the wrong one is expensive.
func SecretRecoveryDays(e *Environment) int {
	if e.Production {
		return 30
	}
	return 7
}

// ClusterLogGroup is the CloudWatch log group EKS writes the control-plane
// and audit logs of e's cluster to.
func ClusterLogGroup(e *Environment) string { return "/aws/eks/" + e.Cluster.Name + "/cluster" }

// FlowLogGroup is the CloudWatch log group the VPC flow logs of e go to.
func FlowLogGroup(p *Platform, e *Environment) string {
	return "/aws/vpc-flow-logs/" + p.Name + "-" + e.Name
}

// DatabaseLogGroups are the CloudWatch log groups the database of s in e
// exports its PostgreSQL and upgrade logs to.
func DatabaseLogGroups(p *Platform, e *Environment, s *Service) []string {
	prefix := "/aws/rds/instance/" + DatabaseIdentifier(p, e, s) + "/"
	return []string{prefix + "postgresql", prefix + "upgrade"}
}

// Forever is a DataStore's MaxDays when it keeps data until someone deletes
// it.
const Forever = -1

// DataStore is one place data of an environment is kept.
type DataStore struct {
	Kind       string   // what AWS or Kubernetes calls it, e.g. "S3 bucket"
	Name       string   // its name there
	Service    *Service // whose data; nil for the platform's own
	Holds      string   // what is in it, in words
	Classes    []string // data classes; none when the spec does not say
	Encryption string
	Readers    []string // who may read it: IAM roles and what uses them
	Retention  string   // how long, in words, naming the setting
	// MaxDays is the longest any copy is kept, the number the policy
	// checks: Forever, or 0 for live data whose life the service decides.
	MaxDays int
	// Src and Field are the spec value that sets the retention; errors
	// about it point there.
	Src   *Source
	Field string
}

// Personal reports whether the store holds personal data.
func (d DataStore) Personal() bool { return slices.Contains(d.Classes, ClassPersonal) }

// DataStores lists every store of environment e: each service's database,
// its backups (RDS automated, AWS Backup, logical dumps), buckets and
// secrets, then the platform's logs (with the buckets' access logs),
// metrics and alert state.
func (m *Model) DataStores(e *Environment) []DataStore {
	var out []DataStore
	for _, s := range m.Services {
		out = append(out, m.ServiceDataStores(e, s)...)
	}
	return append(out, m.PlatformDataStores(e)...)
}

// ServiceDataStores lists the stores of service s in environment e, as
// DataStores does: its database, backups, buckets and secrets.
func (m *Model) ServiceDataStores(e *Environment, s *Service) []DataStore {
	return m.appendServiceDataStores(nil, e, s, true)
}

// appendServiceDataStores appends to out what ServiceDataStores lists;
// without words, each store has only
// what the retention policy reads (Kind, Service, Classes, MaxDays, Src and
// Field), not its name, contents, encryption, readers or retention in
// words: at a thousand services the check looks at 40,000 stores, and
// TestStoresWithoutWords holds the two the same but for the words.
func (m *Model) appendServiceDataStores(out []DataStore, e *Environment, s *Service, words bool) []DataStore {
	p := m.Platform
	var eso, role string
	if words {
		eso = ExternalSecretsRoleName(p, e) + " (External Secrets Operator)"
		role = ServiceRoleName(p, e, s) + " (the " + s.Name + " pods)"
	}
	if db := s.Database; db != nil {
		start := len(out)
		out = append(out,
			DataStore{Kind: "RDS PostgreSQL " + db.Version, Service: s, Classes: db.Classification,
				MaxDays: e.Database.BackupRetentionDays, Src: e.Source, Field: "database.backupRetentionDays"},
			DataStore{Kind: "AWS Backup vault", Service: s, Classes: db.Classification,
				MaxDays: db.Backup.RetentionDays, Src: s.Source, Field: "database.backup.retentionDays"},
			logGroup(p, e, "", s, "", "", false),
			logGroup(p, e, "", s, "", "", false),
			DataStore{Kind: "S3 bucket", Service: s, Classes: db.Classification,
				MaxDays: db.Backup.RetentionDays + BackupNoncurrentDays, Src: s.Source, Field: "database.backup.retentionDays"},
		)
		if words {
			stores := out[start:]
			jobs := DatabaseJobsRoleName(p, e, s) + " (grant, backup and restore-drill jobs)"
			id := DatabaseIdentifier(p, e, s)
			logs := DatabaseLogGroups(p, e, s)
			stores[0].Name, stores[0].Holds = id, s.Name+"'s database"
			stores[0].Encryption = "KMS, key of the instance; TLS required"
			stores[0].Readers = []string{role + ": rds-db:connect as " + DatabaseUser(s), jobs + ": the master user"}
			stores[0].Retention = fmt.Sprintf("live rows: as long as %s keeps them; automated snapshots and point-in-time recovery %d days (environment database.backupRetentionDays)", s.Name, e.Database.BackupRetentionDays)
			stores[1].Name, stores[1].Holds = id, "daily recovery points of "+id
			stores[1].Encryption = "KMS, key of the vault"
			stores[1].Readers = []string{"AWS Backup (restores)"}
			stores[1].Retention = fmt.Sprintf("%d days (database.backup.retentionDays)", db.Backup.RetentionDays)
			stores[2] = logGroup(p, e, logs[0], s, "PostgreSQL's log: connections (client address, user), errors and slow statements with their parameters", "KMS, the database's key", true)
			stores[3] = logGroup(p, e, logs[1], s, "major-version upgrade logs", "KMS, the database's key", true)
			stores[4].Name, stores[4].Holds = BackupBucketName(p, e, s), "logical backups (pg_dump) of "+id+" and their manifests"
			stores[4].Encryption = "SSE-KMS, the environment's storage key"
			stores[4].Readers = []string{jobs + ": put, get, list; never delete"}
			stores[4].Retention = fmt.Sprintf("%d days (database.backup.retentionDays), then %d days as a noncurrent version", db.Backup.RetentionDays, BackupNoncurrentDays)
		}
	}
	for i, b := range s.Buckets {
		d := DataStore{Kind: "S3 bucket", Service: s, Classes: b.Classification, Src: s.Source, Field: "buckets[" + strconv.Itoa(i) + "]"}
		if words {
			d.Name, d.Holds = BucketName(p, e, s, b), "objects "+s.Name+" stores in "+b.Name
			d.Encryption = "SSE-KMS, the environment's storage key; TLS required"
			d.Readers = []string{role}
		}
		switch {
		case b.ExpireDays == 0 && b.KeepForever == "":
			// The bucket check reports it; no second message here.
			d.Retention, d.MaxDays, d.Src = "not stated", Forever, nil
		case b.ExpireDays == 0:
			d.Retention, d.MaxDays, d.Field = "never expires (keepForever: "+b.KeepForever+")", Forever, d.Field+".keepForever"
		case b.Versioning:
			d.MaxDays, d.Field = b.ExpireDays+BucketNoncurrentDays, d.Field+".expireDays"
			if words {
				d.Retention = fmt.Sprintf("%d days (expireDays), then %d days as a noncurrent version", b.ExpireDays, BucketNoncurrentDays)
			}
		default:
			d.MaxDays, d.Field = b.ExpireDays, d.Field+".expireDays"
			if words {
				d.Retention = fmt.Sprintf("%d days (expireDays)", b.ExpireDays)
			}
		}
		if !words {
			d.Retention = ""
		}
		out = append(out, d)
	}
	secret := func(name, holds string, readers ...string) DataStore {
		d := DataStore{Kind: "Secrets Manager secret", Service: s, Classes: []string{"credentials"},
			MaxDays: 0, Src: s.Source, Field: "secrets"}
		if words {
			d.Name, d.Holds, d.Readers = name, holds, readers
			d.Encryption = "KMS, the environment's secrets key"
			d.Retention = fmt.Sprintf("until replaced or deleted; a deleted secret can be restored for %d days", SecretRecoveryDays(e))
		}
		return d
	}
	for _, n := range s.Secrets {
		if !words {
			out = append(out, secret("", ""))
			continue
		}
		out = append(out, secret(SecretName(e, s, n), "the value of "+n+", which no one commits", eso))
	}
	if s.Database != nil {
		if words {
			out = append(out, secret(DatabaseSecretName(e, s), "how to reach the database: host, port, name, user; no password", eso, PlanRoleName(p, e)+" (pull-request plans)"))
		} else {
			out = append(out, secret("", ""))
		}
	}
	if len(m.PartnersOf(e, s)) > 0 {
		if words {
			out = append(out, secret(PartnerKeysSecretName(e, s), "partner API keys as SHA-256 hashes, with partner, key id, creation and revocation times", eso))
		} else {
			out = append(out, secret("", ""))
		}
	}
	return out
}

// PlatformDataStores lists the stores of environment e that belong to no
// service, as DataStores does: the platform's logs (with the buckets'
// access logs), metrics and alert state.
func (m *Model) PlatformDataStores(e *Environment) []DataStore {
	p := m.Platform
	var out []DataStore
	out = append(out,
		logGroup(p, e, ClusterLogGroup(e), nil, "the cluster's control-plane and audit logs: who called the Kubernetes API, from which address", "KMS, the cluster's key", true),
		logGroup(p, e, FlowLogGroup(p, e), nil, "VPC flow logs: source and destination addresses and ports of every connection", "KMS, the flow logs' key", true),
	)
	if m.HasBuckets() {
		out = append(out, DataStore{Kind: "S3 bucket", Name: AccessLogBucketName(p, e), Holds: "S3 server access logs of the buckets above: requester, address, operation, key and result of every request", Classes: []string{ClassPersonal},
			Encryption: "SSE-S3 (S3's log delivery supports no KMS key); TLS required",
			Readers:    []string{"the account's administrators", PlanRoleName(p, e) + " (pull-request plans; ReadOnlyAccess reads objects under no KMS key)"},
			Retention:  fmt.Sprintf("%d days (platform data.logDays)", p.Data.LogDays),
			MaxDays:    p.Data.LogDays, Src: p.Source, Field: "data.logDays"})
	}
	out = append(out,
		DataStore{Kind: "Prometheus (kube-prometheus-stack)", Name: "monitoring/prometheus", Holds: "metrics: request counts and latencies by route, partner and key id; no request content", Classes: []string{ClassInternal},
			Encryption: "the node's EBS volume encryption",
			Readers:    []string{"Grafana and whoever may port-forward in the monitoring namespace"},
			Retention:  fmt.Sprintf("%d days (platform data.metricsDays)", p.Data.MetricsDays),
			MaxDays:    p.Data.MetricsDays, Src: p.Source, Field: "data.metricsDays"},
		DataStore{Kind: "Alertmanager (kube-prometheus-stack)", Name: "monitoring/alertmanager", Holds: "silences and the notification log: alert names and labels", Classes: []string{ClassInternal},
			Encryption: "the node's EBS volume encryption",
			Readers:    []string{"whoever may reach Alertmanager in the monitoring namespace"},
			Retention:  fmt.Sprintf("%d hours (the chart's default)", AlertmanagerRetentionHours),
			MaxDays:    AlertmanagerRetentionHours / 24},
		DataStore{Kind: "Container logs on nodes", Name: "kubelet", Holds: "each pod's stdout: JSON access logs with request id, route, status, partner and key id", Classes: []string{ClassPersonal},
			Encryption: "the node's EBS volume encryption",
			Readers:    []string{"kubectl logs, for whoever Kubernetes RBAC lets read pods' logs"},
			Retention:  "until the kubelet rotates them (5 files of 10 MiB per container) or the node goes: hours to days, never shipped elsewhere by groundwork",
			MaxDays:    0},
	)
	return out
}

// logGroup is a CloudWatch log group kept for the platform's data.logDays.
// Logs name people and addresses, so every one is personal data. The plan
// role reads them too: AWS's ReadOnlyAccess includes CloudWatch Logs.
// Without words, only what the retention policy reads (see
// serviceDataStores).
func logGroup(p *Platform, e *Environment, name string, s *Service, holds, encryption string, words bool) DataStore {
	d := DataStore{Kind: "CloudWatch log group", Service: s, Classes: []string{ClassPersonal},
		MaxDays: p.Data.LogDays, Src: p.Source, Field: "data.logDays"}
	if words {
		d.Name, d.Holds, d.Encryption = name, holds, encryption
		d.Readers = []string{"the account's administrators", PlanRoleName(p, e) + " (pull-request plans; ReadOnlyAccess reads logs)"}
		d.Retention = fmt.Sprintf("%d days (platform data.logDays)", p.Data.LogDays)
	}
	return d
}

// retention checks that every store of every environment holding personal
// data keeps it no longer than the platform's data.personalMaxDays, and
// that every bucket states how long it keeps objects.
func (c *checker) retention(m *Model) {
	if m.Platform == nil {
		return
	}
	limit := m.Platform.Data.PersonalMaxDays
	over := func(d DataStore) bool {
		return d.Src != nil && d.Personal() && (d.MaxDays == Forever || d.MaxDays > limit)
	}
	// The stores over the limit of each service in each environment,
	// found on every core without words: at a thousand services they are
	// tens of thousands, and a mistake is rare.
	type found struct {
		env   int
		store DataStore
	}
	perService := make([][]found, len(m.Services))
	buffers := make([][]DataStore, parallel.Workers(len(m.Services))) // one a worker
	parallel.Split(len(m.Services), func(w, i int) {
		s := m.Services[i]
		for ei, e := range m.Environments {
			buffers[w] = m.appendServiceDataStores(buffers[w][:0], e, s, false)
			for j, d := range buffers[w] {
				if over(d) {
					perService[i] = append(perService[i], found{ei, m.appendServiceDataStores(nil, e, s, true)[j]})
				}
			}
		}
	})
	reported := map[string]bool{}
	for ei, e := range m.Environments {
		var stores []DataStore
		for _, list := range perService {
			for _, f := range list {
				if f.env == ei {
					stores = append(stores, f.store)
				}
			}
		}
		for _, d := range m.PlatformDataStores(e) {
			if over(d) {
				stores = append(stores, d)
			}
		}
		for _, d := range stores {
			key := d.Src.Path + "\x00" + d.Field
			if reported[key] {
				continue // one message per mistake, not one per environment
			}
			reported[key] = true
			kept := "forever"
			if d.MaxDays != Forever {
				kept = fmt.Sprintf("up to %d days", d.MaxDays)
			}
			c.errorf(d.Src, KindValue, d.Field, "%s %s (in %s) keeps personal data %s: %s; the platform's data.personalMaxDays is %d: shorten the retention, or classify the data otherwise if it is not personal",
				d.Kind, d.Name, e.Name, kept, d.Retention, limit)
		}
	}
}
