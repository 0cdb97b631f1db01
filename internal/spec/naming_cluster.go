package spec

import (
	"fmt"
	"strings"
)

// Names in the cluster that more than one generator writes: the flux
// generator installs the controllers and their values, the alertmanager and
// dashboards generators write objects those controllers read. Each is
// defined here once, so that a rename is one edit and the two sides cannot
// name different things.

// Namespaces of the cluster's controllers.
const (
	// MonitoringNamespace is where kube-prometheus-stack runs: Prometheus,
	// Alertmanager and Grafana with its dashboard sidecar.
	MonitoringNamespace  = "monitoring"
	FluxNamespace        = "flux-system"
	CertManagerNamespace = "cert-manager"
	OpenFeatureNamespace = "open-feature"
	KubeSystemNamespace  = "kube-system"
)

// SecretStore is the ClusterSecretStore, reading AWS Secrets Manager, that
// the flux generator writes into every environment's configs layer and
// every ExternalSecret reads through.
const SecretStore = "aws-secrets-manager"

// Grafana's dashboard sidecar (kube-prometheus-stack) loads every ConfigMap
// labelled DashboardLabel=DashboardLabelValue.
const (
	DashboardLabel      = "grafana_dashboard"
	DashboardLabelValue = "1"
)

// Secrets kube-prometheus-stack's Alertmanager is given
// (alertmanager.alertmanagerSpec.configSecret and .secrets).
const (
	// AlertmanagerConfigSecret holds the generated configuration; the
	// Prometheus Operator loads it in place of the chart's own.
	AlertmanagerConfigSecret = "alertmanager-groundwork"
	// AlertmanagerReceiversSecret holds one key per team and channel
	// (AlertmanagerSecretKeys), filled from AlertmanagerSecretName.
	AlertmanagerReceiversSecret = "alertmanager-receivers"
)

// AlertmanagerDir is the folder of environment e that holds Alertmanager's
// configuration and the objects that make its Secrets; the Flux configs
// layer lists it.
func AlertmanagerDir(e *Environment) string { return FluxDir(e) + "/configs/alertmanager" }

// The recommended labels of Kubernetes (app.kubernetes.io/...) that
// generated objects carry.
const (
	LabelName   = "app.kubernetes.io/name"
	labelPartOf = "app.kubernetes.io/part-of"
)

// Labels mark an object as part name of platform p.
func Labels(p *Platform, name string) map[string]string {
	return map[string]string{LabelName: name, labelPartOf: p.Name}
}

// Undeployed lists, one line each, the services that an environment does
// not run yet because its release record names no digest for them: their
// namespaces, identities, policies and secrets are generated, their
// workloads are not; and, per environment, the database jobs when pgops has
// no digest there. Sorted by environment, then service.
func Undeployed(m *Model) []string {
	var out []string
	for _, e := range m.Environments {
		for _, s := range m.Services {
			if m.Digest(e, s) != "" {
				continue
			}
			if r := m.Releases[e.Name]; r != nil && r.Source != nil {
				out = append(out, fmt.Sprintf("%s is not deployed in %s yet (no digest in %s)", s.Name, e.Name, r.Source.Path))
			} else {
				out = append(out, fmt.Sprintf("%s is not deployed in %s yet (no release record %s)", s.Name, e.Name, ReleaseFile(e)))
			}
		}
		if dbs := servicesWithDatabase(m); len(dbs) > 0 && m.PgopsDigest(e) == "" {
			why := fmt.Sprintf("no release record %s", ReleaseFile(e))
			if r := m.Releases[e.Name]; r != nil && r.Source != nil {
				why = fmt.Sprintf("no %s digest in %s", PgopsRelease, r.Source.Path)
			}
			out = append(out, fmt.Sprintf("the database jobs (grant, backup, restore drill) of %s are not deployed in %s yet (%s); BackupTooOld fires there until a backup runs",
				strings.Join(dbs, ", "), e.Name, why))
		}
	}
	return out
}

// servicesWithDatabase names the services that have a database.
func servicesWithDatabase(m *Model) []string {
	var out []string
	for _, s := range m.Services {
		if s.Database != nil {
			out = append(out, s.Name)
		}
	}
	return out
}
