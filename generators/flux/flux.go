// Package flux makes what each environment's cluster runs, as plain
// manifests that Flux syncs from environments/<env>/flux:
//
//	flux-system/     the GitRepository of this monorepo and one Flux
//	                 Kustomization per layer below (and one for itself)
//	infrastructure/  Helm releases of the controllers every service relies on:
//	                 External Secrets Operator, kube-prometheus-stack,
//	                 when a service has a database, the Pushgateway its
//	                 backup and restore-drill jobs push to and the
//	                 CloudWatch exporter that reads its RDS instance's
//	                 metrics (cloudwatch.go) and, when a service declares
//	                 flags, the OpenFeature operator
//	configs/         objects whose kinds those controllers bring (the
//	                 ClusterSecretStore), when a service declares secrets
//	                 or has a database
//	apps/<service>/  one folder per service: namespace, identity, network
//	                 policies and secrets always (with a database, its
//	                 connection and the identity of its jobs); the workload
//	                 only once the environment's release record names an
//	                 image digest, and the database jobs (grant, backup,
//	                 restore drill) once it names a pgops digest
//
// When the platform spec sets argocd, environments/<env>/argocd holds an
// Argo CD ApplicationSet over the same layers (flux-system aside), for
// teams that sync with Argo CD.
//
// Objects are typed Go structs (k8s.io/api, the Flux and prometheus-operator
// API modules, and internal/kube for External Secrets and kustomize, whose
// API modules cannot be resolved from the module proxy), marshalled one per
// file by kube.Marshal with sorted keys, so the output is byte-stable and a
// field name cannot be misspelt.
package flux

