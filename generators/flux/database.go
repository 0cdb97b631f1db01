package flux

import (
	"maps"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// A service's database, in its namespace (see spec/naming_database.go for
// the chain): the ExternalSecret that brings the connection, the identity
// of the database jobs and, once the environment's release record names a
// pgops digest, the jobs themselves: the grant Job that makes the service's
// login role, the nightly backup CronJob and the weekly restore drill.

// The environment of the database jobs' program (backend/cmd/pgops) and of
// the service: a contract with pgops, which reads these names.
const (
	envPGHost          = "PGHOST"
	envPGPort          = "PGPORT"
	envPGDatabase      = "PGDATABASE"
	envPGUser          = "PGUSER"
	envPGSSLMode       = "PGSSLMODE"
	envMasterSecretARN = "DATABASE_MASTER_SECRET_ARN"
	envDatabaseAuth    = "DATABASE_AUTH"
	envAWSRegion       = "AWS_REGION"
	envBackupBucket    = "BACKUP_BUCKET"
	envPushgatewayURL  = "PUSHGATEWAY_URL"
	envPodNamespace    = "POD_NAMESPACE"
	envDrillScratch    = "DRILL_SCRATCH"

	// databaseAuthIAM makes the service and pgops sign in with an RDS IAM
	// token, made per connection, rather than a password.
	databaseAuthIAM = "rds-iam"
)

// databaseSecretKeys are the keys of the Secret spec.DatabaseK8sSecret, each
// copied from one property of the connection secret that Terraform writes
// (modules/database: host, port, dbname, username, sslmode,
// master_secret_arn; never a password). The first five are libpq's own
// variables, which the service and pgops read as they are.
var databaseSecretKeys = []struct{ key, property string }{
	{envPGHost, "host"},
	{envPGPort, "port"},
	{envPGDatabase, "dbname"},
	{envPGUser, "username"},
	{envPGSSLMode, "sslmode"},
	{envMasterSecretARN, "master_secret_arn"},
}

// connectionKeys are the keys of databaseSecretKeys the service and every
// job read: all but the master secret's ARN, which only the grant job
// needs.
var connectionKeys = []string{envPGHost, envPGPort, envPGDatabase, envPGUser, envPGSSLMode}

// Settings of the database jobs, with why.
const (
	// pgopsUID is the postgres user of the pgops image (its final stage is
	// the official postgres image). initdb and pg_ctl, which the restore
	// drill runs, refuse a user with no entry in /etc/passwd, so the jobs
	// cannot run as the distroless nonroot UID the services use; kube-score's
	// container-security-context-user-group-id, which wants a UID above
	// 10000, is ignored on the jobs alone (kubeScoreIgnoreJobs).
	pgopsUID = 999

	pgopsContainer = "pgops"
	pgopsBinary    = "pgops" // on the image's PATH

	kubeScoreIgnore     = "kube-score/ignore"
	kubeScoreIgnoreJobs = "container-security-context-user-group-id"

	// fluxForce makes kustomize-controller delete and create the grant Job
	// again when its spec changes (a new pgops digest): a Job's template is
	// immutable. The Job keeps no ttlSecondsAfterFinished: Flux would
	// create it again as soon as it was gone, and run the grant for nothing.
	fluxForce = "kustomize.toolkit.fluxcd.io/force"
	// argoSyncOptions does the same for Argo CD, which replaces the Job on
	// each sync of the apps layer; the grant is idempotent.
	argoSyncOptions = "argocd.argoproj.io/sync-options"
	argoForce       = "Force=true,Replace=true"

	labelComponent = "app.kubernetes.io/component"

	scratchVolume = "scratch"
	scratchPath   = "/scratch"
	shmVolume     = "shm"

	// The CronJobs run in UTC, as the spec's schedules are written.
	jobTimeZone = "Etc/UTC"
	// A run the controller could not start on time (a control-plane
	// outage) still starts within this; a later one waits for the next
	// schedule, and the backup-age or drill-overdue alert says so.
	jobStartDeadline = 6 * time.Hour
	// Runs kept, so that the logs of the last failures (the drill's report
	// is its log) can be read.
	jobHistory = 3
)

// The pgops subcommands.
const (
	cmdGrant  = "grant"
	cmdBackup = "backup"
	cmdDrill  = "drill"
)

// dbJob is what differs between the three database jobs.
type dbJob struct {
	name      string // of the Job or CronJob
	component string // app.kubernetes.io/component of its pods
	command   string // pgops subcommand
	retries   int32  // backoffLimit
	deadline  time.Duration
	cpu       string
	memory    string
}

func grantJob(s *spec.Service) dbJob {
	// The grant waits for nothing but the database: seconds. Retries with
	// the Job controller's back-off (10 s, 20 s, ... 5 min) cover a
	// database that is still starting.
	return dbJob{name: spec.GrantJobName(s), component: "database-grant", command: cmdGrant, retries: 6, deadline: 15 * time.Minute, cpu: "50m", memory: "64Mi"}
}

func backupJob(s *spec.Service) dbJob {
	return dbJob{name: spec.BackupJobName(s), component: "backup", command: cmdBackup, retries: 2, deadline: 4 * time.Hour, cpu: "250m", memory: "256Mi"}
}

func drillJob(s *spec.Service) dbJob {
	// The drill runs a scratch PostgreSQL and pg_restore side by side.
	return dbJob{name: spec.DrillJobName(s), component: "restore-drill", command: cmdDrill, retries: 1, deadline: 6 * time.Hour, cpu: "500m", memory: "1Gi"}
}

// database adds to the service's folder what its database needs in the
// environment. The ExternalSecret and the jobs' ServiceAccount are there
// from the start, like the service's own identity; the jobs and their
// network policy come with the first pgops digest of the release record.
func (g *envGen) database(f *folder, v svc) error {
	if v.Database == nil {
		return nil
	}
	name := spec.DatabaseK8sSecret(v.Service)
	f.add("externalsecret-"+name+".yaml", g.databaseExternalSecret(v))
	f.add("serviceaccount-"+spec.DatabaseJobsServiceAccount(v.Service)+".yaml", &corev1.ServiceAccount{
		TypeMeta: typeMeta("v1", "ServiceAccount"),
		ObjectMeta: metav1.ObjectMeta{
			Name: spec.DatabaseJobsServiceAccount(v.Service), Namespace: v.ns, Labels: jobsLabels(g.p, v, ""),
			Annotations: map[string]string{irsaAnnotation: spec.RoleARN(g.e, spec.DatabaseJobsRoleName(g.p, g.e, v.Service))},
		},
		AutomountServiceAccountToken: ptr(false), // the jobs' pods opt in
	})

	digest := g.m.PgopsDigest(g.e)
	if digest == "" {
		return nil
	}
	image := spec.PgopsImage(g.p) + "@" + digest
	grant, err := g.dbPod(v, grantJob(v.Service), image)
	if err != nil {
		return err
	}
	f.add("job-"+grantJob(v.Service).name+".yaml", g.grantJobObject(v, grant))
	for _, j := range []struct {
		job      dbJob
		schedule string
	}{
		{backupJob(v.Service), v.Database.Backup.Schedule},
		{drillJob(v.Service), v.Database.Drill.Schedule},
	} {
		pod, err := g.dbPod(v, j.job, image)
		if err != nil {
			return err
		}
		f.add("cronjob-"+j.job.name+".yaml", cronJob(v, j.job, j.schedule, pod))
	}
	f.add("networkpolicy-"+jobsPolicyName+".yaml", g.jobsNetworkPolicy(v))
	return nil
}

// jobsLabels mark the database jobs' objects and pods: a name of their own,
// so that no selector of the service's (its Deployment, Service,
// PodDisruptionBudget, topology spread, network policies) counts them, and
// the component when given.
func jobsLabels(p *spec.Platform, v svc, component string) map[string]string {
	l := spec.Labels(p, spec.DatabaseJobsServiceAccount(v.Service))
	if component != "" {
		l[labelComponent] = component
	}
	return l
}

// jobsSelector selects the pods of every database job of the service.
func jobsSelector(v svc) map[string]string {
	return map[string]string{spec.LabelName: spec.DatabaseJobsServiceAccount(v.Service)}
}

// databaseExternalSecret copies the connection secret's properties into the
// Secret spec.DatabaseK8sSecret, one key each.
func (g *envGen) databaseExternalSecret(v svc) *propertyExternalSecret {
	name := spec.DatabaseK8sSecret(v.Service)
	remote := spec.DatabaseSecretName(g.e, v.Service)
	data := make([]propertyData, len(databaseSecretKeys))
	for i, k := range databaseSecretKeys {
		data[i] = propertyData{SecretKey: k.key, RemoteRef: propertyRef{Key: remote, Property: k.property}}
	}
	return &propertyExternalSecret{
		APIVersion: kube.ExternalSecretsAPIVersion,
		Kind:       "ExternalSecret",
		Metadata:   kube.ObjectMeta{Name: name, Namespace: v.ns, Labels: v.labels},
		Spec: propertyExternalSecretSpec{
			SecretStoreRef:  kube.ClusterStore(spec.SecretStore),
			Target:          kube.ExternalSecretTarget{Name: name, CreationPolicy: kube.CreationOwner, DeletionPolicy: kube.DeletionRetain},
			RefreshInterval: secretRefresh.String(),
			Data:            data,
		},
	}
}

// propertyExternalSecret is an ExternalSecret whose keys each copy one
// property of a JSON secret, which internal/kube's ExternalSecretData (a
// whole secret per key) cannot say.
type propertyExternalSecret struct {
	APIVersion string                     `json:"apiVersion"`
	Kind       string                     `json:"kind"`
	Metadata   kube.ObjectMeta            `json:"metadata"`
	Spec       propertyExternalSecretSpec `json:"spec"`
}

type propertyExternalSecretSpec struct {
	RefreshInterval string                    `json:"refreshInterval,omitempty"`
	SecretStoreRef  kube.SecretStoreRef       `json:"secretStoreRef"`
	Target          kube.ExternalSecretTarget `json:"target"`
	Data            []propertyData            `json:"data"`
}

type propertyData struct {
	SecretKey string      `json:"secretKey"`
	RemoteRef propertyRef `json:"remoteRef"`
}

type propertyRef struct {
	Key      string `json:"key"`
	Property string `json:"property"`
}

// secretEnv reads key of the database Secret.
func secretEnv(v svc, key string) corev1.EnvVar {
	return corev1.EnvVar{
		Name: key,
		ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: spec.DatabaseK8sSecret(v.Service)},
			Key:                  key,
		}},
	}
}

