package spec

import (
	"reflect"
	"testing"
)

// TestStoresWithoutWords: the stores the retention check reads, made
// without words, are the stores documents print but for the words, store
// for store, for every service of the sample organisation (databases,
// buckets, secrets, partner keys) in every environment.
func TestStoresWithoutWords(t *testing.T) {
	t.Parallel()
	m, err := Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range m.Environments {
		for _, s := range m.Services {
			full, bare := m.appendServiceDataStores(nil, e, s, true), m.appendServiceDataStores(nil, e, s, false)
			if len(full) != len(bare) {
				t.Fatalf("%s in %s: %d stores with words, %d without", s.Name, e.Name, len(full), len(bare))
			}
			for i := range full {
				d := full[i]
				if d.Name == "" || d.Retention == "" || d.Holds == "" {
					t.Errorf("%s in %s: store %d has no words: %+v", s.Name, e.Name, i, d)
				}
				d.Name, d.Holds, d.Encryption, d.Readers, d.Retention = "", "", "", nil, ""
				if !reflect.DeepEqual(d, bare[i]) {
					t.Errorf("%s in %s, store %d:\nwith words, less them %+v\nwithout words         %+v", s.Name, e.Name, i, d, bare[i])
				}
				n++
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d stores compared", n)
	}
}