import (
	"errors"
	"fmt"
	"path"
	"slices"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Pinned Helm charts. Bumping one is a reviewed change of generated output
// in every environment, never a surprise at sync time.
const (
	externalSecretsRepo    = "https://charts.external-secrets.io"
	externalSecretsChart   = "external-secrets"
	externalSecretsVersion = "2.10.0"

	prometheusRepo    = "https://prometheus-community.github.io/helm-charts"
	prometheusChart   = spec.PrometheusStackRelease
	prometheusVersion = "91.5.0"

	pushgatewayChart   = "prometheus-pushgateway" // from prometheusRepo
	pushgatewayVersion = "3.8.0"

	certManagerRepo    = "https://charts.jetstack.io"
	certManagerChart   = "cert-manager"
	certManagerVersion = "v1.19.4"

	openFeatureRepo    = "https://open-feature.github.io/open-feature-operator/"
	openFeatureChart   = "open-feature-operator"
	openFeatureVersion = "v0.8.9"
)

// Names shared by the layers: Flux's source and the identity of External
// Secrets Operator. Names other generators share are in spec
// (naming_cluster.go).
const (
	sourceName          = "flux-system" // the GitRepository, and its deploy key Secret
	externalSecretsNS   = spec.ExternalSecretsNamespace
	externalSecretsSA   = spec.ExternalSecretsServiceAccount
	secretKey           = "value" // the key of the one value in each synced Secret
	gitRepositoryPrefix = "ssh://git@github.com/"
)

// reservedNamespaces are the namespaces Kubernetes, Flux and the
// infrastructure layer use: a service there would share them, and two
// Flux Kustomizations would fight over one Namespace object.
// The spec rejects them as service names; this keeps the generator honest
// when it is called on a model that skipped validation.
var reservedNamespaces = spec.ReservedNamespaces

// Layers Flux applies in order, each a Flux Kustomization of the same name
// pointing at the folder of the same name.
const (
	layerSystem         = "flux-system"
	layerInfrastructure = "infrastructure"
	layerConfigs        = "configs"
	layerApps           = "apps"
	layerDashboards     = "dashboards" // synced from the repository root
)

// Generator makes environments/<env>/flux (and argocd) for every environment.
type Generator struct{}

func (Generator) Kind() string { return "flux" }

func (g Generator) Generate(in engine.Input) ([]engine.File, error) { return engine.Collect(in, g) }

// Stream hands over each service's folder of each environment as soon as
// it is made, and then the rest of the environment: at a thousand services
// the folders are hundreds of megabytes (see engine.Streamer).
func (Generator) Stream(in engine.Input, emit func([]engine.File)) error {
	m := in.Spec
	for _, s := range m.Services {
		if slices.Contains(reservedNamespaces, serviceNamespace(s)) {
			return fmt.Errorf("%s: service %q would run in namespace %q, which the cluster or its controllers use; rename the service", s.Source.Path, s.Name, serviceNamespace(s))
		}
	}
	// Environments are independent: render them in parallel.
	errs := make([]error, len(m.Environments))
	parallel.For(len(m.Environments), func(i int) {
		e := m.Environments[i]
		g := &envGen{in: in, m: m, am: in.Alerting, p: m.Platform, e: e, dir: spec.FluxDir(e), emit: emit}
		for _, step := range []func() error{g.system, g.infrastructure, g.configs, g.apps, g.argocd} {
			if err := step(); err != nil {
				errs[i] = fmt.Errorf("%s: %w", e.Name, err)
				return
			}
		}
		emit(g.files)
	})
	return errors.Join(errs...)
}

// envGen makes the files of one environment.
type envGen struct {
	in    engine.Input
	m     *spec.Model
	am    *alerting.Model // the derived alerts and rule groups
	p     *spec.Platform
	e     *spec.Environment
	dir   string
	files []engine.File
	emit  func([]engine.File) // hands over files made (see Stream)
}

// layerPath is the path a Flux Kustomization syncs, as Flux writes it:
// relative to the repository root, starting with "./".
func (g *envGen) layerPath(layer string) string { return "./" + g.dir + "/" + layer }

// envDir is the environment's folder, which holds flux/.
func (g *envGen) envDir() string { return path.Dir(g.dir) }

// servicesWith returns the services for which has is true.
func (g *envGen) servicesWith(has func(*spec.Service) bool) []*spec.Service {
	var out []*spec.Service
	for _, s := range g.m.Services {
		if has(s) {
			out = append(out, s)
		}
	}
	return out
}

func hasFlags(s *spec.Service) bool    { return len(s.Flags) > 0 }
func hasSecrets(s *spec.Service) bool  { return len(s.Secrets) > 0 }
func hasDatabase(s *spec.Service) bool { return s.Database != nil }

// readsSecrets: the service's namespace holds an ExternalSecret, of a
// declared secret or of its database's connection.
func readsSecrets(s *spec.Service) bool { return hasSecrets(s) || hasDatabase(s) }

// envOrigin is the environment spec, limited to fields when given.
func (g *envGen) envOrigin(fields ...string) engine.Origin {
	return engine.Origin{Spec: g.e.Source.Path, Fields: fields}
}

func (g *envGen) platformOrigin(fields ...string) engine.Origin {
	return engine.Origin{Spec: g.p.Source.Path, Fields: fields}
}

// serviceOrigins names one field list of each service.
func serviceOrigins(services []*spec.Service, fields ...string) []engine.Origin {
	out := make([]engine.Origin, len(services))
	for i, s := range services {
		out[i] = engine.Origin{Spec: s.Source.Path, Fields: fields}
	}
	return out
}

// releaseOrigin is the environment's release record, when there is one:
// adding a digest to it changes the service's folder, and so does adding
// a pgops digest to the folder of a service with a database (its jobs).
func (g *envGen) releaseOrigin(s *spec.Service) []engine.Origin {
	r := g.m.Releases[g.e.Name]
	if r == nil || r.Source == nil {
		return nil
	}
	fields := []string{s.Name}
	if s.Database != nil {
		fields = append(fields, spec.PgopsRelease)
	}
	return []engine.Origin{{Spec: r.Source.Path, Fields: fields}}
}
