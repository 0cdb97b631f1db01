package docs

import (
	"reflect"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// The stores of each service, listed alone, then the platform's, are
// spec.DataStores of the environment, in its order, whether split from it
// or listed from the narrowed model: the documents leave out no store and
// list none twice. On the sample organisation, the golden case (a service
// without stores) and a synthetic one.
func TestStoresSplitDataStores(t *testing.T) {
	dir := t.TempDir()
	if err := synthetic.Write(dir, 12); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"../..", "testdata/cases/edge", dir} {
		m, err := spec.Load(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range m.Environments {
			want := m.DataStores(e)
			own, platform := split(m, e)
			var fromSplit, narrowed []spec.DataStore
			for _, s := range m.Services {
				fromSplit = append(fromSplit, own[s]...)
				narrowed = append(narrowed, serviceStores(m, e, s)...)
			}
			fromSplit = append(fromSplit, platform...)
			narrowed = append(narrowed, platformStores(m, e)...)
			if !reflect.DeepEqual(want, fromSplit) {
				t.Errorf("%s, %s: split lists %v, DataStores %v", root, e.Name, names(fromSplit), names(want))
			}
			if !reflect.DeepEqual(want, narrowed) {
				t.Errorf("%s, %s: the narrowed lists are %v, DataStores %v", root, e.Name, names(narrowed), names(want))
			}
			if len(platform) == 0 || len(own) == 0 {
				t.Errorf("%s, %s: %d services with stores, %d stores of the platform", root, e.Name, len(own), len(platform))
			}
		}
	}
}

func names(stores []spec.DataStore) []string {
	out := make([]string, len(stores))
	for i, st := range stores {
		out[i] = st.Kind + " " + st.Name
	}
	return out
}
