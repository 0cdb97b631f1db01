package flux

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// Workload settings that no spec field carries, with why.
const (
	irsaAnnotation = "eks.amazonaws.com/role-arn"
	zoneKey        = "topology.kubernetes.io/zone"
	hostKey        = "kubernetes.io/hostname"

	// nonRootUID is the UID of the distroless images' nonroot user, which
	// the reference image runs as. A numeric UID lets the kubelet enforce
	// runAsNonRoot even for an image whose USER is a name.
	nonRootUID = 65532

	hpaMaxFactor     = 3  // the autoscaler may grow to 3× the spec's replicas
	hpaCPUPercent    = 70 // of the CPU request
	secretRefresh    = time.Hour
	scrapeInterval   = "30s"
	postgresPort     = 5432
	httpsPort        = 443
	dnsPort          = 53
	httpPortName     = "http"
	metricsPortName  = "metrics"
	tmpVolume        = "tmp"
	latencyEnv       = "SLO_LATENCY_THRESHOLDS"
	anywhereIPv4CIDR = "0.0.0.0/0"
)

// apps makes apps/: one folder per service and a kustomization.yaml
// listing them.
func (g *envGen) apps() error {
	f := g.folder(layerApps, g.envOrigin("name"))
	for _, s := range g.m.Services {
		f.origins = append(f.origins, engine.Origin{Spec: s.Source.Path, Fields: []string{"name"}})
		if g.in.Renders(s) {
			if err := g.service(s); err != nil {
				return fmt.Errorf("service %s: %w", s.Name, err)
			}
			// The service's folder is complete: hand it over.
			g.emit(g.files)
			g.files = nil
		}
		f.sub(s.Name)
	}
	return f.done(g)
}

func serviceNamespace(s *spec.Service) string { return spec.Namespace(s) }

// svc is what the objects of one service in one environment share.
type svc struct {
	*spec.Service
	ns       string
	labels   map[string]string // on every object of the service
	selector map[string]string // stable across releases: selectors are immutable
}

// metricsPort is the port Prometheus scrapes, or 0 when the service
// exposes no metrics.
func (s svc) metricsPort() int32 { return int32(s.Metrics.Port) }

// metricsPortName names the metrics port: the HTTP port's own name when
// metrics are served there.
func (s svc) metricsPortName() string {
	if s.HTTP() && s.Metrics.Port == s.Port {
		return httpPortName
	}
	return metricsPortName
}

