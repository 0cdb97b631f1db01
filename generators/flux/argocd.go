package flux

import (
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The few Argo CD (argoproj.io/v1alpha1) ApplicationSet fields this
// package writes. Argo CD's Go module cannot be fetched here (its
// go.mod replaces half of Kubernetes), so, as for External Secrets, the
// types are written by hand, field names as the ApplicationSet CRD names
// them; the tests decode the generated object strictly against a second,
// independent copy.

const (
	argoAPIVersion  = "argoproj.io/v1alpha1"
	argoNamespace   = "argocd"
	argoProject     = "default"
	argoInCluster   = "https://kubernetes.default.svc" // the cluster Argo CD runs in
	argoSyncWave    = "argocd.argoproj.io/sync-wave"
	argoDir         = "argocd"
	argoLayerKey    = "layer" // list generator element keys, used in the template
	argoWaveKey     = "wave"
	argoWaveLabel   = "groundwork.dev/wave" // what the RollingSync steps select by
	argoPathKey     = "path"
	argoRetryLimit  = 10
	argoRetryFirst  = "30s"
	argoRetryLonger = "5m"
)

type applicationSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              applicationSetSpec `json:"spec"`
}

type applicationSetSpec struct {
	GoTemplate        bool                   `json:"goTemplate"`
	GoTemplateOptions []string               `json:"goTemplateOptions,omitempty"`
	Generators        []applicationSetGen    `json:"generators"`
	Strategy          *appSetStrategy        `json:"strategy,omitempty"`
	Template          applicationSetTemplate `json:"template"`
}

// appSetStrategy is a progressive sync: the ApplicationSet controller
// syncs the Applications a step selects, waits until they are Healthy,
// then goes on to the next step.
type appSetStrategy struct {
	Type        string       `json:"type"`
	RollingSync *rollingSync `json:"rollingSync,omitempty"`
}

type rollingSync struct {
	Steps []rollingStep `json:"steps"`
}

type rollingStep struct {
	MatchExpressions []matchExpression `json:"matchExpressions"`
}

type matchExpression struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

type applicationSetGen struct {
	List *listGenerator `json:"list,omitempty"`
}

type listGenerator struct {
	Elements []map[string]string `json:"elements"`
}

type applicationSetTemplate struct {
	Metadata templateMeta    `json:"metadata"`
	Spec     applicationSpec `json:"spec"`
}

