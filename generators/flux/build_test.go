package flux_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// object is one object of a built layer.
type object struct {
	layer string // the Flux Kustomization that applies it
	gvk   schema.GroupVersionKind
	u     *unstructured.Unstructured
	json  []byte
}

func (o object) id() string {
	return fmt.Sprintf("%s %s/%s", o.gvk.Kind, o.u.GetNamespace(), o.u.GetName())
}

// writeTree writes the generated files into a fresh folder laid out like
// the repository: what source-controller hands kustomize-controller.
func writeTree(t *testing.T, out *engine.Output) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range out.Files {
		name := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// build builds one synced path as kustomize-controller does: the
// Kustomization's own settings written into the path's kustomization.yaml,
// then a build confined to the repository root with no remote bases.
func build(t *testing.T, root, path string, ks *unstructured.Unstructured) []object {
	t.Helper()
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(path, "./")))
	if ks != nil {
		if _, err := fluxkustomize.NewGenerator(root, *ks).WriteFile(dir); err != nil {
			t.Fatalf("%s: generating its kustomization: %v", path, err)
		}
	}
	res, err := fluxkustomize.SecureBuild(root, dir, false)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", path, err)
	}
	var objs []object
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: m}
		objs = append(objs, object{layer: ks.GetName(), gvk: u.GroupVersionKind(), u: u, json: j})
	}
	if len(objs) == 0 {
		t.Fatalf("kustomize build %s: no objects", path)
	}
	return objs
}

// layers builds every path that a Flux Kustomization of env points at,
// starting from flux-system, which syncs itself, and returns all objects.
func layers(t *testing.T, root string, m *spec.Model, e *spec.Environment) []object {
	t.Helper()
	systemPath := "./" + spec.FluxDir(e) + "/flux-system"
	boot := &unstructured.Unstructured{}
	boot.SetName("bootstrap") // kubectl apply -k, before Flux syncs anything
	objs := build(t, root, systemPath, boot)

	var all []object
	synced := map[string]bool{}
	for _, o := range objs {
		if o.gvk != kustomizev1.GroupVersion.WithKind(kustomizev1.KustomizationKind) {
			continue
		}
		path, _, _ := unstructured.NestedString(o.u.Object, "spec", "path")
		if synced[path] {
			t.Errorf("%s: two Kustomizations sync %s", o.id(), path)
		}
		synced[path] = true
		all = append(all, build(t, root, path, o.u.DeepCopy())...)
	}
	for _, layer := range []string{"flux-system", "infrastructure", "apps"} {
		if p := "./" + spec.FluxDir(e) + "/" + layer; !synced[p] {
			t.Errorf("no Flux Kustomization syncs %s (synced: %v)", p, synced)
		}
	}
	return all
}

// Every path a Flux Kustomization points at builds as kustomize-controller
// builds it, and every object of the result decodes strictly against its
// Go API type: an unknown field or a wrong type fails. For the sample
// organisation and a synthetic one.
func TestLayersBuildAndDecode(t *testing.T) {
	orgs := map[string]string{"sample": repoRoot, "synthetic": syntheticOrg(t)}
	for _, name := range []string{"sample", "synthetic"} {
		m := load(t, orgs[name])
		root := writeTree(t, render(t, m))
		for _, e := range m.Environments {
			t.Run(name+"/"+e.Name, func(t *testing.T) {
				objs := layers(t, root, m, e)
				seen := map[string]string{}
				for _, o := range objs {
					if prev, dup := seen[o.id()]; dup {
						t.Errorf("%s is applied by both %s and %s", o.id(), prev, o.layer)
					}
					seen[o.id()] = o.layer
					for _, err := range decodeStrict(o) {
						t.Errorf("%s (%s): %v", o.id(), o.layer, err)
					}
				}
				checkReferences(t, objs)
			})
		}
	}
}

var typeConverter = sync.OnceValue(func() managedfields.TypeConverter {
	return applyconfigurations.NewTypeConverter(scheme.Scheme)
})

