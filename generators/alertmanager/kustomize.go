package alertmanager

import (
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// The two Kubernetes files of the folder. They are written with their own
// small types, fields in the order people write them, as the flux
// generator writes External Secrets: the External Secrets Go API is not
// served by the module proxy, and the tests decode both files strictly
// against the real schemas.

// refreshInterval is how soon a credential changed in Secrets Manager
// reaches Alertmanager; the operator reloads it from the mounted file.
const refreshInterval = "1h"

type externalSecret struct {
	APIVersion string             `yaml:"apiVersion"`
	Kind       string             `yaml:"kind"`
	Metadata   objectMeta         `yaml:"metadata"`
	Spec       externalSecretSpec `yaml:"spec"`
}

type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type externalSecretSpec struct {
	RefreshInterval string         `yaml:"refreshInterval"`
	SecretStoreRef  secretStoreRef `yaml:"secretStoreRef"`
	Target          secretTarget   `yaml:"target"`
	DataFrom        []dataFrom     `yaml:"dataFrom"`
}

type secretStoreRef struct {
	Kind string `yaml:"kind"`
	Name string `yaml:"name"`
}

type secretTarget struct {
	Name           string `yaml:"name"`
	CreationPolicy string `yaml:"creationPolicy"`
	DeletionPolicy string `yaml:"deletionPolicy"`
}

type dataFrom struct {
	Extract remoteKey `yaml:"extract"`
}

type remoteKey struct {
	Key string `yaml:"key"`
}

// externalSecretOf copies the environment's Secrets Manager secret, a JSON
// object with one key per team and channel, key for key into
// spec.AlertmanagerReceiversSecret: extracting the whole object means that a team added to
// the platform needs a value in Secrets Manager, not a change here.
func externalSecretOf(p *spec.Platform, e *spec.Environment) *externalSecret {
	return &externalSecret{
		APIVersion: "external-secrets.io/v1",
		Kind:       "ExternalSecret",
		Metadata:   objectMeta{Name: spec.AlertmanagerReceiversSecret, Namespace: spec.MonitoringNamespace, Labels: spec.Labels(p, "alertmanager")},
		Spec: externalSecretSpec{
			RefreshInterval: refreshInterval,
			SecretStoreRef:  secretStoreRef{Kind: "ClusterSecretStore", Name: spec.SecretStore},
			// Retain: if the secret goes away in AWS, Alertmanager keeps
			// the credentials it has rather than losing every receiver.
			Target:   secretTarget{Name: spec.AlertmanagerReceiversSecret, CreationPolicy: "Owner", DeletionPolicy: "Retain"},
			DataFrom: []dataFrom{{Extract: remoteKey{Key: spec.AlertmanagerSecretName(e)}}},
		},
	}
}

// kustomization is a kustomize Kustomization with the fields this folder
// uses.
type kustomization struct {
	APIVersion      string            `yaml:"apiVersion"`
	Kind            string            `yaml:"kind"`
	Namespace       string            `yaml:"namespace"`
	Resources       []string          `yaml:"resources"`
	SecretGenerator []secretGenerator `yaml:"secretGenerator"`
}

type secretGenerator struct {
	Name    string           `yaml:"name"`
	Files   []string         `yaml:"files"`
	Options generatorOptions `yaml:"options"`
}

// generatorOptions keep the Secret's name fixed: kube-prometheus-stack
// names it (configSecret), and the Prometheus Operator watches it and
// reloads Alertmanager when it changes, so no hash suffix is needed to
// roll anything.
type generatorOptions struct {
	DisableNameSuffixHash bool              `yaml:"disableNameSuffixHash"`
	Labels                map[string]string `yaml:"labels"`
}

// kustomizationOf builds spec.AlertmanagerConfigSecret from the configuration file, whose
// name is the key the operator reads, beside the ExternalSecret.
func kustomizationOf(p *spec.Platform) *kustomization {
	return &kustomization{
		APIVersion: "kustomize.config.k8s.io/v1beta1",
		Kind:       "Kustomization",
		Namespace:  spec.MonitoringNamespace,
		Resources:  []string{ExternalSecretFile},
		SecretGenerator: []secretGenerator{{
			Name:    spec.AlertmanagerConfigSecret,
			Files:   []string{ConfigKey},
			Options: generatorOptions{DisableNameSuffixHash: true, Labels: spec.Labels(p, "alertmanager")},
		}},
	}
}
