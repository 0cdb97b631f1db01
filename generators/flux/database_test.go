package flux_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The environment of each pgops subcommand, as backend/cmd/pgops reads it
// (the contract of issue 12), spelt here independently of the generator.
// The drill has no connection at all: it never touches the service's
// database, and inherited libpq variables would point pg_restore at it.
var pgopsEnv = map[string][]string{
	"grant":  {"AWS_REGION", "DATABASE_AUTH", "DATABASE_MASTER_SECRET_ARN", "PGDATABASE", "PGHOST", "PGPORT", "PGSSLMODE", "PGUSER", "POD_NAMESPACE"},
	"backup": {"AWS_REGION", "BACKUP_BUCKET", "DATABASE_AUTH", "PGDATABASE", "PGHOST", "PGPORT", "PGSSLMODE", "PGUSER", "POD_NAMESPACE", "PUSHGATEWAY_URL"},
	"drill":  {"AWS_REGION", "BACKUP_BUCKET", "DRILL_SCRATCH", "POD_NAMESPACE", "PUSHGATEWAY_URL"},
}

// The connection the service's own Deployment reads (the master secret's
// ARN is the grant job's alone).
var serviceDatabaseEnv = []string{"AWS_REGION", "DATABASE_AUTH", "PGDATABASE", "PGHOST", "PGPORT", "PGSSLMODE", "PGUSER"}

// The properties of the connection secret that Terraform writes
// (modules/database), by the key each lands under.
var connectionProperties = map[string]string{
	"PGHOST": "host", "PGPORT": "port", "PGDATABASE": "dbname", "PGUSER": "username",
	"PGSSLMODE": "sslmode", "DATABASE_MASTER_SECRET_ARN": "master_secret_arn",
}

// built is one environment's objects, built as kustomize-controller builds
// them, by kind and namespace/name.
type built map[string]object

func buildEnv(t *testing.T, root string, m *spec.Model, e *spec.Environment) built {
	t.Helper()
	out := built{}
	for _, o := range layers(t, root, m, e) {
		out[o.gvk.Kind+" "+o.u.GetNamespace()+"/"+o.u.GetName()] = o
	}
	return out
}

// get decodes the object of kind ns/name into v, or reports it missing.
func (b built) get(t *testing.T, kind, ns, name string, v any) bool {
	t.Helper()
	o, ok := b[kind+" "+ns+"/"+name]
	if !ok {
		return false
	}
	if err := json.Unmarshal(o.json, v); err != nil {
		t.Fatalf("%s: %v", o.id(), err)
	}
	return true
}

// esObject is an ExternalSecret as the schema test decodes it.
func (b built) externalSecret(t *testing.T, ns, name string) *esExternalSecret {
	t.Helper()
	var es esExternalSecret
	if !b.get(t, "ExternalSecret", ns, name, &es) {
		return nil
	}
	return &es
}

// envNames lists the names of a container's environment, sorted.
func envNames(c corev1.Container) []string {
	var out []string
	for _, v := range c.Env {
		out = append(out, v.Name)
	}
	slices.Sort(out)
	return out
}

