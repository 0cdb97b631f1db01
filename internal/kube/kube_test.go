package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// One object, both layouts: Sorted sorts keys and leaves sequences flush,
// InOrder keeps the fields' order and indents sequences.
func TestMarshalLayouts(t *testing.T) {
	k := NewKustomization()
	k.Namespace = "monitoring"
	k.Resources = []string{"b.yaml", "a.yaml"}
	for _, tc := range []struct {
		layout Layout
		want   string
	}{
		{Sorted, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: monitoring\nresources:\n- b.yaml\n- a.yaml\n"},
		{InOrder, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: monitoring\nresources:\n  - b.yaml\n  - a.yaml\n"},
	} {
		got, err := Marshal(k, tc.layout)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("layout %d (-want +got):\n%s", tc.layout, diff)
		}
	}
	if _, err := Marshal(k, Layout(9)); err == nil {
		t.Error("an unknown layout encoded")
	}
}

// Sorted writes no status, whole numbers as integers, and no empty spec.
func TestSortedDropsStatus(t *testing.T) {
	obj := map[string]any{"kind": "Namespace", "spec": map[string]any{}, "status": map[string]any{"phase": "Active"}, "port": 8080}
	got, err := Marshal(obj, Sorted)
	if err != nil {
		t.Fatal(err)
	}
	if want := "kind: Namespace\nport: 8080\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
