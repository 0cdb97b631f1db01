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
// ReceiversSecret, which an ExternalSecret fills from the environment's
// Secrets Manager secret (spec.AlertmanagerSecretName) and
// kube-prometheus-stack mounts under SecretsDir. The configuration itself
// becomes the Secret ConfigSecret, which the stack's Alertmanager loads.
package alertmanager

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Names kube-prometheus-stack is given (alertmanager.alertmanagerSpec
// .configSecret and .secrets): they are exported so that the HelmRelease
// values and this folder cannot name different Secrets.
const (
	// Namespace is where kube-prometheus-stack, and so Alertmanager, runs.
	Namespace = "monitoring"
	// ConfigSecret holds ConfigKey, the configuration; the Prometheus
	// Operator loads it in place of the chart's own.
	ConfigSecret = "alertmanager-groundwork"
	// ConfigKey is the key of ConfigSecret that holds the configuration,
	// the one the Prometheus Operator reads.
	ConfigKey = "alertmanager.yaml"
	// ReceiversSecret holds one key per team and channel, named as
	// spec.AlertmanagerSecretKeys names them.
	ReceiversSecret = "alertmanager-receivers"
	// SecretsDir is where the Prometheus Operator mounts ReceiversSecret
	// in the Alertmanager container: /etc/alertmanager/secrets/<secret>.
	SecretsDir = "/etc/alertmanager/secrets/" + ReceiversSecret
)

// secretStore is the ClusterSecretStore the flux generator writes into
// every environment's configs layer, reading AWS Secrets Manager.
const secretStore = "aws-secrets-manager"

// Files of the folder.
const (
	ExternalSecretFile = "externalsecret.yaml"
	KustomizationFile  = "kustomization.yaml"
)

// Dir is the folder of environment e that holds the configuration, the
// ExternalSecret and the kustomization that builds them; the Flux configs
// layer includes it.
func Dir(e *spec.Environment) string { return spec.FluxDir(e) + "/configs/alertmanager" }

// Generator makes Dir of every environment.
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
		cfg, err := encodeYAML(configOf(m.Platform, e))
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		es, err := encodeYAML(externalSecretOf(m.Platform, e))
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		k, err := encodeYAML(kustomizationOf(m.Platform))
		if err != nil {
			return nil, fmt.Errorf("alertmanager %s: %w", e.Name, err)
		}
		dir := Dir(e)
		files = append(files,
			engine.File{Path: dir + "/" + ConfigKey, Origins: origins, Data: cfg},
			engine.File{Path: dir + "/" + ExternalSecretFile, Origins: origins, Data: es},
			engine.File{Path: dir + "/" + KustomizationFile, Origins: origins, Data: k},
		)
	}
	return files, nil
}

// encodeYAML writes v with its struct fields in declaration order, which
// is the order people read these files in, and two-space indents.
func encodeYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
