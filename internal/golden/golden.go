// Package golden compares generated files with the expected ones committed
// under a test's testdata/golden, and rewrites them with -update.
package golden

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groundwork-dev/groundwork/generators/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/golden with the generated files")

// Dir is where a package's golden files live.
const Dir = "testdata/golden"

// Check compares files with Dir: same paths, same bytes. With -update it
// makes Dir hold exactly files.
func Check(t *testing.T, files []*engine.Rendered) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(Dir); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Join(Dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]bool{}
	err := filepath.WalkDir(Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(Dir, p)
		want[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatalf("no golden files (run go test -update): %v", err)
	}
	for _, f := range files {
		if !want[f.Path] {
			t.Errorf("%s: generated but not in %s (run go test -update and review the diff)", f.Path, Dir)
			continue
		}
		delete(want, f.Path)
		data, err := os.ReadFile(filepath.Join(Dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(data), string(f.Data)); diff != "" {
			t.Errorf("%s differs from its golden file (-want +got):\n%s", f.Path, diff)
		}
	}
	for p := range want {
		t.Errorf("%s: in %s but no longer generated", p, Dir)
	}
}

// OfKind returns the files of one artifact kind.
func OfKind(out *engine.Output, kind string) []*engine.Rendered {
	var files []*engine.Rendered
	for _, f := range out.Files {
		if f.Kind == kind {
			files = append(files, f)
		}
	}
	return files
}
