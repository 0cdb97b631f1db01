package spec

import (
	"strings"
	"testing"
	"time"
)

// Jsonnet specs read only specs/: every way out is a spec error at the
// import, and no outside content reaches a message.
func TestJsonnetImportsStayInSpecs(t *testing.T) {
	t.Parallel()
	lib := []byte("{ team: 'payments' }")
	for name, tc := range map[string]struct{ src, want string }{
		"absolute importstr": {"{\n  name: importstr '/proc/self/environ',\n}", `specs/services/api.jsonnet:2:9: jsonnet: import "/proc/self/environ": specs import only files under specs/, by a relative path`},
		"relative escape":    {"{ name: importstr '../../Makefile' }", `import "../../Makefile": no such file under specs/`},
		"through lib":        {"{ name: importstr 'lib/../../../go.mod' }", `no such file under specs/`},
		"importbin escape":   {"{ name: importbin '../../../../etc/passwd' }", `no such file under specs/`},
		"import escape":      {"(import '../../groundwork.lock')", `no such file under specs/`},
		"missing":            {"(import 'nope.libsonnet')", `import "nope.libsonnet": no such file`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const rel = "specs/services/api.jsonnet"
			files := NewFiles(map[string][]byte{rel: []byte(tc.src), LibDir + "/base.libsonnet": lib})
			_, diags := decodeFile(files, nil, specFile{rel: rel, kind: kindService}, []byte(tc.src))
			if len(diags) != 1 || !strings.Contains(diags[0].String(), tc.want) {
				t.Fatalf("diagnostics = %v, want one with %q", diags, tc.want)
			}
		})
	}
	// The library path still works, from specs/lib and beside the spec.
	const rel = "specs/services/web.jsonnet"
	src := "(import 'base.libsonnet') + (import '../lib/base.libsonnet') + { name: 'web', port: 8080 }"
	files := NewFiles(map[string][]byte{rel: []byte(src), LibDir + "/base.libsonnet": lib})
	if v, diags := decodeFile(files, nil, specFile{rel: rel, kind: kindService}, []byte(src)); v == nil {
		t.Fatalf("a spec importing specs/lib: %v", diags)
	}
}

// A Jsonnet spec that builds a huge value is refused in seconds.
func TestJsonnetWorkIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates for several seconds; -short skips it")
	}
	t.Parallel()
	for name, tc := range map[string]struct{ src, want string }{
		"30 million elements": {"{ name: 'api', secrets: std.range(1, 30000000) }", "jsonnet: "},
		"big output":          {"{ name: 'api', secrets: std.range(1, 500000) }", "MiB of JSON; a spec is a few KiB"},
		"deep recursion":      {"local f(x) = f(x + 1) + 1; { name: f(0) }", "max stack frames exceeded"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const rel = "specs/services/api.jsonnet"
			start := time.Now()
			_, diags := decodeFile(NewFiles(map[string][]byte{rel: []byte(tc.src)}), nil, specFile{rel: rel, kind: kindService}, []byte(tc.src))
			took := time.Since(start)
			t.Logf("refused in %s", took.Round(time.Millisecond))
			if len(diags) != 1 || !strings.Contains(diags[0].Msg, tc.want) {
				t.Fatalf("diagnostics = %v, want one with %q", diags, tc.want)
			}
			if took > jsonnetTimeout+5*time.Second {
				t.Fatalf("took %s", took)
			}
		})
	}
}
