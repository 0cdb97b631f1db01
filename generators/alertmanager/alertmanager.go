// Package alertmanager makes, per environment, the Alertmanager
// configuration that delivers the alerts of package alerts to the teams
// that own them: pages to the team's PagerDuty service and Slack channel,
// tickets to its Slack channel alone, anything unowned to the platform
// owner. Routing and inhibition read the labels package alerts writes
// (team, severity, slo, tier), so an alert and the route that delivers it
// come from one model and cannot drift apart.
//
// The configuration names no credential: each receiver reads its PagerDuty
// routing key or Slack webhook URL from a file of the Secret
// spec.AlertmanagerReceiversSecret, which an ExternalSecret fills from the
// environment's Secrets Manager secret (spec.AlertmanagerSecretName) and
// kube-prometheus-stack mounts under secretsDir. The configuration itself
// becomes the Secret spec.AlertmanagerConfigSecret, which the stack's
// Alertmanager loads.
package alertmanager

import (
	"fmt"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// Names of the configuration's Secrets. The Secrets themselves, and the
// namespace, are named in spec (AlertmanagerConfigSecret,
// AlertmanagerReceiversSecret, MonitoringNamespace), where the flux
// generator's HelmRelease values read them too.
const (
	// ConfigKey is the key of the config Secret that holds the
	// configuration, the one the Prometheus Operator reads.
	ConfigKey = "alertmanager.yaml"
	// secretsDir is where the Prometheus Operator mounts the receivers
	// Secret in the Alertmanager container: /etc/alertmanager/secrets/<secret>.
	secretsDir = "/etc/alertmanager/secrets/" + spec.AlertmanagerReceiversSecret
)

// Files of the folder.
const (
	ExternalSecretFile = "externalsecret.yaml"
	KustomizationFile  = kube.KustomizationFile
)

// Generator makes spec.AlertmanagerDir of every environment: the
// configuration, the ExternalSecret and the kustomization that builds them.
type Generator struct{}

func (Generator) Kind() string { return "alertmanager" }

func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m := in.Spec
	var files []engine.File
	for _, e := range m.Environments {
		// Every file of the folder follows from the teams (receivers,
		// secret keys), the owner (the default route), the platform name
		// (labels) and whether the environment pages.
		origins := []engine.Origin{
			{Spec: m.Platform.Source.Path, Fields: []string{"name", "owner", "teams"}},
			{Spec: e.Source.Path, Fields: []string{"alerting"}},
		}
		cfg, err := yamlw.Encode(configOf(m.Platform, e))
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		es, err := kube.Marshal(externalSecretOf(m.Platform, e), kube.InOrder)
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		k, err := kube.Marshal(kustomizationOf(m.Platform), kube.InOrder)
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		dir := spec.AlertmanagerDir(e)
		files = append(files,
			engine.File{Path: dir + "/" + ConfigKey, Origins: origins, Data: cfg},
			engine.File{Path: dir + "/" + ExternalSecretFile, Origins: origins, Data: es},
			engine.File{Path: dir + "/" + KustomizationFile, Origins: origins, Data: k},
		)
	}
	return files, nil
}