func envValue(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// checkSecretRefs: every secretKeyRef of c names the Secret of the
// ExternalSecret es and a key es produces, and the variable is named as the
// key (the libpq names).
func checkSecretRefs(t *testing.T, who string, c corev1.Container, es *esExternalSecret) {
	t.Helper()
	keys := map[string]bool{}
	for _, d := range es.Spec.Data {
		keys[d.SecretKey] = true
	}
	for _, v := range c.Env {
		ref := v.ValueFrom
		if ref == nil || ref.SecretKeyRef == nil {
			continue
		}
		if ref.SecretKeyRef.Name != es.Spec.Target.Name {
			if strings.HasPrefix(v.Name, "PG") || v.Name == "DATABASE_MASTER_SECRET_ARN" {
				t.Errorf("%s: %s reads Secret %s, not the database's %s", who, v.Name, ref.SecretKeyRef.Name, es.Spec.Target.Name)
			}
			continue
		}
		if !keys[ref.SecretKeyRef.Key] {
			t.Errorf("%s: %s reads key %s of Secret %s, which ExternalSecret %s does not produce", who, v.Name, ref.SecretKeyRef.Key, ref.SecretKeyRef.Name, es.Name)
		}
		if ref.SecretKeyRef.Key != v.Name {
			t.Errorf("%s: %s reads key %s", who, v.Name, ref.SecretKeyRef.Key)
		}
	}
}

// The chain from the spec to a running service's database and its jobs,
// checked on the built Flux tree of every environment of the sample
// organisation (pgops released in dev, staging and prod; sandbox has no
// release record):
//
//   - the ExternalSecret spec.DatabaseK8sSecret reads every key from
//     spec.DatabaseSecretName, one property each;
//   - the service's Deployment reads the libpq variables from exactly the
//     keys that ExternalSecret produces, signs in with IAM in the
//     environment's region, and mounts its IRSA token;
//   - the jobs' ServiceAccount carries the jobs role's ARN;
//   - where pgops is released, the grant Job and the backup and drill
//     CronJobs run its digest as that ServiceAccount with the contract's
//     environment, on the spec's schedules, and a network policy selects
//     their pods (and no selector of the service's does); where it is not,
//     there are none.
func TestDatabaseChain(t *testing.T) {
	m := load(t, repoRoot)
	root := writeTree(t, render(t, m))
	databases, jobsIn := 0, 0
	for _, e := range m.Environments {
		t.Run(e.Name, func(t *testing.T) {
			objs := buildEnv(t, root, m, e)
			for _, s := range m.Services {
				if s.Database == nil {
					continue
				}
				databases++
				if checkDatabase(t, objs, m, e, s) {
					jobsIn++
				}
			}
		})
	}
	// The sample releases pgops in every environment: every database has
	// its jobs everywhere.
	if databases == 0 || jobsIn != databases {
		t.Fatalf("%d databases checked, jobs in %d environments; the sample has jobs wherever it has a database", databases, jobsIn)
	}
}

// checkDatabase checks service s's chain in e and says whether its jobs
// are there.
func checkDatabase(t *testing.T, objs built, m *spec.Model, e *spec.Environment, s *spec.Service) bool {
	t.Helper()
	ns := spec.Namespace(s)

	es := objs.externalSecret(t, ns, spec.DatabaseK8sSecret(s))
	if es == nil {
		t.Fatalf("%s: no ExternalSecret %s/%s", s.Name, ns, spec.DatabaseK8sSecret(s))
	}
	if es.Spec.Target.Name != spec.DatabaseK8sSecret(s) {
		t.Errorf("ExternalSecret %s makes Secret %s", es.Name, es.Spec.Target.Name)
	}
	got := map[string]string{}
	for _, d := range es.Spec.Data {
		if d.RemoteRef.Key != spec.DatabaseSecretName(e, s) {
			t.Errorf("ExternalSecret %s: %s from %s, want %s", es.Name, d.SecretKey, d.RemoteRef.Key, spec.DatabaseSecretName(e, s))
		}
		got[d.SecretKey] = d.RemoteRef.Property
	}
	if fmt.Sprint(got) != fmt.Sprint(connectionProperties) {
		t.Errorf("ExternalSecret %s copies %v, want %v", es.Name, got, connectionProperties)
	}

	if digest := m.Digest(e, s); digest != "" {
		var d appsv1.Deployment
		if !objs.get(t, "Deployment", ns, s.Name, &d) {
			t.Fatalf("%s is released in %s but has no Deployment", s.Name, e.Name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		names := envNames(c)
		for _, want := range serviceDatabaseEnv {
			if !slices.Contains(names, want) {
				t.Errorf("Deployment %s lacks %s (has %v)", s.Name, want, names)
			}
		}
		if slices.Contains(names, "DATABASE_MASTER_SECRET_ARN") {
			t.Error("the service reads the master secret's ARN")
		}
		checkSecretRefs(t, "Deployment "+s.Name, c, es)
		if v := envValue(c, "DATABASE_AUTH"); v == nil || v.Value != "rds-iam" {
			t.Errorf("Deployment %s: DATABASE_AUTH %+v, want rds-iam", s.Name, v)
		}
		if v := envValue(c, "AWS_REGION"); v == nil || v.Value != e.Region {
			t.Errorf("Deployment %s: AWS_REGION %+v, want %s", s.Name, v, e.Region)
		}
		if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || !*a {
			t.Errorf("Deployment %s does not mount its IRSA token, which RDS IAM authentication needs", s.Name)
		}
	}

	var sa corev1.ServiceAccount
	if !objs.get(t, "ServiceAccount", ns, spec.DatabaseJobsServiceAccount(s), &sa) {
		t.Fatalf("no ServiceAccount %s/%s", ns, spec.DatabaseJobsServiceAccount(s))
	}
	if got, want := sa.Annotations["eks.amazonaws.com/role-arn"], spec.RoleARN(e, spec.DatabaseJobsRoleName(m.Platform, e, s)); got != want {
		t.Errorf("ServiceAccount %s: role %q, want %q", sa.Name, got, want)
	}

	digest := m.PgopsDigest(e)
	var grant batchv1.Job
	var backup, drill batchv1.CronJob
	hasGrant := objs.get(t, "Job", ns, spec.GrantJobName(s), &grant)
	hasBackup := objs.get(t, "CronJob", ns, spec.BackupJobName(s), &backup)
	hasDrill := objs.get(t, "CronJob", ns, spec.DrillJobName(s), &drill)
	if digest == "" {
		if hasGrant || hasBackup || hasDrill {
			t.Errorf("%s: no pgops digest in %s, yet jobs: grant %v, backup %v, drill %v", s.Name, e.Name, hasGrant, hasBackup, hasDrill)
		}
		return false
	}
	if !hasGrant || !hasBackup || !hasDrill {
		t.Fatalf("%s: pgops %s in %s, but grant %v, backup %v, drill %v", s.Name, digest, e.Name, hasGrant, hasBackup, hasDrill)
	}
	if grant.Annotations["kustomize.toolkit.fluxcd.io/force"] != "enabled" {
		t.Errorf("Job %s: Flux cannot recreate it when its spec changes", grant.Name)
	}
	if m.Platform.ArgoCD && grant.Annotations["argocd.argoproj.io/sync-options"] != "Force=true,Replace=true" {
		t.Errorf("Job %s: Argo CD cannot replace it when its spec changes", grant.Name)
	}
	if grant.Spec.TTLSecondsAfterFinished != nil {
		t.Errorf("Job %s has a TTL: Flux would recreate it once it is gone", grant.Name)
	}
	for _, c := range []struct {
		name, schedule string
		cron           *batchv1.CronJob
	}{{backup.Name, s.Database.Backup.Schedule, &backup}, {drill.Name, s.Database.Drill.Schedule, &drill}} {
		cj := c.cron.Spec
		if cj.Schedule != c.schedule || cj.TimeZone == nil || *cj.TimeZone != "Etc/UTC" {
			t.Errorf("CronJob %s: schedule %q in %v, want %q in UTC", c.name, cj.Schedule, cj.TimeZone, c.schedule)
		}
		if cj.ConcurrencyPolicy != batchv1.ForbidConcurrent || cj.StartingDeadlineSeconds == nil {
			t.Errorf("CronJob %s: concurrency %q, starting deadline %v", c.name, cj.ConcurrencyPolicy, cj.StartingDeadlineSeconds)
		}
	}

	pods := map[string]corev1.PodTemplateSpec{
		"grant":  grant.Spec.Template,
		"backup": backup.Spec.JobTemplate.Spec.Template,
		"drill":  drill.Spec.JobTemplate.Spec.Template,
	}
	var policy networkingv1.NetworkPolicy
	policies := objs.policiesIn(t, ns)
	for cmd, pod := range pods {
		who := cmd + " job of " + s.Name
		ps := pod.Spec
		if ps.ServiceAccountName != sa.Name || ps.AutomountServiceAccountToken == nil || !*ps.AutomountServiceAccountToken {
			t.Errorf("%s runs as %s (token %v), want %s with its token", who, ps.ServiceAccountName, ps.AutomountServiceAccountToken, sa.Name)
		}
		if len(ps.Containers) != 1 {
			t.Fatalf("%s: %d containers", who, len(ps.Containers))
		}
		c := ps.Containers[0]
		if want := spec.PgopsImage(m.Platform) + "@" + digest; c.Image != want {
			t.Errorf("%s runs %s, want %s", who, c.Image, want)
		}
		if !slices.Equal(append(slices.Clone(c.Command), c.Args...), []string{"pgops", cmd}) {
			t.Errorf("%s runs %v %v, want pgops %s", who, c.Command, c.Args, cmd)
		}
		if got := envNames(c); !slices.Equal(got, pgopsEnv[cmd]) {
			t.Errorf("%s: environment %v, want %v", who, got, pgopsEnv[cmd])
		}
		checkSecretRefs(t, who, c, es)
		checkJobEnv(t, who, m, e, s, ps, c)
		if sc := ps.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s does not run as the image's postgres user (999): %+v", who, sc)
		}
		if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: container security context %+v", who, sc)
		}
		// Its pods are the jobs policy's, and no selector of the
		// service's (whose pods serve traffic) counts them.
		podLabels := labels.Set(pod.Labels)
		var d appsv1.Deployment
		if objs.get(t, "Deployment", ns, s.Name, &d) && selects(t, d.Spec.Selector, podLabels) {
			t.Errorf("%s: the Deployment's selector selects its pods %v", who, pod.Labels)
		}
		selected := false
		for _, p := range policies {
			if selects(t, &p.Spec.PodSelector, podLabels) && slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) && len(p.Spec.Egress) > 0 {
				selected, policy = true, p
			}
		}
		if !selected {
			t.Errorf("%s: no egress policy selects its pods %v", who, pod.Labels)
		}
	}
	checkJobsEgress(t, objs, e, s, policy)
	return true
}

