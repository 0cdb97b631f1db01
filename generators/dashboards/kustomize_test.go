package dashboards_test

import (
	"path"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// dashboards/ builds with kustomize, as Flux's kustomize-controller builds
// it, into one ConfigMap per dashboard in the monitoring namespace,
// labelled for Grafana's sidecar, whose data is the dashboard's JSON under
// its file name, byte for byte.
func TestKustomizationBuildsConfigMaps(t *testing.T) {
	for _, o := range orgs(t) {
		t.Run(o.name, func(t *testing.T) {
			fs := filesys.MakeFsInMemory()
			for _, f := range o.out.Files {
				if err := fs.WriteFile("/repo/"+f.Path, f.Data); err != nil {
					t.Fatal(err)
				}
			}
			rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/repo/"+spec.DashboardsDir)
			if err != nil {
				t.Fatalf("kustomize build %s: %v", spec.DashboardsDir, err)
			}
			want := map[string]string{} // ConfigMap name -> file
			for name := range dashboardFiles(o.out) {
				want[dashboards.ConfigMapName(strings.TrimSuffix(path.Base(name), ".json"))] = name
			}
			files := dashboardFiles(o.out)
			for _, r := range rm.Resources() {
				name := r.GetName()
				file, ok := want[name]
				if !ok {
					t.Errorf("unexpected %s %s", r.GetKind(), name)
					continue
				}
				delete(want, name)
				if r.GetKind() != "ConfigMap" || r.GetApiVersion() != "v1" {
					t.Errorf("%s is a %s %s, want a v1 ConfigMap", name, r.GetApiVersion(), r.GetKind())
				}
				if r.GetNamespace() != spec.MonitoringNamespace {
					t.Errorf("%s is in namespace %q, want %q", name, r.GetNamespace(), spec.MonitoringNamespace)
				}
				if v := r.GetLabels()[spec.DashboardLabel]; v != spec.DashboardLabelValue {
					t.Errorf("%s: label %s=%q, want %q; the sidecar would not load it", name, spec.DashboardLabel, v, spec.DashboardLabelValue)
				}
				data := r.GetDataMap()
				if len(data) != 1 || data[path.Base(file)] != string(files[file]) {
					t.Errorf("%s: data keys %v, want exactly %s holding %s", name, keys(data), path.Base(file), file)
				}
			}
			for name, file := range want {
				t.Errorf("no ConfigMap %s for %s", name, file)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
