package schemas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-jsonnet"
	"github.com/rogpeppe/go-internal/txtar"
	js "github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/schemas"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

func render(t *testing.T) *engine.Output {
	t.Helper()
	out, err := engine.Render(&spec.Model{}, []engine.Generator{schemas.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compile loads the generated schemas into a JSON Schema validator, so that
// a schema that is not valid JSON Schema fails here.
func compile(t *testing.T) map[string]*js.Schema {
	t.Helper()
	c := js.NewCompiler()
	out := map[string]*js.Schema{}
	for _, f := range render(t).Files {
		doc, err := js.UnmarshalJSON(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		url := "https://groundwork.dev/" + f.Path
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(url)
		if err != nil {
			t.Fatalf("%s is not a valid JSON Schema: %v", f.Path, err)
		}
		kind := strings.TrimSuffix(filepath.Base(f.Path), ".schema.json")
		out[kind] = s
	}
	return out
}

// asJSON reads a spec as the editor's language server would: YAML as its
// JSON value, Jsonnet evaluated.
func asJSON(t *testing.T, name string, data []byte) any {
	t.Helper()
	if strings.HasSuffix(name, ".jsonnet") {
		vm := jsonnet.MakeVM()
		vm.Importer(&jsonnet.FileImporter{JPaths: []string{"../../specs/lib", "testdata/lib"}})
		out, err := vm.EvaluateAnonymousSnippet(name, string(data))
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(out)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	doc, err := js.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func kindOf(name string) string {
	switch {
	case strings.Contains(name, "/environments/"):
		return "environment"
	case strings.Contains(name, "/services/"):
		return "service"
	case strings.Contains(name, "/releases/"):
		return "release"
	case strings.Contains(name, "/partners/"):
		return "partner"
	}
	return "platform"
}

// The sample organisation, which uses every field, passes its schemas.
func TestSampleSpecsValidate(t *testing.T) {
	schemas := compile(t)
	files, _ := filepath.Glob("../../specs/*.yaml")
	more, _ := filepath.Glob("../../specs/*/*.*")
	files = append(files, more...)
	n := 0
	for _, name := range files {
		if strings.Contains(name, "/lib/") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, ".jsonnet") && !bytes.HasPrefix(data, []byte("# yaml-language-server: $schema=")) {
			t.Errorf("%s does not start with its yaml-language-server schema line", name)
		}
		if err := schemas[kindOf(name)].Validate(asJSON(t, name, data)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		n++
	}
	if n < 8 {
		t.Fatalf("validated %d sample specs, want all of them", n)
	}
}

// Mistakes of shape that the loader reports are caught by the schema too,
// so editors flag them while typing.
func TestSchemaRejectsBadShapes(t *testing.T) {
	schemas := compile(t)
	for _, c := range []string{"unknown_keys", "wrong_types", "objectives_out_of_range"} {
		ar, err := txtar.ParseFile("../../internal/spec/testdata/errors/" + c + ".txtar")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasPrefix(f.Name, "specs/") {
				continue
			}
			if err := schemas[kindOf(f.Name)].Validate(asJSON(t, f.Name, f.Data)); err == nil {
				t.Errorf("%s: %s passes its schema", c, f.Name)
			}
		}
	}
}
