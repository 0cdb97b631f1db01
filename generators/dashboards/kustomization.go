package dashboards

import (
	"path"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// KustomizationPath turns the dashboards folder into ConfigMaps, labelled
// for Grafana's sidecar (spec.DashboardLabel) in the monitoring namespace;
// Flux applies it in every cluster.
const KustomizationPath = spec.DashboardsDir + "/" + kube.KustomizationFile

// ConfigMapName is the ConfigMap that carries the dashboard of file stem
// stem (a service name, or the overview's).
func ConfigMapName(stem string) string { return "dashboard-" + stem }

// kustomization lists a ConfigMap per dashboard, by file stem, sorted. The
// file's name is the ConfigMap's key, which the sidecar writes to disk as
// the dashboard's file.
func kustomization(m *spec.Model) ([]byte, error) {
	files := []string{path.Base(OverviewPath)}
	for _, s := range m.Services {
		files = append(files, path.Base(spec.DashboardPath(s)))
	}
	slices.Sort(files)
	// The ConfigMap names stay fixed: with a hash suffix, every change
	// would leave the old ConfigMap behind for Flux to prune and the
	// sidecar would briefly load two copies of a dashboard.
	k := kube.NewKustomization()
	k.Namespace = spec.MonitoringNamespace
	k.GeneratorOptions = &kube.GeneratorOptions{
		DisableNameSuffixHash: true,
		Labels:                map[string]string{spec.DashboardLabel: spec.DashboardLabelValue},
	}
	for _, f := range files {
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, kube.ConfigMapGenerator{
			Name:  ConfigMapName(strings.TrimSuffix(f, ".json")),
			Files: []string{f},
		})
	}
	return kube.Marshal(k, kube.InOrder)
}
