//go:build e2e

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	fluxkustomize "github.com/fluxcd/pkg/kustomize"

	"github.com/groundwork-dev/groundwork/backend/database"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The chain from the Flux tree to the applied Terraform root, for every
// service with a database: what a pod of the generated manifests would read
// (its env, the Secret keys an ExternalSecret makes of a Secrets Manager
// secret, its ServiceAccount's IRSA role) resolved against what apply made
// in moto, and handed to backend/database, which the services and pgops
// connect with. Each link is checked on the objects as kustomize builds
// them and on the resources as moto returns them, never on names alone.

// k8sObject is the part of a built object the chain reads.
type k8sObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

// podSpec is the part of a pod template the chain reads.
type podSpec struct {
	ServiceAccountName string `json:"serviceAccountName"`
	Containers         []struct {
		Name string `json:"name"`
		Env  []struct {
			Name      string `json:"name"`
			Value     string `json:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name string `json:"name"`
					Key  string `json:"key"`
				} `json:"secretKeyRef"`
				FieldRef *struct {
					FieldPath string `json:"fieldPath"`
				} `json:"fieldRef"`
			} `json:"valueFrom"`
		} `json:"env"`
	} `json:"containers"`
}

// builtApps builds the apps layer of e's Flux tree as kustomize-controller
// does and returns its objects by kind/namespace/name.
func builtApps(t *testing.T, out *engine.Output, e *spec.Environment) map[string]k8sObject {
	t.Helper()
	root := t.TempDir()
	prefix := spec.FluxDir(e) + "/"
	for _, f := range out.Files {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		name := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := fluxkustomize.SecureBuild(root, filepath.Join(root, filepath.FromSlash(prefix+"apps")), false)
	if err != nil {
		t.Fatalf("kustomize build of %sapps: %v", prefix, err)
	}
	objs := map[string]k8sObject{}
	for _, r := range res.Resources() {
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var o k8sObject
		if err := json.Unmarshal(j, &o); err != nil {
			t.Fatal(err)
		}
		objs[o.Kind+"/"+o.Metadata.Namespace+"/"+o.Metadata.Name] = o
	}
	return objs
}

// podOf is the pod template of a Deployment, Job or CronJob.
func podOf(t *testing.T, o k8sObject) podSpec {
	t.Helper()
	var w struct {
		Template struct {
			Spec podSpec `json:"spec"`
		} `json:"template"`
		JobTemplate struct {
			Spec struct {
				Template struct {
					Spec podSpec `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
	}
	if err := json.Unmarshal(o.Spec, &w); err != nil {
		t.Fatal(err)
	}
	if o.Kind == "CronJob" {
		return w.JobTemplate.Spec.Template.Spec
	}
	return w.Template.Spec
}

// policy is an IAM policy document as applied.
type policy struct {
	Statement []struct {
		Effect    string `json:"Effect"`
		Action    any    `json:"Action"`
		Resource  any    `json:"Resource"`
		Condition map[string]map[string]any
	} `json:"Statement"`
}

func parsePolicy(t *testing.T, what string, doc any) policy {
	t.Helper()
	var p policy
	if err := json.Unmarshal([]byte(fmt.Sprint(doc)), &p); err != nil {
		t.Fatalf("%s: not an IAM policy: %v\n%v", what, err, doc)
	}
	return p
}

// allows reports whether the policy lets action on resource through: an
// Allow matches and no Deny does (conditions aside: the chain asks what
// the role may reach, the guardrails and module tests check conditions).
func (p policy) allows(action, resource string) bool {
	allowed := false
	for _, s := range p.Statement {
		if !globAny(s.Action, action) || !globAny(s.Resource, resource) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

// databaseChain checks, for every service with a database in e, that the
// pods Flux would run find their database through what apply made.
func databaseChain(t *testing.T, m *spec.Model, e *spec.Environment, out *engine.Output, applied map[string]map[string]any) {
	t.Helper()
	objs := builtApps(t, out, e)
	get := func(kind, ns, name string) k8sObject {
		t.Helper()
		o, ok := objs[kind+"/"+ns+"/"+name]
		if !ok {
			t.Fatalf("the apps layer of %s builds no %s %s/%s", e.Name, kind, ns, name)
		}
		return o
	}
	for _, s := range m.Services {
		if s.Database == nil {
			continue
		}
		ns := spec.Namespace(s)
		mod := "module.database_" + strings.ReplaceAll(s.Name, "-", "_")
		instance := applied[mod+".aws_db_instance.this"]
		secret := applied[mod+".aws_secretsmanager_secret.connection"]
		var conn map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(applied[mod+".aws_secretsmanager_secret_version.connection"]["secret_string"])), &conn); err != nil {
			t.Fatalf("%s: connection secret: %v", s.Name, err)
		}

		// ExternalSecret -> the applied secret: each key of the Secret it
		// makes gets the value of a property the applied secret holds.
		var es struct {
			Data []struct {
				SecretKey string `json:"secretKey"`
				RemoteRef struct {
					Key      string `json:"key"`
					Property string `json:"property"`
				} `json:"remoteRef"`
			} `json:"data"`
			Target struct {
				Name string `json:"name"`
			} `json:"target"`
		}
		esObj := get("ExternalSecret", ns, spec.DatabaseK8sSecret(s))
		if err := json.Unmarshal(esObj.Spec, &es); err != nil {
			t.Fatal(err)
		}
		secretKeys := map[string]string{} // Secret key -> value, as External Secrets would fill it
		for _, d := range es.Data {
			if d.RemoteRef.Key != secret["name"] {
				t.Errorf("%s: ExternalSecret %s reads %q; apply made the connection secret %q", s.Name, esObj.Metadata.Name, d.RemoteRef.Key, secret["name"])
			}
			v, ok := conn[d.RemoteRef.Property]
			if !ok {
				t.Errorf("%s: ExternalSecret %s reads property %q, which the applied secret does not hold (it holds %v)", s.Name, esObj.Metadata.Name, d.RemoteRef.Property, keys(conn))
			}
			secretKeys[d.SecretKey] = v
		}
		target := es.Target.Name
		if target == "" {
			target = esObj.Metadata.Name
		}

		// A pod's env, resolved: literal values, the namespace, and keys of
		// the Secret the ExternalSecret makes (a key it does not make is an
		// error; the service's own secrets are not part of this chain).
		resolve := func(who string, pod podSpec) map[string]string {
			env := map[string]string{}
			for _, c := range pod.Containers {
				for _, v := range c.Env {
					switch {
					case v.ValueFrom == nil:
						env[v.Name] = v.Value
					case v.ValueFrom.SecretKeyRef != nil:
						ref := v.ValueFrom.SecretKeyRef
						if ref.Name != target {
							continue // a secret of the service's own (its spec's secrets)
						}
						val, ok := secretKeys[ref.Key]
						if !ok {
							t.Errorf("%s: %s reads %s from Secret %s key %s, which ExternalSecret %s does not make", s.Name, who, v.Name, ref.Name, ref.Key, esObj.Metadata.Name)
						}
						env[v.Name] = val
					case v.ValueFrom.FieldRef != nil && v.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
						env[v.Name] = ns
					}
				}
			}
			return env
		}
		// A pod's IRSA role as applied: the ServiceAccount's annotation
		// names a role that exists and trusts exactly that account.
		role := func(who string, pod podSpec) (string, policy) {
			sa := get("ServiceAccount", ns, pod.ServiceAccountName)
			arn := sa.Metadata.Annotations["eks.amazonaws.com/role-arn"]
			name := arn[strings.LastIndex(arn, "/")+1:]
			for addr, r := range applied {
				if !strings.HasPrefix(addr, "module.iam.aws_iam_role.") || r["name"] != name {
					continue
				}
				trust := fmt.Sprint(r["assume_role_policy"])
				if !strings.Contains(trust, `"system:serviceaccount:`+ns+":"+pod.ServiceAccountName+`"`) {
					t.Errorf("%s: role %s of %s does not trust ServiceAccount %s/%s: %s", s.Name, name, who, ns, pod.ServiceAccountName, trust)
				}
				inline := applied[strings.Replace(addr, "aws_iam_role.", "aws_iam_role_policy.", 1)]
				if inline == nil {
					t.Fatalf("%s: role %s of %s has no inline policy", s.Name, name, who)
				}
				return name, parsePolicy(t, name, inline["policy"])
			}
			t.Fatalf("%s: %s runs as %s/%s, whose role %q apply did not make", s.Name, who, ns, pod.ServiceAccountName, arn)
			return "", policy{}
		}
		// connects checks that env leads backend/database to the applied
		// instance as a user the role may sign in as with an IAM token.
		connects := func(who string, env map[string]string, p policy, roleName string) {
			settings, err := database.SettingsFromEnv(func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("%s: %s: %v", s.Name, who, err)
			}
			if settings.Auth != database.AuthRDSIAM {
				t.Errorf("%s: %s signs in with DATABASE_AUTH=%q, want %q", s.Name, who, settings.Auth, database.AuthRDSIAM)
			}
			// libpq's variables, as pgx reads them from the environment.
			var conninfo []string
			for _, kv := range [][2]string{{"host", "PGHOST"}, {"port", "PGPORT"}, {"dbname", "PGDATABASE"}, {"user", "PGUSER"}, {"sslmode", "PGSSLMODE"}} {
				quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(env[kv[1]])
				conninfo = append(conninfo, kv[0]+"='"+quoted+"'")
			}
			settings.URL = strings.Join(conninfo, " ")
			cc, err := database.ConnConfig(settings)
			if err != nil {
				t.Fatalf("%s: %s: %v", s.Name, who, err)
			}
			if cc.Host != instance["address"] || fmt.Sprint(cc.Port) != fmt.Sprint(instance["port"]) || cc.Database != instance["db_name"] {
				t.Errorf("%s: %s connects to %s:%d/%s; apply made %v:%v/%v", s.Name, who, cc.Host, cc.Port, cc.Database, instance["address"], instance["port"], instance["db_name"])
			}
			// The token the service would sign, and the permission it needs.
			hook := database.TokenHook(settings.Region, credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""))
			if err := hook(context.Background(), cc); err != nil {
				t.Fatal(err)
			}
			token, err := url.Parse("https://" + cc.Password)
			if err != nil || token.Query().Get("DBUser") != cc.User || token.Host != fmt.Sprintf("%s:%d", cc.Host, cc.Port) {
				t.Errorf("%s: %s's IAM token is not for %s@%s:%d: %s", s.Name, who, cc.User, cc.Host, cc.Port, cc.Password)
			}
			dbuser := fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/%s", settings.Region, motoAccount, instance["resource_id"], cc.User)
			if !p.allows("rds-db:connect", dbuser) {
				t.Errorf("%s: %s's role %s may not rds-db:connect to %s", s.Name, who, roleName, dbuser)
			}
		}

		// The service.
		if m.Digest(e, s) != "" {
			pod := podOf(t, get("Deployment", ns, s.Name))
			name, p := role("Deployment "+s.Name, pod)
			env := resolve("Deployment "+s.Name, pod)
			connects("Deployment "+s.Name, env, p, name)
			if p.allows("secretsmanager:GetSecretValue", conn["master_secret_arn"]) {
				t.Errorf("%s: the service's role %s may read the master credentials", s.Name, name)
			}
		}
		if m.PgopsDigest(e) == "" {
			continue
		}
		// The database jobs.
		bucket := spec.BackupBucketName(m.Platform, e, s)
		if applied[`module.storage.aws_s3_bucket.this["`+bucket+`"]`] == nil {
			t.Errorf("%s: apply made no backup bucket %s", s.Name, bucket)
		}
		for _, job := range []struct{ kind, name string }{
			{"Job", spec.GrantJobName(s)}, {"CronJob", spec.BackupJobName(s)}, {"CronJob", spec.DrillJobName(s)},
		} {
			who := job.kind + " " + job.name
			pod := podOf(t, get(job.kind, ns, job.name))
			name, p := role(who, pod)
			env := resolve(who, pod)
			switch job.name {
			case spec.GrantJobName(s):
				connects(who, env, p, name)
				if arn := env["DATABASE_MASTER_SECRET_ARN"]; arn == "" || !p.allows("secretsmanager:GetSecretValue", arn) {
					t.Errorf("%s: %s's role %s may not read the master secret %q", s.Name, who, name, arn)
				}
			case spec.BackupJobName(s):
				connects(who, env, p, name)
				if env["BACKUP_BUCKET"] != bucket || !p.allows("s3:PutObject", "arn:aws:s3:::"+bucket+"/x.dump") {
					t.Errorf("%s: %s writes to bucket %q; its role %s may not put objects in %s", s.Name, who, env["BACKUP_BUCKET"], name, bucket)
				}
			case spec.DrillJobName(s):
				if env["BACKUP_BUCKET"] != bucket || !p.allows("s3:GetObject", "arn:aws:s3:::"+bucket+"/x.dump") || !p.allows("s3:ListBucket", "arn:aws:s3:::"+bucket) {
					t.Errorf("%s: %s reads bucket %q; its role %s may not list and get %s", s.Name, who, env["BACKUP_BUCKET"], name, bucket)
				}
			}
			if p.allows("s3:DeleteObject", "arn:aws:s3:::"+bucket+"/x.dump") {
				t.Errorf("%s: %s's role %s may delete backups", s.Name, who, name)
			}
		}
		t.Logf("%s: Deployment, grant, backup and drill pods of %s resolve to instance %v through %v", s.Name, e.Name, instance["address"], secret["name"])
	}
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
