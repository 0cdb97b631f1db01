// Package flagstest changes flagd files under a running provider, as the
// kubelet does when the ConfigMap they are mounted from changes.
package flagstest

import (
	"encoding/json"
	"os"
	"testing"
)

// SetDefault sets the default variant of flag in the flagd file at path,
// writing a new file and renaming it into place (the kubelet's atomic
// update of a mounted ConfigMap).
func SetDefault(t testing.TB, path, flag, variant string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f, ok := doc["flags"].(map[string]any)[flag].(map[string]any)
	if !ok {
		t.Fatalf("%s has no flag %q", path, flag)
	}
	f["defaultVariant"] = variant
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
