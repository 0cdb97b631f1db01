package flux

import (
	"fmt"
	"path"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/kube"
)

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
	data, err := kube.Marshal(obj, kube.Sorted)
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
	k := kube.NewKustomization()
	k.Resources = names
	f.add(kube.KustomizationFile, k)
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