// connectionEnv is how the service and its jobs reach the database: the
// libpq variables from the database Secret, IAM authentication, and the
// region the IAM token is signed for.
func (g *envGen) connectionEnv(v svc) []corev1.EnvVar {
	var vars []corev1.EnvVar
	for _, k := range connectionKeys {
		vars = append(vars, secretEnv(v, k))
	}
	return append(vars,
		corev1.EnvVar{Name: envDatabaseAuth, Value: databaseAuthIAM},
		corev1.EnvVar{Name: envAWSRegion, Value: g.e.Region},
	)
}

// jobEnv is the environment of one database job, sorted by name:
//
//   - grant: the connection and the master secret's ARN;
//   - backup: the connection, the bucket and the Pushgateway;
//   - drill: the bucket, the Pushgateway and its scratch folder, and no
//     connection at all. It never touches the service's database, and
//     libpq variables inherited by pg_restore (PGHOST, PGSSLMODE=require)
//     would point it at that database instead of its scratch one.
//
// Each gets its region and namespace (the Pushgateway's grouping key).
func (g *envGen) jobEnv(v svc, j dbJob) []corev1.EnvVar {
	vars := []corev1.EnvVar{{Name: envAWSRegion, Value: g.e.Region}}
	if j.command != cmdDrill {
		vars = g.connectionEnv(v) // the region among them
	}
	vars = append(vars, corev1.EnvVar{Name: envPodNamespace, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
	}})
	switch j.command {
	case cmdGrant:
		vars = append(vars, secretEnv(v, envMasterSecretARN))
	case cmdBackup, cmdDrill:
		vars = append(vars,
			corev1.EnvVar{Name: envBackupBucket, Value: spec.BackupBucketName(g.p, g.e, v.Service)},
			corev1.EnvVar{Name: envPushgatewayURL, Value: spec.PushgatewayURL},
		)
		if j.command == cmdDrill {
			vars = append(vars, corev1.EnvVar{Name: envDrillScratch, Value: scratchPath})
		}
	}
	sortEnv(vars)
	return vars
}

