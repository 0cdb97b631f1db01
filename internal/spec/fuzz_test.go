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
		v, diags := decodeFile(NewFiles(nil), nil, specFile{rel: rel, kind: kindService}, data)
		if v == nil {
			if len(diags) == 0 {
				t.Fatal("decoding failed without a diagnostic")
			}
		} else {
			m := &Model{Platform: base.Platform, Environments: base.Environments, Services: []*Service{v.(*Service)}}
			diags = validate(m, nil)
		}
		for _, d := range diags {
			if d.File != rel || d.Msg == "" || d.Pos.Line < 0 || d.Pos.Col < 0 {
				t.Fatalf("malformed diagnostic %#v", d)
			}
		}
	})
}

// FuzzLoadJsonnet evaluates arbitrary Jsonnet as a service spec beside a
// library in specs/lib and a canary file outside specs/. Whatever the input,
// loading ends in a model or in diagnostics naming the spec, never in a
// panic, and nothing outside specs/ is ever read: the canary's content
// appears in no message.
func FuzzLoadJsonnet(f *testing.F) {
	for _, seed := range []string{
		"local lib = import 'lib/base.libsonnet'; lib.service { name: 'api' }",
		"{name: 'api', team: 'payments', port: 8080}",
		"importstr '../../outside.txt'",
		"importstr '/etc/hostname'",
		"import 'lib/../../outside.txt'",
		"importbin 'base.libsonnet'",
		"std.range(1, 100)",
		"{ a: error 'x' }",
		"local f(x) = f(x + 1); f(0)",
		"{name: std.extVar('x')}",
	} {
		f.Add(seed)
	}
	const canary = "CANARY-8c1f0e"
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "outside.txt"), []byte(canary), 0o644); err != nil {
		f.Fatal(err)
	}
	const rel = "specs/services/api.jsonnet"
	lib := []byte("{ service: { team: 'payments', port: 8080 } }")
	f.Fuzz(func(t *testing.T, src string) {
		files := NewFiles(map[string][]byte{rel: []byte(src), LibDir + "/base.libsonnet": lib})
		v, diags := decodeFile(files, nil, specFile{rel: rel, kind: kindService}, []byte(src))
		if v == nil && len(diags) == 0 {
			t.Fatal("decoding failed without a diagnostic")
		}
		for _, d := range diags {
			if d.File != rel || d.Msg == "" {
				t.Fatalf("malformed diagnostic %#v", d)
			}
			if strings.Contains(d.Msg, canary) {
				t.Fatalf("a diagnostic shows a file outside specs/: %s", d.Msg)
			}
		}
	})
}
