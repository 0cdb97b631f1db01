// Package golden runs a generator package's self-contained cases, laid out
// as sqlc's end-to-end tests are: testdata/cases/<name>/specs holds an
// organisation, testdata/cases/<name>/want the files the package makes from
// it. `go test ./... -update` (make golden) rewrites want.
//
// The cases are edge organisations. The sample organisation in specs/ needs
// none: its output is committed, and the CLI's TestCommittedOutputIsUpToDate
// fails when it is stale.
package golden

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

var update = flag.Bool("update", false, "rewrite each testdata/cases/<name>/want with the generated files")

// casesDir is where a package's cases live.
const casesDir = "testdata/cases"

// Cases runs one subtest per folder of casesDir: it loads the organisation
// in the folder's specs/, and compares what render makes of it with the
// folder's want/: same paths, same bytes.
func Cases(t *testing.T, render func(t *testing.T, m *spec.Model) []*engine.Rendered) {
	t.Helper()
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatalf("no cases: %v", err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(casesDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			m, err := spec.Load(dir)
			if err != nil {
				t.Fatalf("loading %s/specs: %v", dir, err)
			}
			files := render(t, m)
			if len(files) == 0 {
				t.Fatalf("%s makes no file: a case shows what its package generates", dir)
			}
			check(t, filepath.Join(dir, "want"), files)
		})
	}
	if n == 0 {
		t.Fatalf("no case in %s", casesDir)
	}
}

// check compares files with dir. With -update it makes dir hold exactly
// files.
func check(t *testing.T, dir string, files []*engine.Rendered) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Join(dir, filepath.FromSlash(f.Path))
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
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatalf("no expected files (run go test -update): %v", err)
	}
	for _, f := range files {
		if !want[f.Path] {
			t.Errorf("%s: generated but not in %s (run go test -update and review the diff)", f.Path, dir)
			continue
		}
		delete(want, f.Path)
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(data), string(f.Data)); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", f.Path, dir, diff)
		}
	}
	for p := range want {
		t.Errorf("%s: in %s but no longer generated", p, dir)
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