// crdTypes are the Go types of the custom resources the layers use.
var crdTypes = map[schema.GroupVersionKind]func() any{
	kustomizev1.GroupVersion.WithKind(kustomizev1.KustomizationKind): func() any { return &kustomizev1.Kustomization{} },
	sourcev1.GroupVersion.WithKind(sourcev1.GitRepositoryKind):       func() any { return &sourcev1.GitRepository{} },
	sourcev1.GroupVersion.WithKind(sourcev1.HelmRepositoryKind):      func() any { return &sourcev1.HelmRepository{} },
	helmv2.GroupVersion.WithKind(helmv2.HelmReleaseKind):             func() any { return &helmv2.HelmRelease{} },
	monitoringv1.SchemeGroupVersion.WithKind("ServiceMonitor"):       func() any { return &monitoringv1.ServiceMonitor{} },
	monitoringv1.SchemeGroupVersion.WithKind("PrometheusRule"):       func() any { return &monitoringv1.PrometheusRule{} },
	esGVK("ExternalSecret"):     func() any { return &esExternalSecret{} },
	esGVK("ClusterSecretStore"): func() any { return &esClusterSecretStore{} },
}

// decodeStrict decodes o into its Go type. Kubernetes kinds go through
// the structured-merge-diff schema of k8s.io/api (as server-side apply
// does: unknown fields, wrong types and duplicates, all at once) and a
// strict JSON decode; custom resources through a JSON decode that refuses
// unknown fields into their API module's types.
func decodeStrict(o object) []error {
	if scheme.Scheme.Recognizes(o.gvk) {
		var errs []error
		if _, err := typeConverter().ObjectToTyped(o.u); err != nil {
			errs = append(errs, err)
		}
		typed, err := scheme.Scheme.New(o.gvk)
		if err != nil {
			return append(errs, err)
		}
		if err := strictJSON(o.json, typed); err != nil {
			errs = append(errs, err)
		}
		return errs
	}
	if errs, ok := checkCRD(o.gvk, o.json); ok {
		return errs
	}
	newType, ok := crdTypes[o.gvk]
	if !ok {
		return []error{fmt.Errorf("no Go type known for %s: add it to crdTypes", o.gvk)}
	}
	v := newType()
	if err := strictJSON(o.json, v); err != nil {
		return []error{err}
	}
	if c, ok := v.(interface{ check() []error }); ok {
		return c.check()
	}
	return nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

// checkReferences checks what no schema does: the names objects refer to
// across layers exist.
func checkReferences(t *testing.T, objs []object) {
	t.Helper()
	has := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		has[o.id()] = o.u
	}
	for _, o := range objs {
		switch o.gvk.Kind {
		case kustomizev1.KustomizationKind:
			deps, _, _ := unstructured.NestedSlice(o.u.Object, "spec", "dependsOn")
			for _, d := range deps {
				name := d.(map[string]any)["name"].(string)
				if has[fmt.Sprintf("Kustomization %s/%s", o.u.GetNamespace(), name)] == nil {
					t.Errorf("%s depends on Kustomization %s, which no layer defines", o.id(), name)
				}
			}
			src, _, _ := unstructured.NestedString(o.u.Object, "spec", "sourceRef", "name")
			if has[fmt.Sprintf("GitRepository %s/%s", o.u.GetNamespace(), src)] == nil {
				t.Errorf("%s syncs GitRepository %s, which no layer defines", o.id(), src)
			}
		case helmv2.HelmReleaseKind:
			src, _, _ := unstructured.NestedString(o.u.Object, "spec", "chart", "spec", "sourceRef", "name")
			if has[fmt.Sprintf("HelmRepository %s/%s", o.u.GetNamespace(), src)] == nil {
				t.Errorf("%s installs from HelmRepository %s, which no layer defines", o.id(), src)
			}
		case "ExternalSecret":
			store, _, _ := unstructured.NestedString(o.u.Object, "spec", "secretStoreRef", "name")
			s := has["ClusterSecretStore /"+store]
			if s == nil {
				t.Errorf("%s reads ClusterSecretStore %s, which no layer defines", o.id(), store)
				continue
			}
			conds, _, _ := unstructured.NestedSlice(s.Object, "spec", "conditions")
			allowed := false
			for _, c := range conds {
				ns, _, _ := unstructured.NestedStringSlice(c.(map[string]any), "namespaces")
				allowed = allowed || slices.Contains(ns, o.u.GetNamespace())
			}
			if !allowed {
				t.Errorf("%s: ClusterSecretStore %s does not admit namespace %s", o.id(), store, o.u.GetNamespace())
			}
		case "Deployment", "Job", "CronJob":
			checkPodReferences(t, o, has)
		}
		if ns := o.u.GetNamespace(); ns != "" && ns != "flux-system" && has["Namespace /"+ns] == nil {
			t.Errorf("%s is in namespace %s, which no layer defines", o.id(), ns)
		}
	}
}

