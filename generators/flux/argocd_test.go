package flux_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// The ApplicationSet fields the generator writes, as the argoproj.io/v1alpha1
// CRD names them. Argo CD's Go module cannot be fetched here (the module
// proxy cannot resolve its replace-laden go.mod), so these minimal types are
// written by hand, independently of the generator's, and the generated
// object is decoded strictly into them: a field they do not know, such as a
// misspelling, fails the test.
type argoApplicationSet struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		GoTemplate        bool     `json:"goTemplate"`
		GoTemplateOptions []string `json:"goTemplateOptions"`
		Generators        []struct {
			List *struct {
				Elements []map[string]string `json:"elements"`
			} `json:"list"`
		} `json:"generators"`
		Strategy *struct {
			Type        string `json:"type"`
			RollingSync *struct {
				Steps []struct {
					MatchExpressions []struct {
						Key      string   `json:"key"`
						Operator string   `json:"operator"`
						Values   []string `json:"values"`
					} `json:"matchExpressions"`
				} `json:"steps"`
			} `json:"rollingSync"`
		} `json:"strategy"`
		Template struct {
			Metadata struct {
				Name        string            `json:"name"`
				Annotations map[string]string `json:"annotations"`
				Labels      map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				Project string `json:"project"`
				Source  struct {
					RepoURL        string `json:"repoURL"`
					Path           string `json:"path"`
					TargetRevision string `json:"targetRevision"`
				} `json:"source"`
				Destination struct {
					Server string `json:"server"`
				} `json:"destination"`
				SyncPolicy struct {
					Automated *struct {
						Prune    bool `json:"prune"`
						SelfHeal bool `json:"selfHeal"`
					} `json:"automated"`
					SyncOptions []string `json:"syncOptions"`
					Retry       *struct {
						Limit   int64 `json:"limit"`
						Backoff struct {
							Duration    string `json:"duration"`
							Factor      int64  `json:"factor"`
							MaxDuration string `json:"maxDuration"`
						} `json:"backoff"`
					} `json:"retry"`
				} `json:"syncPolicy"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// argoApp is one Application the ApplicationSet makes: its template
// executed on one list element, as Argo CD's Go templating does.
type argoApp struct {
	name, path string
	wave       int
	step       int // the RollingSync step that selects it, as the controller matches labels
}

func argoApps(t *testing.T, set *argoApplicationSet) []argoApp {
	t.Helper()
	exec := func(text string, elem map[string]string) string {
		t.Helper()
		tmpl, err := template.New("").Option(set.Spec.GoTemplateOptions...).Parse(text)
		if err != nil {
			t.Fatalf("template %q: %v", text, err)
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, elem); err != nil {
			t.Fatalf("template %q on %v: %v", text, elem, err)
		}
		return b.String()
	}
	if len(set.Spec.Generators) != 1 || set.Spec.Generators[0].List == nil {
		t.Fatalf("want one list generator, got %+v", set.Spec.Generators)
	}
	tmpl := set.Spec.Template
	var apps []argoApp
	for _, elem := range set.Spec.Generators[0].List.Elements {
		wave, err := strconv.Atoi(exec(tmpl.Metadata.Annotations["argocd.argoproj.io/sync-wave"], elem))
		if err != nil {
			t.Fatalf("sync wave of %v: %v", elem, err)
		}
		labels := map[string]string{}
		for k, v := range tmpl.Metadata.Labels {
			labels[k] = exec(v, elem)
		}
		apps = append(apps, argoApp{name: exec(tmpl.Metadata.Name, elem), path: exec(tmpl.Spec.Source.Path, elem), wave: wave, step: stepOf(t, set, labels)})
	}
	return apps
}

// stepOf is the first RollingSync step whose match expressions all hold
// for labels: the step the ApplicationSet controller syncs an Application
// in. An Application no step selects would never be synced.
func stepOf(t *testing.T, set *argoApplicationSet, labels map[string]string) int {
	t.Helper()
	st := set.Spec.Strategy
	if st == nil || st.Type != "RollingSync" || st.RollingSync == nil {
		t.Fatalf("strategy %+v: want RollingSync, the only way to order an ApplicationSet's Applications", st)
	}
	for i, step := range st.RollingSync.Steps {
		ok := true
		for _, e := range step.MatchExpressions {
			if e.Operator != "In" {
				t.Fatalf("operator %s: the test knows In", e.Operator)
			}
			v, has := labels[e.Key]
			ok = ok && has && slices.Contains(e.Values, v)
		}
		if ok {
			return i
		}
	}
	t.Fatalf("no RollingSync step selects an Application labelled %v", labels)
	return -1
}

// With argocd set, each environment has an ApplicationSet that decodes
// strictly and makes one automated, pruning, self-healing Application per
// layer Flux syncs (flux-system aside): same repository, same branch, same
// folder, sync waves in the order of the Kustomizations' dependsOn.
func TestArgoCDApplicationSet(t *testing.T) {
	m := load(t, repoRoot)
	if !m.Platform.ArgoCD {
		t.Fatal("the sample platform does not set argocd: the sample must use every option")
	}
	out := render(t, m)
	root := writeTree(t, out)
	for _, e := range m.Environments {
		t.Run(e.Name, func(t *testing.T) {
			p := "environments/" + e.Name + "/argocd/applicationset.yaml"
			f := out.File(p)
			if f == nil {
				t.Fatalf("%s is not generated", p)
			}
			j, err := yaml.YAMLToJSON(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			var set argoApplicationSet
			if err := strictJSON(j, &set); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if set.APIVersion != "argoproj.io/v1alpha1" || set.Kind != "ApplicationSet" || set.Metadata.Namespace != "argocd" || set.Metadata.Name == "" {
				t.Errorf("%s: %s %s %s/%s", p, set.APIVersion, set.Kind, set.Metadata.Namespace, set.Metadata.Name)
			}
			ts := set.Spec.Template.Spec
			if ts.Destination.Server != "https://kubernetes.default.svc" || ts.Project == "" {
				t.Errorf("%s: destination %q, project %q: want in-cluster", p, ts.Destination.Server, ts.Project)
			}
			if a := ts.SyncPolicy.Automated; a == nil || !a.Prune || !a.SelfHeal {
				t.Errorf("%s: syncPolicy.automated %+v: want prune and selfHeal", p, a)
			}
			if !slices.Contains(ts.SyncPolicy.SyncOptions, "ServerSideApply=true") {
				t.Errorf("%s: syncOptions %v lack ServerSideApply=true", p, ts.SyncPolicy.SyncOptions)
			}

			// What Flux does in the same environment.
			var git *unstructured.Unstructured
			kustomizations := map[string]*unstructured.Unstructured{}
			for _, o := range layers(t, root, m, e) {
				switch o.gvk {
				case sourcev1.GroupVersion.WithKind(sourcev1.GitRepositoryKind):
					git = o.u
				case kustomizev1.GroupVersion.WithKind(kustomizev1.KustomizationKind):
					kustomizations[o.u.GetName()] = o.u
				}
			}
			url, _, _ := unstructured.NestedString(git.Object, "spec", "url")
			branch, _, _ := unstructured.NestedString(git.Object, "spec", "ref", "branch")
			if ts.Source.RepoURL != url || ts.Source.TargetRevision != branch {
				t.Errorf("%s: source %s@%s, Flux follows %s@%s", p, ts.Source.RepoURL, ts.Source.TargetRevision, url, branch)
			}

			waves := map[string]int{}
			names := map[string]bool{}
			for _, app := range argoApps(t, &set) {
				if names[app.name] {
					t.Errorf("%s: two Applications named %s", p, app.name)
				}
				names[app.name] = true
				var ks *unstructured.Unstructured
				for _, k := range kustomizations {
					if kp, _, _ := unstructured.NestedString(k.Object, "spec", "path"); strings.TrimPrefix(kp, "./") == app.path {
						ks = k
					}
				}
				if ks == nil {
					t.Errorf("%s: Application %s syncs %s, which no Flux Kustomization syncs", p, app.name, app.path)
					continue
				}
				waves[ks.GetName()] = app.step
			}
			for name, k := range kustomizations {
				if name == "flux-system" {
					if _, ok := waves[name]; ok {
						t.Errorf("%s: Argo CD syncs flux-system, Flux's own configuration", p)
					}
					continue
				}
				w, ok := waves[name]
				if !ok {
					t.Errorf("%s: no Application syncs layer %s", p, name)
					continue
				}
				deps, _, _ := unstructured.NestedSlice(k.Object, "spec", "dependsOn")
				for _, d := range deps {
					dep := d.(map[string]any)["name"].(string)
					if dw, ok := waves[dep]; !ok || dw >= w {
						t.Errorf("%s: %s (step %d) depends on %s (step %d, synced %v): want an earlier RollingSync step", p, name, w, dep, dw, ok)
					}
				}
			}
		})
	}
}

// Without argocd, no Argo CD file is generated.
func TestArgoCDOff(t *testing.T) {
	m := load(t, repoRoot)
	m.Platform.ArgoCD = false
	for _, f := range render(t, m).Files {
		if strings.Contains(f.Path, "/argocd/") {
			t.Errorf("%s: generated with argocd off", f.Path)
		}
	}
}

// The hand-written types refuse what they must: an unknown field.
func TestArgoCDDecodeRefuses(t *testing.T) {
	doc := `{"apiVersion":"argoproj.io/v1alpha1","kind":"ApplicationSet","metadata":{"name":"a"},"spec":{"template":{"spec":{"syncPolicy":{"automated":{"prune":true,"selfHeel":true}}}}}}`
	if err := strictJSON([]byte(doc), &argoApplicationSet{}); err == nil {
		t.Errorf("accepted %s", doc)
	}
}
