package generators

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// TestScopedRenderIsPartOfTheFullOne holds every generator to what a
// partial render (engine.RenderPartial) relies on: rendering for a scope,
// it makes every file it makes in a full render that is shared (no
// File.Service) or made for a service in scope, byte for byte, and
// whatever else it makes is as in the full render too. The files it leaves
// out are taken from the last run, so a generator that left out a shared
// file, or made a file differently for a scope, would leave stale output.
func TestScopedRenderIsPartOfTheFullOne(t *testing.T) {
	t.Parallel()
	m, err := spec.LoadFiles(spec.NewFiles(SampleSpecs(t)))
	if err != nil {
		t.Fatal(err)
	}
	scopes := [][]string{{}, {"no-such-service"}}
	for _, s := range m.Services {
		scopes = append(scopes, []string{s.Name})
	}
	if len(m.Services) > 1 {
		scopes = append(scopes, []string{m.Services[0].Name, m.Services[len(m.Services)-1].Name})
	}
	full := engine.NewInput(m)
	for _, g := range all() {
		want, err := g.Generate(full)
		if err != nil {
			t.Fatal(err)
		}
		byPath := map[string]engine.File{}
		for _, f := range want {
			byPath[f.Path] = f
		}
		for _, names := range scopes {
			scope := engine.NewScope(names...)
			got, err := g.Generate(engine.Input{Spec: m, Alerting: full.Alerting, Scope: scope})
			if err != nil {
				t.Fatalf("%s for %v: %v", g.Kind(), names, err)
			}
			made := map[string]bool{}
			for _, f := range got {
				made[f.Path] = true
				w, ok := byPath[f.Path]
				switch {
				case !ok:
					t.Errorf("%s for %v makes %s, which a full render does not", g.Kind(), names, f.Path)
				case !bytes.Equal(f.Data, w.Data) || f.Service != w.Service:
					t.Errorf("%s for %v makes %s otherwise than a full render does", g.Kind(), names, f.Path)
				}
			}
			for _, f := range want {
				if (f.Service == "" || scope.Has(f.Service)) && !made[f.Path] {
					t.Errorf("%s for %v leaves out %s (service %q), which a partial render must make", g.Kind(), names, f.Path, f.Service)
				}
			}
		}
	}
}

// SampleSpecs reads the sample organisation's specs, keyed by slash path
// from the repository root. It is exported for the tests of package
// generators_test too.
func SampleSpecs(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir("../specs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel("..", p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
