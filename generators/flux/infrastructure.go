package flux

import (
	"encoding/json"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
}

// infrastructure makes infrastructure/: one folder per controller.
func (g *envGen) infrastructure() error {
	flagged := g.servicesWith(hasFlags)
	f := g.folder(layerInfrastructure, g.platformOrigin("name"), g.envOrigin("account", "name"))
	f.origins = append(f.origins, serviceOrigins(flagged, "flags")...)

	comps := []component{g.externalSecrets(), prometheusStack()}
	if len(flagged) > 0 {
		comps = append(comps, certManager(), openFeature())
	}
	for _, c := range comps {
		sub := g.folder(layerInfrastructure+"/"+c.name, f.origins...)
		sub.add("namespace.yaml", namespace(c.namespace, c.podSecurity))
		sub.add("helmrepository.yaml", &sourcev1.HelmRepository{
			TypeMeta:   typeMeta(sourcev1.GroupVersion.String(), sourcev1.HelmRepositoryKind),
			ObjectMeta: meta(c.name, c.namespace, nil),
			Spec: sourcev1.HelmRepositorySpec{
				URL:      c.repoURL,
				Interval: metav1.Duration{Duration: chartInterval},
			},
		})
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
					SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: c.name},
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
// grafana_dashboard, which is how generated dashboards arrive.
func prometheusStack() component {
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
				},
			},
		},
	}
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