// dbPod is the pod of one database job: pgops by digest as the postgres
// user, on a read-only root filesystem with a writable /tmp (and, for the
// drill, the scratch folder its PostgreSQL runs in), under the jobs'
// ServiceAccount, whose IRSA token it mounts.
//
// Sizes follow the database's allocated storage, the most data it can
// hold: /tmp of the backup and the drill holds at most one dump; the
// drill's scratch holds the restored database and its WAL. They are
// limits, not requests: most databases use a fraction of their allocation,
// and a request of all of it would keep the drill off nodes with the usual
// 20 GiB disks. A drill that outgrows its scratch is evicted, fails, and
// its alert says so.
func (g *envGen) dbPod(v svc, j dbJob, image string) (corev1.PodTemplateSpec, error) {
	cpu, err := resource.ParseQuantity(j.cpu)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	memory, err := resource.ParseQuantity(j.memory)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	storage := *resource.NewQuantity(int64(v.Database.StorageGB)<<30, resource.BinarySI)
	tmpSize := storage
	if j.command == cmdGrant {
		tmpSize = resource.MustParse("64Mi")
	}
	c := corev1.Container{
		Name:    pgopsContainer,
		Image:   image,
		Command: []string{pgopsBinary},
		Args:    []string{j.command},
		Env:     g.jobEnv(v, j),
		// As for the services: memory limited to the request, no CPU
		// limit, no pull policy (by digest).
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: memory},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			RunAsNonRoot:             ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: tmpVolume, MountPath: "/tmp"}},
	}
	volumes := []corev1.Volume{{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &tmpSize}}}}
	if j.command == cmdDrill {
		scratch := *resource.NewQuantity(2*int64(v.Database.StorageGB)<<30, resource.BinarySI)
		// PostgreSQL's dynamic shared memory lives in /dev/shm, which a
		// container runtime makes 64 MiB; parallel workers of the
		// verification need more. It counts against the memory limit.
		shm := resource.MustParse("256Mi")
		c.VolumeMounts = append(c.VolumeMounts,
			corev1.VolumeMount{Name: scratchVolume, MountPath: scratchPath},
			corev1.VolumeMount{Name: shmVolume, MountPath: "/dev/shm"},
		)
		volumes = append(volumes,
			corev1.Volume{Name: scratchVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &scratch}}},
			corev1.Volume{Name: shmVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &shm}}},
		)
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: jobsLabels(g.p, v, j.component)},
		Spec: corev1.PodSpec{
			ServiceAccountName: spec.DatabaseJobsServiceAccount(v.Service),
			// The IRSA token: every job calls AWS (Secrets Manager, RDS
			// IAM authentication, S3).
			AutomountServiceAccountToken: ptr(true),
			// A failed run leaves its pod, and its log, for the history
			// limits to clear; the Job starts a new pod to retry.
			RestartPolicy: corev1.RestartPolicyNever,
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot: ptr(true),
				RunAsUser:    ptr(int64(pgopsUID)),
				RunAsGroup:   ptr(int64(pgopsUID)),
				// Lets the postgres user read the projected IRSA token
				// and own what it writes in the volumes.
				FSGroup:        ptr(int64(pgopsUID)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{c},
			Volumes:    volumes,
		},
	}, nil
}

