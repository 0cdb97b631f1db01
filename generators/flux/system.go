package flux

import (
	"strings"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Sync intervals. Git is polled often, since a merge should reach the
// cluster in about a minute; layers are re-applied (drift corrected) less
// often, and retried sooner than that after a failure.
const (
	gitInterval   = time.Minute
	layerInterval = 10 * time.Minute
	layerRetry    = 2 * time.Minute
)

// system makes flux-system/: how the cluster follows this repository. Flux
// itself is installed with `flux install` (its controllers are versioned
// by the Flux CLI, not by the specs); applying this folder once with
// `kubectl apply -k` then hands everything, this folder included, to Flux.
func (g *envGen) system() error {
	f := g.folder(layerSystem,
		g.platformOrigin("repository"),
		g.envOrigin("name", "delivery"),
	)

	f.add("gitrepository.yaml", &sourcev1.GitRepository{
		TypeMeta:   typeMeta(sourcev1.GroupVersion.String(), sourcev1.GitRepositoryKind),
		ObjectMeta: meta(sourceName, spec.FluxNamespace, nil),
		Spec: sourcev1.GitRepositorySpec{
			URL:       gitRepositoryPrefix + g.p.Repository,
			SecretRef: &fluxmeta.LocalObjectReference{Name: sourceName},
			Interval:  metav1.Duration{Duration: gitInterval},
			Reference: &sourcev1.GitRepositoryRef{Branch: g.branch()},
			// Only this environment's tree: a change elsewhere in the
			// monorepo makes no new artifact and no reconciliation here.
			Ignore: ptr(onlyDirs(g.dir, spec.DashboardsDir)),
		},
	})

	// The folder syncs itself, as `flux bootstrap` sets it up, but does not
	// wait for what it creates: its health would otherwise be that of
	// every layer, and a broken app would stop Flux from updating itself.
	f.add(layerSystem+".yaml", g.layer(layerSystem, false, 0))
	f.add(layerInfrastructure+".yaml", g.layer(layerInfrastructure, true, 10*time.Minute))
	f.add(layerConfigs+".yaml", g.layer(layerConfigs, true, 2*time.Minute, layerInfrastructure))
	f.add(layerApps+".yaml", g.layer(layerApps, true, 5*time.Minute, layerConfigs))
	// The dashboards are shared by every environment, so they live once
	// at the repository root; Grafana's sidecar loads their ConfigMaps.
	dashboards := g.layer(layerDashboards, true, 2*time.Minute, layerInfrastructure)
	dashboards.Spec.Path = "./" + spec.DashboardsDir
	f.add(layerDashboards+".yaml", dashboards)
	return f.done(g)
}

// onlyDirs is a .gitignore that ignores everything but dirs. Git cannot
// re-include a path below an ignored folder, so each level is let in and
// its other entries shut out again:
//
//	/*
//	!/environments/
//	/environments/*
//	!/environments/prod/
//	...
func onlyDirs(dirs ...string) string {
	var b strings.Builder
	b.WriteString("/*\n")
	seen := map[string]bool{}
	for _, dir := range dirs {
		prefix := "/"
		parts := strings.Split(dir, "/")
		for i, part := range parts {
			prefix += part + "/"
			if seen[prefix] {
				continue
			}
			seen[prefix] = true
			b.WriteString("!" + prefix + "\n")
			if i < len(parts)-1 {
				b.WriteString(prefix + "*\n")
			}
		}
	}
	return b.String()
}

// branch is the branch whose commits the environment runs: the delivery
// branch of a merge environment; for tag and manual environments, the
// default branch, where their release workflows commit the release record.
func (g *envGen) branch() string {
	if g.e.Delivery.Trigger == spec.TriggerMerge && g.e.Delivery.Branch != "" {
		return g.e.Delivery.Branch
	}
	return spec.DefaultBranch
}

// layer is the Flux Kustomization of one layer. wait makes Flux report it
// ready only when everything it applied is ready (Deployments rolled out,
// HelmReleases installed, the secret store validated), which is what
// dependsOn of the next layer waits for.
func (g *envGen) layer(name string, wait bool, timeout time.Duration, dependsOn ...string) *kustomizev1.Kustomization {
	k := &kustomizev1.Kustomization{
		TypeMeta:   typeMeta(kustomizev1.GroupVersion.String(), kustomizev1.KustomizationKind),
		ObjectMeta: meta(name, spec.FluxNamespace, nil),
		Spec: kustomizev1.KustomizationSpec{
			Interval:      metav1.Duration{Duration: layerInterval},
			RetryInterval: &metav1.Duration{Duration: layerRetry},
			Path:          g.layerPath(name),
			Prune:         true,
			Wait:          wait,
			SourceRef:     kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: sourceName},
		},
	}
	if timeout > 0 {
		k.Spec.Timeout = &metav1.Duration{Duration: timeout}
	}
	for _, d := range dependsOn {
		k.Spec.DependsOn = append(k.Spec.DependsOn, kustomizev1.DependencyReference{Name: d})
	}
	return k
}
