package flux

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

const (
	chartInterval   = time.Hour        // how often Flux looks at a chart repository
	releaseInterval = 30 * time.Minute // how often Flux corrects drift of a release
	installRetries  = 3
)

// component is one controller installed from a Helm chart, in its own
// namespace and folder.
type component struct {
	name        string // of the folder, the HelmRelease and the HelmRepository
	namespace   string
	podSecurity string // the namespace's Pod Security level
	repoURL     string
	chart       string
	version     string
	values      map[string]any
	timeout     time.Duration
	dependsOn   []helmv2.DependencyReference

	// guest is set for a component that installs into the namespace of
	// another, from the same chart repository: that one's folder holds
	// the Namespace and the HelmRepository, which this one's refers to.
	guest *component
	// origins are the fields of service specs that the component's
	// values come from, beside the layer's own.
	origins []engine.Origin
}

// infrastructure makes infrastructure/: one folder per controller.
func (g *envGen) infrastructure() error {
	flagged := g.servicesWith(hasFlags)
	f := g.folder(layerInfrastructure, g.platformOrigin("name", "data"), g.envOrigin("account", "name"))
	f.origins = append(f.origins, serviceOrigins(flagged, "flags")...)

	databases := g.servicesWith(hasDatabase)
	prometheus := prometheusStack(g.p)
	comps := []component{g.externalSecrets(), prometheus}
	if len(databases) > 0 {
		cw, err := g.cloudWatchExporter(&prometheus, databases)
		if err != nil {
			return err
		}
		comps = append(comps, pushgateway(&prometheus, databases), cw)
	}
	if len(flagged) > 0 {
		comps = append(comps, certManager(), openFeature())
	}
	var listed []engine.Origin // of the layer's list of folders
	for _, c := range comps {
		sub := g.folder(layerInfrastructure+"/"+c.name, append(slices.Clip(f.origins), c.origins...)...)
		listed = append(listed, c.origins...)
		repo := c.name
		if c.guest != nil {
			repo = c.guest.name
		} else {
			sub.add("namespace.yaml", namespace(c.namespace, c.podSecurity))
			sub.add("helmrepository.yaml", &sourcev1.HelmRepository{
				TypeMeta:   typeMeta(sourcev1.GroupVersion.String(), sourcev1.HelmRepositoryKind),
				ObjectMeta: meta(c.name, c.namespace, nil),
				Spec: sourcev1.HelmRepositorySpec{
					URL:      c.repoURL,
					Interval: metav1.Duration{Duration: chartInterval},
				},
			})
		}
		values, err := json.Marshal(c.values)
		if err != nil {
			return err
		}
		sub.add("helmrelease.yaml", &helmv2.HelmRelease{
			TypeMeta:   typeMeta(helmv2.GroupVersion.String(), helmv2.HelmReleaseKind),
			ObjectMeta: meta(c.name, c.namespace, nil),
			Spec: helmv2.HelmReleaseSpec{
				Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
					Chart:     c.chart,
					Version:   c.version,
					SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: repo},
					Interval:  &metav1.Duration{Duration: chartInterval},
				}},
				Interval:  metav1.Duration{Duration: releaseInterval},
				Timeout:   &metav1.Duration{Duration: c.timeout},
				DependsOn: c.dependsOn,
				// CRDs follow the chart: a chart upgrade that changes a
				// CRD must change it in the cluster too.
				Install: &helmv2.Install{
					CRDs:        helmv2.CreateReplace,
					Remediation: &helmv2.InstallRemediation{Retries: installRetries},
				},
				Upgrade: &helmv2.Upgrade{
					CRDs:        helmv2.CreateReplace,
					Remediation: &helmv2.UpgradeRemediation{Retries: installRetries, RemediateLastFailure: ptr(true)},
				},
				Values: &apiextensionsv1.JSON{Raw: values},
			},
		})
		if err := sub.done(g); err != nil {
			return err
		}
		f.sub(c.name)
	}
	f.origins = append(f.origins, listed...)
	return f.done(g)
}

// externalSecrets runs External Secrets Operator with an IRSA identity of
// its own; the ClusterSecretStore (configs/) authenticates as it.
func (g *envGen) externalSecrets() component {
	return component{
		name:        "external-secrets",
		namespace:   externalSecretsNS,
		podSecurity: "baseline",
		repoURL:     externalSecretsRepo,
		chart:       externalSecretsChart,
		version:     externalSecretsVersion,
		timeout:     5 * time.Minute,
		values: map[string]any{
			"installCRDs": true,
			"serviceAccount": map[string]any{
				"name":        externalSecretsSA,
				"annotations": map[string]any{irsaAnnotation: spec.RoleARN(g.e, spec.ExternalSecretsRoleName(g.p, g.e))},
			},
		},
	}
}

// prometheusStack runs Prometheus, Alertmanager and Grafana. Prometheus
// selects every ServiceMonitor and rule in the cluster, not only those
// labelled for this release, and Grafana loads every ConfigMap labelled
// grafana_dashboard, which is how generated dashboards arrive. Prometheus
// keeps metrics for the platform's data.metricsDays, the retention
// docs/data-retention.md states.
func prometheusStack(p *spec.Platform) component {
	return component{
		name:        prometheusChart,
		namespace:   spec.MonitoringNamespace,
		podSecurity: "privileged", // node-exporter needs the host's network and PID namespaces
		repoURL:     prometheusRepo,
		chart:       prometheusChart,
		version:     prometheusVersion,
		timeout:     10 * time.Minute,
		values: map[string]any{
			"grafana": map[string]any{
				"sidecar": map[string]any{
					"dashboards": map[string]any{
						"enabled":         true,
						"label":           spec.DashboardLabel,
						"labelValue":      spec.DashboardLabelValue,
						"searchNamespace": "ALL",
					},
				},
			},
			// Alertmanager runs the generated configuration (configs/
			// alertmanager), with the receivers' keys mounted from the
			// Secret its ExternalSecret makes.
			"alertmanager": map[string]any{
				"alertmanagerSpec": map[string]any{
					"useExistingSecret": true,
					"configSecret":      spec.AlertmanagerConfigSecret,
					"secrets":           []string{spec.AlertmanagerReceiversSecret},
				},
			},
			"prometheus": map[string]any{
				"prometheusSpec": map[string]any{
					"podMonitorSelectorNilUsesHelmValues":     false,
					"ruleSelectorNilUsesHelmValues":           false,
					"serviceMonitorSelectorNilUsesHelmValues": false,
					"retention": fmt.Sprintf("%dd", p.Data.MetricsDays),
				},
			},
		},
	}
}