// jobAnnotations are those of every database Job and CronJob.
func jobAnnotations() map[string]string {
	return map[string]string{kubeScoreIgnore: kubeScoreIgnoreJobs}
}

// grantJobObject runs `pgops grant` once per pgops release: the service's
// login role, its IAM grant and its ownership of the database, made
// idempotently before the service needs them.
func (g *envGen) grantJobObject(v svc, pod corev1.PodTemplateSpec) *batchv1.Job {
	j := grantJob(v.Service)
	annotations := jobAnnotations()
	annotations[fluxForce] = "enabled"
	if g.p.ArgoCD {
		annotations[argoSyncOptions] = argoForce
	}
	return &batchv1.Job{
		TypeMeta: typeMeta("batch/v1", "Job"),
		ObjectMeta: metav1.ObjectMeta{
			Name: j.name, Namespace: v.ns, Labels: jobsLabels(g.p, v, j.component), Annotations: annotations,
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr(j.retries),
			ActiveDeadlineSeconds: ptr(int64(j.deadline.Seconds())),
			Template:              pod,
		},
	}
}

// cronJob runs a database job on the spec's schedule, in UTC, one run at a
// time.
func cronJob(v svc, j dbJob, schedule string, pod corev1.PodTemplateSpec) *batchv1.CronJob {
	labels := maps.Clone(pod.Labels)
	return &batchv1.CronJob{
		TypeMeta: typeMeta("batch/v1", "CronJob"),
		ObjectMeta: metav1.ObjectMeta{
			Name: j.name, Namespace: v.ns, Labels: labels, Annotations: jobAnnotations(),
		},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			TimeZone: ptr(jobTimeZone),
			// A backup still running when the next is due is not
			// doubled: two dumps at once only slow the database.
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr(int64(jobStartDeadline.Seconds())),
			SuccessfulJobsHistoryLimit: ptr(int32(jobHistory)),
			FailedJobsHistoryLimit:     ptr(int32(jobHistory)),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: batchv1.JobSpec{
					BackoffLimit:          ptr(j.retries),
					ActiveDeadlineSeconds: ptr(int64(j.deadline.Seconds())),
					Template:              pod,
				},
			},
		},
	}
}