// service makes apps/<service>/. A service not deployed in the environment
// yet (no digest in its release record) still gets its namespace,
// identity, network policies and secrets, so that they are in place when
// its first release lands; its workload appears with that release.
// Until then its network policies select no pods, which kube-score's
// networkpolicy-targets-pod reports; its test ignores that check in an
// environment where a service is not deployed yet.
func (g *envGen) service(s *spec.Service) error {
	f := g.folder(layerApps+"/"+s.Name,
		engine.Origin{Spec: s.Source.Path},
		g.envOrigin("account", "name", "network", "region", "replicas"),
		g.platformOrigin("cloud.region", "name", "registry"),
	)
	f.origins = append(f.origins, g.releaseOrigin(s)...)
	f.service = s.Name
	v := svc{
		Service:  s,
		ns:       serviceNamespace(s),
		labels:   spec.Labels(g.p, s.Name),
		selector: map[string]string{spec.LabelName: s.Name},
	}

	f.add("namespace.yaml", namespace(v.ns, "restricted"))
	f.add("serviceaccount.yaml", &corev1.ServiceAccount{
		TypeMeta: typeMeta("v1", "ServiceAccount"),
		ObjectMeta: metav1.ObjectMeta{
			Name: spec.ServiceAccount(s), Namespace: v.ns, Labels: v.labels,
			Annotations: map[string]string{irsaAnnotation: spec.RoleARN(g.e, spec.ServiceRoleName(g.p, g.e, s))},
		},
		// Pods opt in (see the Deployment): most never call an API.
		AutomountServiceAccountToken: ptr(false),
	})
	policies := g.networkPolicies(v)
	for _, name := range slices.Sorted(maps.Keys(policies)) {
		f.add("networkpolicy-"+name+".yaml", policies[name])
	}
	for _, name := range s.Secrets {
		f.add("externalsecret-"+name+".yaml", g.externalSecret(v, name))
	}
	if err := g.database(f, v); err != nil {
		return err
	}
	if err := g.flags(f, v); err != nil {
		return err
	}
	if err := g.partners(f, v); err != nil {
		return err
	}
	// The service's alert and recording rules, whether or not it is
	// deployed yet: its database and backups exist before its workload.
	f.origins = append(f.origins, g.envOrigin("alerting"), g.platformOrigin(alerting.PlatformFields(g.e)...))
	// The groups' queries are checked here, as they are built, for a
	// metric nothing this environment deploys produces (an alert that
	// would stay quiet): building them again for the check was a tenth of
	// a full render.
	groups := g.am.Groups(g.e, s)
	if errs := g.am.UnproducedGroups(g.m, s, g.e, groups); len(errs) > 0 {
		return errors.Join(errs...)
	}
	rule, err := prometheusRule(v, groups)
	if err != nil {
		return err
	}
	f.addData("prometheusrule.yaml", rule)

	if digest := g.m.Digest(g.e, s); digest != "" {
		d, err := g.deployment(v, digest)
		if err != nil {
			return err
		}
		f.add("deployment.yaml", d)
		if ports := servicePorts(v); len(ports) > 0 {
			f.add("service.yaml", kubeService(v, ports))
		}
		f.add("horizontalpodautoscaler.yaml", g.autoscaler(v))
		f.add("poddisruptionbudget.yaml", disruptionBudget(v))
		if v.metricsPort() > 0 {
			f.add("servicemonitor.yaml", serviceMonitor(v))
		}
	}
	return f.done(g)
}

// deployment runs the service's image by digest, as non-root on a
// read-only root filesystem, spread over zones.
//
// It sets no replicas: the HorizontalPodAutoscaler owns the count, with
// the spec's replicas as its minimum. Replicas here would make every Flux
// reconciliation reset what the autoscaler scaled to.
func (g *envGen) deployment(v svc, digest string) (*appsv1.Deployment, error) {
	c, err := g.container(v, digest)
	if err != nil {
		return nil, err
	}
	pod := podSpec(v, c)
	mountFlags(v, &pod)
	g.mountPartners(v, &pod)
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: v.selector},
			// A rollout adds a pod before it removes one, so capacity
			// never drops below what the autoscaler asked for.
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr(intstr.FromInt32(0)),
					MaxSurge:       ptr(intstr.FromString("25%")),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: v.labels},
				Spec:       pod,
			},
		},
	}, nil
}