// pushgateway keeps what the database jobs push (backup and restore-drill
// results; spec.PushgatewayURL) for Prometheus to scrape: batch jobs are
// gone before a scrape could find them. It installs beside Prometheus
// from the same repository, as release spec.PushgatewayName, whose
// Service the chart names the same, on port spec.PushgatewayPort.
//
//   - Its ServiceMonitor keeps the pushed job and namespace labels
//     (honorLabels), which the alerts group by.
//   - It persists to a volume, so that a restart keeps the last success
//     timestamps: otherwise every restart would look like backups that
//     never ran.
//   - Only the database jobs' pods (by namespace and name) and the
//     monitoring namespace (Prometheus's scrapes) may reach it: anyone
//     else could push a fake success and silence a backup alert.
func pushgateway(prometheus *component, databases []*spec.Service) component {
	peers := []any{map[string]any{"namespaceSelector": inNamespace(spec.MonitoringNamespace)}}
	for _, s := range databases {
		peers = append(peers, map[string]any{
			"namespaceSelector": inNamespace(serviceNamespace(s)),
			"podSelector":       metav1.LabelSelector{MatchLabels: map[string]string{spec.LabelName: spec.DatabaseJobsServiceAccount(s)}},
		})
	}
	const user = 65534 // the image's nobody, as the chart sets it
	return component{
		name:      spec.PushgatewayName,
		namespace: prometheus.namespace,
		repoURL:   prometheus.repoURL,
		chart:     pushgatewayChart,
		version:   pushgatewayVersion,
		timeout:   5 * time.Minute,
		// Its ServiceMonitor's kind comes with kube-prometheus-stack.
		dependsOn: []helmv2.DependencyReference{{Name: prometheus.name, Namespace: prometheus.namespace}},
		guest:     prometheus,
		origins:   serviceOrigins(databases, "database"),
		values: map[string]any{
			"serviceMonitor": map[string]any{
				"enabled":     true,
				"honorLabels": true,
				// kube-prometheus-stack's Prometheus selects every
				// ServiceMonitor (serviceMonitorSelectorNilUsesHelmValues:
				// false); the release label keeps this one selected if
				// that ever reverts to the chart's default.
				"additionalLabels": map[string]any{"release": prometheus.name},
			},
			"persistentVolume": map[string]any{"enabled": true, "size": "1Gi"},
			// The chart mounts the volume at /data but leaves the file
			// to the flags.
			"extraArgs": []string{"--persistence.file=/data/pushgateway.data", "--persistence.interval=1m"},
			"resources": map[string]any{
				"requests": map[string]any{"cpu": "10m", "memory": "32Mi"},
				"limits":   map[string]any{"memory": "64Mi"},
			},
			"automountServiceAccountToken": false,
			"securityContext": map[string]any{
				"runAsNonRoot":   true,
				"runAsUser":      user,
				"runAsGroup":     user,
				"fsGroup":        user,
				"seccompProfile": map[string]any{"type": "RuntimeDefault"},
			},
			"containerSecurityContext": map[string]any{
				"allowPrivilegeEscalation": false,
				"readOnlyRootFilesystem":   true,
				"capabilities":             map[string]any{"drop": []string{"ALL"}},
			},
			"networkPolicy": map[string]any{"customSelectors": peers},
		},
	}
}

// pushgatewayPods selects the Pushgateway's pods (the chart's selector
// labels), for the database jobs' network policy.
func pushgatewayPods() map[string]string {
	return map[string]string{spec.LabelName: pushgatewayChart, "app.kubernetes.io/instance": spec.PushgatewayName}
}

// certManager issues the OpenFeature operator's webhook certificate; the
// operator's chart requires it.
func certManager() component {
	return component{
		name:        certManagerChart,
		namespace:   spec.CertManagerNamespace,
		podSecurity: "baseline",
		repoURL:     certManagerRepo,
		chart:       certManagerChart,
		version:     certManagerVersion,
		timeout:     5 * time.Minute,
		values:      map[string]any{"crds": map[string]any{"enabled": true}},
	}
}

// openFeature runs the OpenFeature operator, which serves flags to
// services through flagd.
func openFeature() component {
	return component{
		name:        openFeatureChart,
		namespace:   spec.OpenFeatureNamespace,
		podSecurity: "baseline",
		repoURL:     openFeatureRepo,
		chart:       openFeatureChart,
		version:     openFeatureVersion,
		timeout:     5 * time.Minute,
		values:      map[string]any{},
		dependsOn:   []helmv2.DependencyReference{{Name: certManagerChart, Namespace: spec.CertManagerNamespace}},
	}
}

// namespace is a Namespace with a Pod Security Standards level enforced.
func namespace(name, level string) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   typeMeta("v1", "Namespace"),
		ObjectMeta: meta(name, "", map[string]string{"pod-security.kubernetes.io/enforce": level}),
	}
}