// jobsPolicyName is the network policy of the database jobs' pods.
const jobsPolicyName = "allow-database-jobs-egress"

// jobsNetworkPolicy lets the database jobs out to what they use, beside
// the namespace's default-deny: DNS, PostgreSQL in the VPC (the RDS
// instance), HTTPS anywhere (Secrets Manager, STS, S3, whose public
// endpoints have no fixed range) and the Pushgateway. Nothing comes in.
func (g *envGen) jobsNetworkPolicy(v svc) *networkingv1.NetworkPolicy {
	tcp, udp := ptr(corev1.ProtocolTCP), ptr(corev1.ProtocolUDP)
	port := func(proto *corev1.Protocol, n int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: proto, Port: ptr(intstr.FromInt32(n))}
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: meta(jobsPolicyName, v.ns, jobsLabels(g.p, v, "")),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: jobsSelector(v)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				{
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: inNamespace(spec.KubeSystemNamespace),
						PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
					}},
					Ports: []networkingv1.NetworkPolicyPort{port(udp, dnsPort), port(tcp, dnsPort)},
				},
				{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: g.e.Network.CIDR}}},
					Ports: []networkingv1.NetworkPolicyPort{port(tcp, postgresPort)},
				},
				{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: anywhereIPv4CIDR}}},
					Ports: []networkingv1.NetworkPolicyPort{port(tcp, httpsPort)},
				},
				{
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: inNamespace(spec.MonitoringNamespace),
						PodSelector:       &metav1.LabelSelector{MatchLabels: pushgatewayPods()},
					}},
					Ports: []networkingv1.NetworkPolicyPort{port(tcp, spec.PushgatewayPort)},
				},
			},
		},
	}
}