// container is the service's one container: its image by digest, ports,
// environment, resources, a locked-down security context and probes.
func (g *envGen) container(v svc, digest string) (corev1.Container, error) {
	cpu, err := resource.ParseQuantity(v.Resources.CPU)
	if err != nil {
		return corev1.Container{}, fmt.Errorf("resources.cpu %q: %w", v.Resources.CPU, err)
	}
	memory, err := resource.ParseQuantity(v.Resources.Memory)
	if err != nil {
		return corev1.Container{}, fmt.Errorf("resources.memory %q: %w", v.Resources.Memory, err)
	}
	c := corev1.Container{
		Name: v.Name,
		// By digest, so no pull policy is set: whether a node pulls
		// again or not, it runs the image that was reviewed (kube-score's
		// container-image-pull-policy, which wants Always, is ignored).
		Image: spec.Image(g.p, v.Service) + "@" + digest,
		Ports: containerPorts(v),
		Env:   g.env(v),
		// Memory is limited to the request, so a leak ends in an OOM kill
		// of this pod, not in the eviction of its neighbours. CPU is not
		// limited: the CFS quota throttles latency-sensitive services even
		// on idle nodes, and the request already guarantees their share
		// (kube-score runs with --ignore-container-cpu-limit). No
		// ephemeral-storage request or limit either: the spec has no such
		// figure, and the only writable path is the /tmp emptyDir below
		// (container-ephemeral-storage-request-and-limit is ignored).
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
	setProbes(&c, v)
	return c, nil
}

// podSpec runs the container as non-root, with a writable /tmp only, spread
// over zones and nodes.
func podSpec(v svc, c corev1.Container) corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName: spec.ServiceAccount(v.Service),
		// The IRSA token is projected only into pods that call
		// AWS themselves (S3, or RDS IAM authentication, whose
		// token is signed with the role's credentials); secrets
		// arrive through External Secrets, which needs no token in
		// the pod.
		AutomountServiceAccountToken: ptr(len(v.Buckets) > 0 || v.Database != nil),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(nonRootUID)),
			RunAsGroup:     ptr(int64(nonRootUID)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{c},
		Volumes:    []corev1.Volume{{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		// Over zones, then nodes. ScheduleAnyway: in a zone
		// outage, replicas must still be able to start in the
		// zones that are left. The spread over nodes stands in
		// for a host podAntiAffinity, which would leave
		// replicas unschedulable beyond the node count
		// (kube-score's deployment-has-host-podantiaffinity is
		// ignored; pod-topology-spread-constraints checks this).
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
			{
				MaxSkew:           1,
				TopologyKey:       zoneKey,
				WhenUnsatisfiable: corev1.ScheduleAnyway,
				LabelSelector:     &metav1.LabelSelector{MatchLabels: v.selector},
			},
			{
				MaxSkew:           1,
				TopologyKey:       hostKey,
				WhenUnsatisfiable: corev1.ScheduleAnyway,
				LabelSelector:     &metav1.LabelSelector{MatchLabels: v.selector},
			},
		},
	}
}

func containerPorts(v svc) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	if v.HTTP() {
		ports = append(ports, corev1.ContainerPort{Name: httpPortName, ContainerPort: int32(v.Port), Protocol: corev1.ProtocolTCP})
	}
	if p := v.metricsPort(); p > 0 && v.metricsPortName() == metricsPortName {
		ports = append(ports, corev1.ContainerPort{Name: metricsPortName, ContainerPort: p, Protocol: corev1.ProtocolTCP})
	}
	return ports
}

// env is the service's environment: its port, its latency SLO thresholds
// (which backend/metrics makes exact histogram buckets), one variable per
// secret (stripe-api-key -> STRIPE_API_KEY) and, with a database, its
// connection (connectionEnv), sorted by name.
func (g *envGen) env(v svc) []corev1.EnvVar {
	var vars []corev1.EnvVar
	if v.HTTP() {
		vars = append(vars, corev1.EnvVar{Name: "PORT", Value: fmt.Sprint(v.Port)})
	}
	if t := latencyThresholds(v.Service); len(t) > 0 {
		vars = append(vars, corev1.EnvVar{Name: latencyEnv, Value: strings.Join(t, ",")})
	}
	for _, name := range v.Secrets {
		vars = append(vars, corev1.EnvVar{
			Name: envName(name),
			ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: name},
				Key:                  secretKey,
			}},
		})
	}
	if v.Database != nil {
		vars = append(vars, g.connectionEnv(v)...)
	}
	sortEnv(vars)
	return vars
}

func sortEnv(vars []corev1.EnvVar) {
	slices.SortFunc(vars, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
}

// latencyThresholds lists the thresholds of the service's latency SLOs,
// as written, once each.
func latencyThresholds(s *spec.Service) []string {
	var out []string
	for _, o := range s.SLOs {
		if o.SLI.Builtin == spec.SLILatency && o.Threshold != "" && !slices.Contains(out, string(o.Threshold)) {
			out = append(out, string(o.Threshold))
		}
	}
	return out
}

// envName is the environment variable a secret is read from.
func envName(secret string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, secret)
}

