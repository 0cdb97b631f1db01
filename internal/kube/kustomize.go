package kube

// kustomize's kustomization.yaml, with the fields the generators use: what
// Flux's kustomize-controller builds each synced path from.

// KustomizationFile is the name kustomize reads a folder's kustomization by.
const KustomizationFile = "kustomization.yaml"

// Kustomization is a kustomize.config.k8s.io/v1beta1 Kustomization.
// Resources has no omitempty in JSON: a Flux folder (Sorted) always lists
// its resources, while an InOrder folder that only generates leaves them
// out.
type Kustomization struct {
	APIVersion         string               `json:"apiVersion" yaml:"apiVersion"`
	Kind               string               `json:"kind" yaml:"kind"`
	Namespace          string               `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	GeneratorOptions   *GeneratorOptions    `json:"generatorOptions,omitempty" yaml:"generatorOptions,omitempty"`
	Resources          []string             `json:"resources" yaml:"resources,omitempty"`
	SecretGenerator    []SecretGenerator    `json:"secretGenerator,omitempty" yaml:"secretGenerator,omitempty"`
	ConfigMapGenerator []ConfigMapGenerator `json:"configMapGenerator,omitempty" yaml:"configMapGenerator,omitempty"`
}

// NewKustomization is a Kustomization with its type filled in.
func NewKustomization() *Kustomization {
	return &Kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization"}
}

// GeneratorOptions of generated Secrets and ConfigMaps. A fixed name
// (DisableNameSuffixHash) suits objects that another controller finds by
// name and reloads when they change.
type GeneratorOptions struct {
	DisableNameSuffixHash bool              `json:"disableNameSuffixHash" yaml:"disableNameSuffixHash"`
	Labels                map[string]string `json:"labels" yaml:"labels"`
}

// SecretGenerator makes a Secret, one key per file.
type SecretGenerator struct {
	Name    string           `json:"name" yaml:"name"`
	Files   []string         `json:"files" yaml:"files"`
	Options GeneratorOptions `json:"options" yaml:"options"`
}

// ConfigMapGenerator makes a ConfigMap, one key per file.
type ConfigMapGenerator struct {
	Name  string   `json:"name" yaml:"name"`
	Files []string `json:"files" yaml:"files"`
}
