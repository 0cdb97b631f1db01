package flux

import (
	"slices"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// The CloudWatch exporter: YACE, prometheus-community's
// yet-another-cloudwatch-exporter, from the same chart repository as
// kube-prometheus-stack. DatabaseStorageLow watches an RDS instance's free
// storage, which only CloudWatch knows; without an exporter the alert
// would watch a metric nothing exports and never fire.
//
// YACE rather than prometheus-cloudwatch-exporter (the Java one): its
// static jobs read exactly the metrics of exactly the instances named, with
// cloudwatch:GetMetricStatistics alone, where the Java exporter lists
// metrics first (cloudwatch:ListMetrics) and resolves tags
// (tag:GetResources); it runs in 64 MiB rather than a JVM's heap; and it
// names series as the alert reads them (spec.RDSFreeStorage).
const (
	cloudWatchChart   = "prometheus-yet-another-cloudwatch-exporter" // from prometheusRepo
	cloudWatchVersion = "0.47.0"
)

// yaceConfig is YACE's configuration file (apiVersion v1alpha1), with the
// fields groundwork sets, in YACE's spelling. cloudWatchConfig lists every
// string it puts in one among its words.
type yaceConfig struct {
	APIVersion string       `yaml:"apiVersion"`
	StsRegion  string       `yaml:"sts-region"`
	Static     []yaceStatic `yaml:"static"`
}

// yaceStatic is a static job: one CloudWatch namespace, the dimensions of
// one resource, and its metrics.
type yaceStatic struct {
	Name       string          `yaml:"name"`
	Namespace  string          `yaml:"namespace"`
	Regions    []string        `yaml:"regions"`
	Dimensions []yaceDimension `yaml:"dimensions"`
	Metrics    []yaceMetric    `yaml:"metrics"`
}

type yaceDimension struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type yaceMetric struct {
	Name       string   `yaml:"name"`
	Statistics []string `yaml:"statistics"`
	Period     int      `yaml:"period"`
	Length     int      `yaml:"length"`
}

// cloudWatchConfig reads, for the RDS instance of every service with a
// database in the environment, exactly the CloudWatch metrics that alerts
// watch (spec.RDSFreeStorage), in the environment's region: a static job per
// instance, named after it (YACE's name label), so that an instance added
// or removed is one job in the diff.
func (g *envGen) cloudWatchConfig(databases []*spec.Service) ([]byte, error) {
	cw := spec.RDSFreeStorage
	cfg := yaceConfig{APIVersion: "v1alpha1", StsRegion: g.e.Region}
	words := []string{cfg.APIVersion, cfg.StsRegion, cw.Namespace, cw.Dimension, cw.Name, cw.Statistic}
	for _, s := range databases {
		id := spec.DatabaseIdentifier(g.p, g.e, s)
		words = append(words, id)
		cfg.Static = append(cfg.Static, yaceStatic{
			Name:       id,
			Namespace:  cw.Namespace,
			Regions:    []string{g.e.Region},
			Dimensions: []yaceDimension{{Name: cw.Dimension, Value: id}},
			Metrics: []yaceMetric{{
				Name:       cw.Name,
				Statistics: []string{cw.Statistic},
				Period:     alerting.CloudWatchPeriod,
				Length:     alerting.CloudWatchLength,
			}},
		})
	}
	// yaml.v3 took most of the infrastructure layer's time on the jobs of
	// a thousand databases. yamlw gives its bytes where every string is a
	// word; a region or identifier that is not one is left to yaml.v3.
	if !slices.ContainsFunc(words, func(s string) bool { return !yamlw.Word(s) }) {
		return yamlw.Marshal(cfg)
	}
	return yamlw.Encode(cfg)
}

// cloudWatchExporter runs YACE beside Prometheus, as release
// spec.CloudWatchExporterName, with the IRSA role the Terraform root makes
// for it (spec.CloudWatchExporterRoleName), which may read CloudWatch's
// metric statistics in the environment's region and nothing else.
//
//   - fullnameOverride names its Deployment, Service, ServiceMonitor and
//     ServiceAccount spec.CloudWatchExporterName, which the role trusts.
//   - Its token is mounted: it calls AWS itself. fsGroup lets the image's
//     nobody read the projected IRSA token.
//   - labels-snake-case stays false, so that the dimension's label is
//     spec.RDSFreeStorage.Label, as the alert selects it.
//   - The chart's Helm test pod is left out: Flux runs no Helm tests.
func (g *envGen) cloudWatchExporter(prometheus *component, databases []*spec.Service) (component, error) {
	config, err := g.cloudWatchConfig(databases)
	if err != nil {
		return component{}, err
	}
	const user = 65534 // the image's nobody
	return component{
		name:      spec.CloudWatchExporterName,
		namespace: prometheus.namespace,
		repoURL:   prometheus.repoURL,
		chart:     cloudWatchChart,
		version:   cloudWatchVersion,
		timeout:   5 * time.Minute,
		// Its ServiceMonitor's kind comes with kube-prometheus-stack.
		dependsOn: []helmv2.DependencyReference{{Name: prometheus.name, Namespace: prometheus.namespace}},
		guest:     prometheus,
		origins:   serviceOrigins(databases, "database"),
		values: map[string]any{
			"fullnameOverride": spec.CloudWatchExporterName,
			"config":           string(config),
			"extraArgs": map[string]any{
				"scraping-interval": int(alerting.CloudWatchInterval.Seconds()),
				"labels-snake-case": false,
			},
			"serviceAccount": map[string]any{
				"create":                       true,
				"name":                         spec.CloudWatchExporterServiceAccount,
				"automountServiceAccountToken": true,
				"annotations":                  map[string]any{irsaAnnotation: spec.RoleARN(g.e, spec.CloudWatchExporterRoleName(g.p, g.e))},
			},
			"serviceMonitor": map[string]any{
				"enabled": true,
				// Selected by every Prometheus of kube-prometheus-stack,
				// and by this release's label should that revert.
				"labels": map[string]any{"release": prometheus.name},
			},
			"testConnection": false,
			"resources": map[string]any{
				"requests": map[string]any{"cpu": "10m", "memory": "64Mi"},
				"limits":   map[string]any{"memory": "128Mi"},
			},
			"podSecurityContext": map[string]any{
				"runAsNonRoot":   true,
				"runAsUser":      user,
				"runAsGroup":     user,
				"fsGroup":        user,
				"seccompProfile": map[string]any{"type": "RuntimeDefault"},
			},
			"securityContext": map[string]any{
				"allowPrivilegeEscalation": false,
				"readOnlyRootFilesystem":   true,
				"capabilities":             map[string]any{"drop": []string{"ALL"}},
			},
		},
	}, nil
}