// setProbes gives an HTTP service startup, readiness and liveness probes on
// its health path. A worker serves no HTTP: its probes open a TCP
// connection to its metrics port, which shows the process is up and
// serving without an exec into a shell its image may not have; a worker
// with no metrics port gets none.
//
// The spec has one health path, so readiness and liveness probe the same
// handler; liveness tolerates twice as many failures, so a pod is taken out
// of the Service well before it is restarted (kube-score's
// pod-probes-identical is ignored).
func setProbes(c *corev1.Container, v svc) {
	var handler corev1.ProbeHandler
	switch {
	case v.HTTP():
		handler.HTTPGet = &corev1.HTTPGetAction{Path: v.Health, Port: intstr.FromString(httpPortName)}
	case v.metricsPort() > 0:
		handler.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromString(metricsPortName)}
	default:
		return
	}
	// The startup probe gives a slow start 150 s before liveness applies.
	c.StartupProbe = &corev1.Probe{ProbeHandler: handler, PeriodSeconds: 5, FailureThreshold: 30, TimeoutSeconds: 2}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: handler, PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 2}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: handler, PeriodSeconds: 10, FailureThreshold: 6, TimeoutSeconds: 2}
}

func servicePorts(v svc) []corev1.ServicePort {
	var ports []corev1.ServicePort
	for _, p := range containerPorts(v) {
		ports = append(ports, corev1.ServicePort{Name: p.Name, Port: p.ContainerPort, TargetPort: intstr.FromString(p.Name), Protocol: corev1.ProtocolTCP})
	}
	return ports
}

// kubeService fronts the service's pods. A worker's is headless: it exists
// only so that its ServiceMonitor finds the pods' metrics endpoints.
func kubeService(v svc, ports []corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: v.selector,
			Ports:    ports,
		},
	}
	if !v.HTTP() {
		s.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return s
}

// autoscaler scales on CPU between the spec's replicas and 3× as many.
// A spec may ask for one replica in an environment such as dev, where an
// interrupted service is acceptable: kube-score's
// horizontalpodautoscaler-replicas is ignored in an environment where a
// service runs fewer than two.
func (g *envGen) autoscaler(v svc) *autoscalingv2.HorizontalPodAutoscaler {
	n := int32(v.ReplicasIn(g.e))
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   typeMeta("autoscaling/v2", "HorizontalPodAutoscaler"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: v.Name},
			MinReplicas:    ptr(n),
			MaxReplicas:    hpaMaxFactor * n,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(hpaCPUPercent))},
				},
			}},
		},
	}
}

// disruptionBudget lets a node drain evict one replica at a time. It is
// maxUnavailable rather than minAvailable so that it keeps meaning the
// same as the autoscaler changes the count, and never blocks a drain of a
// single-replica service.
//
// A pod that is running but not ready (crash-looping, or failing its
// readiness probe) may always be evicted (AlwaysAllow). With the default,
// IfHealthyBudget, it may be evicted only while the service is within its
// budget, so a bad rollout that leaves two replicas unready blocks every
// drain of their nodes, though evicting them protects nothing: they serve
// no traffic. kube-linter flags the default.
func disruptionBudget(v svc) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: v.selector},
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		},
	}
}

// prometheusRule carries the groups that alerts/<env>/<service>.rules.yaml
// holds for promtool, for the Prometheus of kube-prometheus-stack, which
// loads every PrometheusRule (ruleSelectorNilUsesHelmValues: false). It is
// written with the rule file's writer, in the rule file's layout (record or
// alert, expr, for, labels, annotations), so that the two read alike and a
// long expression is never folded.
func prometheusRule(v svc, groups []alerting.Group) ([]byte, error) {
	type metadata struct {
		Labels    map[string]string `yaml:"labels"`
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
	}
	type ruleSpec struct {
		Groups []alerting.Group `yaml:"groups"`
	}
	return yamlw.Marshal(struct {
		APIVersion string   `yaml:"apiVersion"`
		Kind       string   `yaml:"kind"`
		Metadata   metadata `yaml:"metadata"`
		Spec       ruleSpec `yaml:"spec"`
	}{
		APIVersion: monitoringv1.SchemeGroupVersion.String(),
		Kind:       monitoringv1.PrometheusRuleKind,
		Metadata:   metadata{Labels: v.labels, Name: v.Name, Namespace: v.ns},
		Spec:       ruleSpec{Groups: groups},
	})
}

