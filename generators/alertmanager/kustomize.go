package alertmanager

import (
	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The two Kubernetes files of the folder, of internal/kube's types, fields
// in the order people write them; the tests decode both files strictly
// against the real schemas.

// refreshInterval is how soon a credential changed in Secrets Manager
// reaches Alertmanager; the operator reloads it from the mounted file.
const refreshInterval = "1h"

// externalSecretOf copies the environment's Secrets Manager secret, a JSON
// object with one key per team and channel, key for key into
// spec.AlertmanagerReceiversSecret: extracting the whole object means that a
// team added to the platform needs a value in Secrets Manager, not a change
// here.
func externalSecretOf(p *spec.Platform, e *spec.Environment) *kube.ExternalSecret {
	return kube.NewExternalSecret(
		kube.ObjectMeta{Name: spec.AlertmanagerReceiversSecret, Namespace: spec.MonitoringNamespace, Labels: spec.Labels(p, "alertmanager")},
		kube.ExternalSecretSpec{
			RefreshInterval: refreshInterval,
			SecretStoreRef:  kube.ClusterStore(spec.SecretStore),
			// Retain: if the secret goes away in AWS, Alertmanager keeps
			// the credentials it has rather than losing every receiver.
			Target:   kube.ExternalSecretTarget{Name: spec.AlertmanagerReceiversSecret, CreationPolicy: kube.CreationOwner, DeletionPolicy: kube.DeletionRetain},
			DataFrom: []kube.ExternalSecretFrom{{Extract: kube.RemoteRef{Key: spec.AlertmanagerSecretName(e)}}},
		})
}

// kustomizationOf builds spec.AlertmanagerConfigSecret from the
// configuration file, whose name is the key the operator reads, beside the
// ExternalSecret. Its name stays fixed: kube-prometheus-stack names it
// (configSecret), and the Prometheus Operator watches it and reloads
// Alertmanager when it changes, so no hash suffix is needed to roll
// anything.
func kustomizationOf(p *spec.Platform) *kube.Kustomization {
	k := kube.NewKustomization()
	k.Namespace = spec.MonitoringNamespace
	k.Resources = []string{ExternalSecretFile}
	k.SecretGenerator = []kube.SecretGenerator{{
		Name:    spec.AlertmanagerConfigSecret,
		Files:   []string{ConfigKey},
		Options: kube.GeneratorOptions{DisableNameSuffixHash: true, Labels: spec.Labels(p, "alertmanager")},
	}}
	return k
}
