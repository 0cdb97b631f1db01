package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzLoadService feeds arbitrary bytes to the loader as a service spec,
// seeded from the sample organisation and the error corpus. Whatever the
// input, loading ends in a model or in diagnostics that name the file, never
// in a panic or a silent failure.
func FuzzLoadService(f *testing.F) {
	for _, glob := range []string{"../../specs/services/*.yaml", "testdata/base/specs/services/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	cases, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, name := range cases {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasPrefix(file.Name, "specs/services/") && strings.HasSuffix(file.Name, ".yaml") {
				f.Add(file.Data)
			}
		}
	}
	base, err := Load("testdata/base")
	if err != nil {
		f.Fatal(err)
	}
	const rel = "specs/services/api.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		v, diags := decodeFile("testdata/base", specFile{rel: rel, kind: kindService}, data)
		if v == nil {
			if len(diags) == 0 {
				t.Fatal("decoding failed without a diagnostic")
			}
		} else {
			m := &Model{Platform: base.Platform, Environments: base.Environments, Services: []*Service{v.(*Service)}}
			diags = validate(m)
		}
		for _, d := range diags {
			if d.File != rel || d.Msg == "" || d.Pos.Line < 0 || d.Pos.Col < 0 {
				t.Fatalf("malformed diagnostic %#v", d)
			}
		}
	})
}