// checkJobEnv checks the values of a job's environment: the bucket and
// Pushgateway of the spec, the namespace from the downward API, a scratch
// folder that is a mounted volume, the IAM sign-in in the region.
func checkJobEnv(t *testing.T, who string, m *spec.Model, e *spec.Environment, s *spec.Service, ps corev1.PodSpec, c corev1.Container) {
	t.Helper()
	want := map[string]string{
		"BACKUP_BUCKET":   spec.BackupBucketName(m.Platform, e, s),
		"PUSHGATEWAY_URL": spec.PushgatewayURL,
		"AWS_REGION":      e.Region,
		"DATABASE_AUTH":   "rds-iam",
	}
	for name, value := range want {
		if v := envValue(c, name); v != nil && v.Value != value {
			t.Errorf("%s: %s=%q, want %q", who, name, v.Value, value)
		}
	}
	if v := envValue(c, "POD_NAMESPACE"); v == nil || v.ValueFrom == nil || v.ValueFrom.FieldRef == nil || v.ValueFrom.FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("%s: POD_NAMESPACE is not the pod's namespace: %+v", who, v)
	}
	if v := envValue(c, "DRILL_SCRATCH"); v != nil {
		mounted := false
		for _, vm := range c.VolumeMounts {
			for _, vol := range ps.Volumes {
				if vm.Name == vol.Name && vm.MountPath == v.Value && vol.EmptyDir != nil && vol.EmptyDir.SizeLimit != nil {
					mounted = true
				}
			}
		}
		if !mounted {
			t.Errorf("%s: DRILL_SCRATCH %s is not a size-limited emptyDir it mounts", who, v.Value)
		}
	}
}