type templateMeta struct {
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

type applicationSpec struct {
	Project     string                 `json:"project"`
	Source      applicationSource      `json:"source"`
	Destination applicationDestination `json:"destination"`
	SyncPolicy  syncPolicy             `json:"syncPolicy"`
}

type applicationSource struct {
	RepoURL        string `json:"repoURL"`
	Path           string `json:"path"`
	TargetRevision string `json:"targetRevision"`
}

type applicationDestination struct {
	Server string `json:"server"`
}

type syncPolicy struct {
	Automated   syncAutomated `json:"automated"`
	SyncOptions []string      `json:"syncOptions,omitempty"`
	Retry       *syncRetry    `json:"retry,omitempty"`
}

type syncAutomated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

type syncRetry struct {
	Limit   int64       `json:"limit"`
	Backoff syncBackoff `json:"backoff"`
}

type syncBackoff struct {
	Duration    string `json:"duration"`
	Factor      int64  `json:"factor"`
	MaxDuration string `json:"maxDuration"`
}

// argoLayer is a folder Argo CD syncs and its sync wave.
type argoLayer struct {
	name, path string
	wave       int
}

// argoLayers are the layers Argo CD syncs, with waves in the order of
// Flux's dependsOn. flux-system is left out: it is Flux's own configuration.
func (g *envGen) argoLayers() []argoLayer {
	return []argoLayer{
		{layerInfrastructure, g.dir + "/" + layerInfrastructure, 0},
		{layerConfigs, g.dir + "/" + layerConfigs, 1},
		{layerDashboards, spec.DashboardsDir, 1},
		{layerApps, g.dir + "/" + layerApps, 2},
	}
}

// argocd makes argocd/applicationset.yaml when the platform asks for it:
// one Argo CD Application per layer over the folder Flux syncs, from the
// branch Flux follows. It is applied once by hand into the argocd
// namespace (kubectl apply -f); it sits outside flux/ so that Flux never
// applies it. The infrastructure layer is made of Flux HelmReleases, so a
// cluster synced by Argo CD still runs Flux's source and helm controllers.
func (g *envGen) argocd() error {
	if !g.p.ArgoCD {
		return nil
	}
	var elements []map[string]string
	var steps []rollingStep
	for _, l := range g.argoLayers() {
		elements = append(elements, map[string]string{argoLayerKey: l.name, argoPathKey: l.path, argoWaveKey: strconv.Itoa(l.wave)})
		if w := strconv.Itoa(l.wave); len(steps) == l.wave {
			steps = append(steps, rollingStep{MatchExpressions: []matchExpression{{Key: argoWaveLabel, Operator: "In", Values: []string{w}}}})
		}
	}
	name := g.p.Name + "-" + g.e.Name
	set := &applicationSet{
		TypeMeta:   typeMeta(argoAPIVersion, "ApplicationSet"),
		ObjectMeta: meta(name, argoNamespace, nil),
		Spec: applicationSetSpec{
			GoTemplate: true,
			// A misspelt key fails the ApplicationSet, not an Application
			// that syncs the wrong path.
			GoTemplateOptions: []string{"missingkey=error"},
			Generators:        []applicationSetGen{{List: &listGenerator{Elements: elements}}},
			// The layers go in the order of Flux's dependsOn: each needs
			// the kinds and controllers of the one before. Sync waves do
			// not order the Applications an ApplicationSet makes (they
			// order resources within one Application); RollingSync does,
			// one step per wave, each waiting for the last to be Healthy.
			// It needs the controller's progressive syncs switched on
			// (--enable-progressive-syncs); the README says so.
			Strategy: &appSetStrategy{Type: "RollingSync", RollingSync: &rollingSync{Steps: steps}},
			Template: applicationSetTemplate{
				Metadata: templateMeta{
					Name:        name + "-{{." + argoLayerKey + "}}",
					Annotations: map[string]string{argoSyncWave: "{{." + argoWaveKey + "}}"},
					Labels:      map[string]string{argoWaveLabel: "{{." + argoWaveKey + "}}"},
				},
				Spec: applicationSpec{
					Project: argoProject,
					Source: applicationSource{
						RepoURL:        gitRepositoryPrefix + g.p.Repository,
						Path:           "{{." + argoPathKey + "}}",
						TargetRevision: g.branch(),
					},
					Destination: applicationDestination{Server: argoInCluster},
					SyncPolicy: syncPolicy{
						Automated: syncAutomated{Prune: true, SelfHeal: true},
						// Server-side apply, as Flux applies: large CRDs
						// of the charts do not fit a client-side
						// last-applied annotation.
						SyncOptions: []string{"ServerSideApply=true"},
						// A layer synced before the CRDs of the one it
						// needs fails; Argo CD does not retry a failed
						// automated sync of the same commit on its own.
						Retry: &syncRetry{
							Limit:   argoRetryLimit,
							Backoff: syncBackoff{Duration: argoRetryFirst, Factor: 2, MaxDuration: argoRetryLonger},
						},
					},
				},
			},
		},
	}
	data, err := kube.Marshal(set, kube.Sorted)
	if err != nil {
		return fmt.Errorf("%s: %w", argoDir, err)
	}
	origins := []engine.Origin{g.platformOrigin("argocd", "name", "repository"), g.envOrigin("name", "delivery")}
	g.files = append(g.files, engine.File{
		Path:    g.envDir() + "/" + argoDir + "/applicationset.yaml",
		Origins: origins,
		Data:    data,
	})
	return nil
}