func serviceMonitor(v svc) *monitoringv1.ServiceMonitor {
	return &monitoringv1.ServiceMonitor{
		TypeMeta:   typeMeta(monitoringv1.SchemeGroupVersion.String(), monitoringv1.ServiceMonitorsKind),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec: monitoringv1.ServiceMonitorSpec{
			Selector: metav1.LabelSelector{MatchLabels: v.selector},
			Endpoints: []monitoringv1.Endpoint{{
				Port:     v.metricsPortName(),
				Path:     v.Metrics.Path,
				Interval: scrapeInterval,
			}},
		},
	}
}

// networkPolicies deny all traffic to and from the service's pods but
// what it needs, by file name:
//
//   - ingress: its HTTP port from anywhere (it is reached through a load
//     balancer or other services), its metrics port from the monitoring
//     namespace;
//   - egress: DNS to kube-dns; PostgreSQL to the VPC, where its RDS
//     instance is, when it has a database; HTTPS anywhere, for AWS APIs
//     (STS for IRSA, S3, whose public endpoints have no fixed range, or
//     VPC endpoints inside the VPC) and the HTTPS APIs its secrets are
//     keys to.
func (g *envGen) networkPolicies(v svc) map[string]*networkingv1.NetworkPolicy {
	tcp, udp := ptr(corev1.ProtocolTCP), ptr(corev1.ProtocolUDP)
	port := func(proto *corev1.Protocol, n int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: proto, Port: ptr(intstr.FromInt32(n))}
	}
	policy := func(name string, spec networkingv1.NetworkPolicySpec) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
			ObjectMeta: meta(name, v.ns, v.labels),
			Spec:       spec,
		}
	}
	pods := metav1.LabelSelector{MatchLabels: v.selector}

	out := map[string]*networkingv1.NetworkPolicy{
		"default-deny": policy("default-deny", networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		}),
	}

	var ingress []networkingv1.NetworkPolicyIngressRule
	if v.HTTP() {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{port(tcp, int32(v.Port))}})
	}
	if p := v.metricsPort(); p > 0 && (!v.HTTP() || p != int32(v.Port)) {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{
			From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: inNamespace(spec.MonitoringNamespace)}},
			Ports: []networkingv1.NetworkPolicyPort{port(tcp, p)},
		})
	}
	if len(ingress) > 0 {
		out["allow-ingress"] = policy("allow-ingress", networkingv1.NetworkPolicySpec{
			PodSelector: pods,
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     ingress,
		})
	}

	egress := []networkingv1.NetworkPolicyEgressRule{{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: inNamespace(spec.KubeSystemNamespace),
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
		}},
		Ports: []networkingv1.NetworkPolicyPort{port(udp, dnsPort), port(tcp, dnsPort)},
	}}
	if v.Database != nil {
		egress = append(egress, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: g.e.Network.CIDR}}},
			Ports: []networkingv1.NetworkPolicyPort{port(tcp, postgresPort)},
		})
	}
	egress = append(egress, networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: anywhereIPv4CIDR}}},
		Ports: []networkingv1.NetworkPolicyPort{port(tcp, httpsPort)},
	})
	out["allow-egress"] = policy("allow-egress", networkingv1.NetworkPolicySpec{
		PodSelector: pods,
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress:      egress,
	})
	return out
}

// inNamespace selects the namespace ns by the label Kubernetes gives every
// namespace.
func inNamespace(ns string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
}

// externalSecret syncs one Secrets Manager secret of the service into a
// Kubernetes Secret of the same name, under the key "value".
func (g *envGen) externalSecret(v svc, name string) *kube.ExternalSecret {
	return kube.NewExternalSecret(kube.ObjectMeta{Name: name, Namespace: v.ns, Labels: v.labels}, kube.ExternalSecretSpec{
		SecretStoreRef:  kube.ClusterStore(spec.SecretStore),
		Target:          kube.ExternalSecretTarget{Name: name, CreationPolicy: kube.CreationOwner, DeletionPolicy: kube.DeletionRetain},
		RefreshInterval: secretRefresh.String(),
		Data: []kube.ExternalSecretData{{
			SecretKey: secretKey,
			RemoteRef: kube.RemoteRef{Key: spec.SecretName(g.e, v.Service, name)},
		}},
	})
}