// checkJobsEgress: the jobs may reach DNS, PostgreSQL in the VPC, HTTPS and
// the Pushgateway's pods on the port of spec.PushgatewayURL, and the
// Pushgateway, a HelmRelease of that name in that namespace, admits them.
func checkJobsEgress(t *testing.T, objs built, e *spec.Environment, s *spec.Service, p networkingv1.NetworkPolicy) {
	t.Helper()
	u, err := url.Parse(spec.PushgatewayURL)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.Split(u.Hostname(), ".") // <service>.<namespace>.svc
	port, _ := strconv.Atoi(u.Port())
	if len(host) != 3 || host[0] != spec.PushgatewayName || port != spec.PushgatewayPort {
		t.Fatalf("spec.PushgatewayURL %s is not %s.<namespace>.svc:%d", spec.PushgatewayURL, spec.PushgatewayName, spec.PushgatewayPort)
	}
	ports := map[int32]bool{}
	var pushgatewayPeer *networkingv1.NetworkPolicyPeer
	for _, r := range p.Spec.Egress {
		for _, pp := range r.Ports {
			ports[pp.Port.IntVal] = true
			if pp.Port.IntVal == int32(port) && len(r.To) == 1 {
				pushgatewayPeer = &r.To[0]
			}
		}
		for _, to := range r.To {
			if to.IPBlock != nil && slices.ContainsFunc(r.Ports, func(pp networkingv1.NetworkPolicyPort) bool { return pp.Port.IntVal == 5432 }) && to.IPBlock.CIDR != e.Network.CIDR {
				t.Errorf("policy %s: PostgreSQL to %s, not the VPC %s", p.Name, to.IPBlock.CIDR, e.Network.CIDR)
			}
		}
	}
	for _, want := range []int32{53, 5432, 443, int32(port)} {
		if !ports[want] {
			t.Errorf("policy %s lets the jobs out on %v, not %d", p.Name, ports, want)
		}
	}
	if pushgatewayPeer == nil || pushgatewayPeer.NamespaceSelector == nil || pushgatewayPeer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != host[1] {
		t.Fatalf("policy %s: the Pushgateway's port is not open to namespace %s: %+v", p.Name, host[1], pushgatewayPeer)
	}

	var hr helmv2.HelmRelease
	if !objs.get(t, "HelmRelease", host[1], spec.PushgatewayName, &hr) {
		t.Fatalf("no HelmRelease %s/%s behind %s", host[1], spec.PushgatewayName, spec.PushgatewayURL)
	}
	// The chart's selector labels: its name and the release's.
	chartPods := labels.Set{"app.kubernetes.io/name": hr.Spec.Chart.Spec.Chart, "app.kubernetes.io/instance": hr.GetReleaseName()}
	if hr.GetReleaseName() != spec.PushgatewayName || !selects(t, pushgatewayPeer.PodSelector, chartPods) {
		t.Errorf("the jobs' policy selects %v, the Pushgateway's pods are %v", pushgatewayPeer.PodSelector, chartPods)
	}
	var values struct {
		ServiceMonitor struct {
			Enabled     bool `json:"enabled"`
			HonorLabels bool `json:"honorLabels"`
		} `json:"serviceMonitor"`
		PersistentVolume struct {
			Enabled bool `json:"enabled"`
		} `json:"persistentVolume"`
		ExtraArgs     []string `json:"extraArgs"`
		NetworkPolicy struct {
			CustomSelectors []networkingv1.NetworkPolicyPeer `json:"customSelectors"`
		} `json:"networkPolicy"`
	}
	if err := json.Unmarshal(hr.Spec.Values.Raw, &values); err != nil {
		t.Fatal(err)
	}
	if !values.ServiceMonitor.Enabled || !values.ServiceMonitor.HonorLabels || !values.PersistentVolume.Enabled ||
		!slices.ContainsFunc(values.ExtraArgs, func(a string) bool { return strings.HasPrefix(a, "--persistence.file=/data/") }) {
		t.Errorf("Pushgateway values: %+v", values)
	}
	admitted := false
	for _, peer := range values.NetworkPolicy.CustomSelectors {
		admitted = admitted || (peer.NamespaceSelector != nil && peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == spec.Namespace(s) &&
			selects(t, peer.PodSelector, labels.Set{spec.LabelName: spec.DatabaseJobsServiceAccount(s)}))
	}
	if !admitted {
		t.Errorf("the Pushgateway's network policy does not admit the jobs of %s: %+v", s.Name, values.NetworkPolicy.CustomSelectors)
	}
}

// policiesIn lists the NetworkPolicies of namespace ns.
func (b built) policiesIn(t *testing.T, ns string) []networkingv1.NetworkPolicy {
	t.Helper()
	var out []networkingv1.NetworkPolicy
	for _, o := range b {
		if o.gvk.Kind == "NetworkPolicy" && o.u.GetNamespace() == ns {
			var p networkingv1.NetworkPolicy
			if err := json.Unmarshal(o.json, &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
	}
	return out
}

func selects(t *testing.T, sel *metav1.LabelSelector, set labels.Set) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return s.Matches(set)
}