// podSpecPath is where the pod spec of a kind that runs pods is.
var podSpecPath = map[string][]string{
	"Deployment": {"spec", "template", "spec"},
	"Job":        {"spec", "template", "spec"},
	"CronJob":    {"spec", "jobTemplate", "spec", "template", "spec"},
}

// checkPodReferences: the pods of o run as a ServiceAccount that exists,
// and every variable they read from a Secret names a Secret that an
// ExternalSecret of their namespace makes, and a key it puts there.
func checkPodReferences(t *testing.T, o object, has map[string]*unstructured.Unstructured) {
	t.Helper()
	ns := o.u.GetNamespace()
	pod, _ := field(o.u.Object, podSpecPath[o.gvk.Kind]...).(map[string]any)
	if pod == nil {
		t.Errorf("%s has no pod spec", o.id())
		return
	}
	if sa, _ := pod["serviceAccountName"].(string); has[fmt.Sprintf("ServiceAccount %s/%s", ns, sa)] == nil {
		t.Errorf("%s runs as ServiceAccount %s, which no layer defines", o.id(), sa)
	}
	// The keys each ExternalSecret of the namespace puts in its Secret.
	secrets := map[string][]string{}
	for id, u := range has {
		if !strings.HasPrefix(id, "ExternalSecret "+ns+"/") {
			continue
		}
		target, _ := field(u.Object, "spec", "target", "name").(string)
		data, _ := field(u.Object, "spec", "data").([]any)
		for _, d := range data {
			key, _ := field(d, "secretKey").(string)
			secrets[target] = append(secrets[target], key)
		}
	}
	containers, _ := pod["containers"].([]any)
	for _, c := range containers {
		env, _ := field(c, "env").([]any)
		for _, v := range env {
			name, _ := field(v, "valueFrom", "secretKeyRef", "name").(string)
			key, _ := field(v, "valueFrom", "secretKeyRef", "key").(string)
			if name == "" {
				continue
			}
			keys, made := secrets[name]
			switch {
			case !made:
				t.Errorf("%s reads Secret %s, which no ExternalSecret in %s makes", o.id(), name, ns)
			case !slices.Contains(keys, key):
				t.Errorf("%s reads key %s of Secret %s, whose ExternalSecret makes only %v", o.id(), key, name, keys)
			}
		}
	}
}

// field walks maps by key, or returns nil. Unlike unstructured's Nested
// helpers it copies nothing: kustomize's maps hold ints, which their deep
// copy refuses.
func field(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// The strict decoding refuses what it must: an unknown field and a wrong
// type in a Kubernetes kind, and an unknown field in a custom resource.
func TestDecodeStrictRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":              `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"replica":1}}`,
		"wrong type":                 `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"port":"http"}]}}`,
		"unknown CRD field":          `{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"a"},"spec":{"prune":true,"wiat":true}}`,
		"unknown ExternalSecret key": `{"apiVersion":"external-secrets.io/v1","kind":"ExternalSecret","metadata":{"name":"a"},"spec":{"data":[{"secretKey":"v","remoteRef":{"name":"x"}}]}}`,
		"unknown kind":               `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"a"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON([]byte(doc)); err != nil {
				t.Fatal(err)
			}
			if errs := decodeStrict(object{gvk: u.GroupVersionKind(), u: u, json: []byte(doc)}); len(errs) == 0 {
				t.Errorf("accepted %s", doc)
			}
		})
	}
}
