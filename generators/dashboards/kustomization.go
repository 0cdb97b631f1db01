package dashboards

import (
	"bytes"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/spec"
)

// KustomizationPath turns the dashboards folder into ConfigMaps, labelled
// for Grafana's sidecar (spec.DashboardLabel) in the monitoring namespace;
// Flux applies it in every cluster.
const KustomizationPath = spec.DashboardsDir + "/kustomization.yaml"

// ConfigMapName is the ConfigMap that carries the dashboard of file stem
// stem (a service name, or the overview's).
func ConfigMapName(stem string) string { return "dashboard-" + stem }

// kustomizeConfig is a kustomize Kustomization with the fields this folder
// uses, in the order people write them.
type kustomizeConfig struct {
	APIVersion         string            `yaml:"apiVersion"`
	Kind               string            `yaml:"kind"`
	Namespace          string            `yaml:"namespace"`
	GeneratorOptions   generatorOptions  `yaml:"generatorOptions"`
	ConfigMapGenerator []configMapSource `yaml:"configMapGenerator"`
}

// generatorOptions keep the ConfigMap names stable: with a hash suffix,
// every change would leave the old ConfigMap behind for Flux to prune and
// the sidecar would briefly load two copies of a dashboard.
type generatorOptions struct {
	DisableNameSuffixHash bool              `yaml:"disableNameSuffixHash"`
	Labels                map[string]string `yaml:"labels"`
}

type configMapSource struct {
	Name  string   `yaml:"name"`
	Files []string `yaml:"files"`
}

// kustomization lists a ConfigMap per dashboard, by file stem, sorted. The
// file's name is the ConfigMap's key, which the sidecar writes to disk as
// the dashboard's file.
func kustomization(m *spec.Model) ([]byte, error) {
	files := []string{path.Base(OverviewPath)}
	for _, s := range m.Services {
		files = append(files, path.Base(spec.DashboardPath(s)))
	}
	slices.Sort(files)
	k := kustomizeConfig{
		APIVersion: "kustomize.config.k8s.io/v1beta1",
		Kind:       "Kustomization",
		Namespace:  spec.MonitoringNamespace,
		GeneratorOptions: generatorOptions{
			DisableNameSuffixHash: true,
			Labels:                map[string]string{spec.DashboardLabel: spec.DashboardLabelValue},
		},
	}
	for _, f := range files {
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, configMapSource{
			Name:  ConfigMapName(strings.TrimSuffix(f, ".json")),
			Files: []string{f},
		})
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(k); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
