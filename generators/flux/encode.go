package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"

	"go.yaml.in/yaml/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/generators/engine"
)

// encode gives the YAML of one object: its JSON through the API types' own
// tags, without the status those types carry (a status is the cluster's to
// write), and with keys sorted, so that the bytes depend on nothing but the
// object. It is what sigs.k8s.io/yaml.Marshal makes, without parsing the
// JSON again with a YAML parser, which made most of the generator's time.
func encode(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(m, "spec") // a Namespace's
	}
	return yaml.Marshal(numbers(m))
}

// numbers turns the JSON numbers of v into integers where they are whole,
// so that YAML writes 8080, not "8080".
func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
	}
	return v
}

// kustomization is a kustomize kustomization.yaml that only lists resources:
// what Flux's kustomize-controller builds each synced path from.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// folder collects the files of one folder of the tree, each one object,
// and ends with the kustomization.yaml that lists them.
type folder struct {
	dir     string
	service string
	origins []engine.Origin
	files   []engine.File
	names   []string // resources of the kustomization.yaml: files and subfolders
	err     error
}

func (g *envGen) folder(rel string, origins ...engine.Origin) *folder {
	return &folder{dir: path.Join(g.dir, rel), origins: origins}
}

// add writes obj to name in the folder.
func (f *folder) add(name string, obj any) {
	if f.err != nil {
		return
	}
	data, err := encode(obj)
	if err != nil {
		f.err = fmt.Errorf("%s/%s: %w", f.dir, name, err)
		return
	}
	f.files = append(f.files, engine.File{Path: f.dir + "/" + name, Origins: f.origins, Data: data, Service: f.service})
	f.names = append(f.names, name)
}

// sub lists a subfolder that has its own kustomization.yaml.
// addData adds a file written by another encoder.
func (f *folder) addData(name string, data []byte) {
	f.files = append(f.files, engine.File{Path: f.dir + "/" + name, Origins: f.origins, Data: data, Service: f.service})
	f.names = append(f.names, name)
}

func (f *folder) sub(name string) { f.names = append(f.names, name) }

// done writes the folder's kustomization.yaml and hands its files to g.
func (f *folder) done(g *envGen) error {
	if f.err != nil {
		return f.err
	}
	names := slices.Clone(f.names)
	slices.Sort(names)
	f.add("kustomization.yaml", kustomization{
		APIVersion: "kustomize.config.k8s.io/v1beta1",
		Kind:       "Kustomization",
		Resources:  names,
	})
	if f.err != nil {
		return f.err
	}
	g.files = append(g.files, f.files...)
	return nil
}

// meta is the metadata of a namespaced object; an empty namespace makes a
// cluster-scoped one.
func meta(name, namespace string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func ptr[T any](v T) *T { return &v }
