// Package schemas makes the JSON Schemas of the three spec kinds from the Go
// types the loader decodes into, so that editors complete and check specs
// with exactly the rules the loader applies first.
package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Dir is where the schemas are written; sample specs point at them with a
// yaml-language-server comment.
const Dir = "schemas"

// typesFile is where the schemas come from: the explain command names it.
const typesFile = "internal/spec/types.go"

// Generator makes schemas/<kind>.schema.json.
type Generator struct{}

func (Generator) Kind() string { return "schemas" }

// Generate reflects each spec kind. The schemas do not depend on the specs'
// content, only on the spec types.
func (Generator) Generate(engine.Input) ([]engine.File, error) {
	kinds := []struct {
		name  string
		title string
		v     any
	}{
		{"platform", "Groundwork platform spec (specs/platform.yaml)", &spec.Platform{}},
		{"environment", "Groundwork environment spec (specs/environments/<name>.yaml)", &spec.Environment{}},
		{"service", "Groundwork service spec (specs/services/<name>.yaml)", &spec.Service{}},
		{"partner", "Groundwork partner spec (specs/partners/<name>.yaml)", &spec.Partner{}},
	}
	files := []engine.File{releaseSchema()}
	for _, k := range kinds {
		data, err := Schema(k.name, k.title, k.v)
		if err != nil {
			return nil, err
		}
		files = append(files, engine.File{
			Path:    Dir + "/" + k.name + ".schema.json",
			Origins: []engine.Origin{{Spec: typesFile}},
			Data:    data,
		})
	}
	return files, nil
}

// Schema returns the indented JSON Schema of one spec type.
func Schema(name, title string, v any) ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		Mapper:                     mapType,
	}
	s := r.Reflect(v)
	s.ID = jsonschema.ID("https://groundwork.dev/schemas/" + name + ".schema.json")
	s.Title = title
	return encode(s), nil
}

// encode gives a schema's indented JSON.
func encode(s *jsonschema.Schema) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a schema of plain values always encodes
	}
	return b.Bytes()
}

// durationPattern is a Prometheus duration: "300ms", "26h", "1h30m", "28d".
const durationPattern = `^([0-9]+(ms|s|m|h|d|w|y))+$`

// mapType gives the schema of the spec's own scalar types.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[spec.Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: durationPattern,
			Description: "A duration such as 30s, 5m, 26h or 28d."}
	case reflect.TypeFor[spec.SLI]():
		return &jsonschema.Schema{
			Description: "A built-in SLI, or custom errors and total queries with {{.window}} as their range.",
			OneOf: []*jsonschema.Schema{
				{Type: "string", Enum: []any{spec.SLIAvailability, spec.SLILatency}},
				{
					Type:                 "object",
					AdditionalProperties: jsonschema.FalseSchema,
					Required:             []string{"errors", "total"},
					Properties:           sliQueries(),
				},
			},
		}
	}
	return nil
}

func sliQueries() *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := jsonschema.NewProperties()
	p.Set("errors", &jsonschema.Schema{Type: "string", Pattern: `\{\{\.window\}\}`, Description: "PromQL rate of bad events over [{{.window}}]."})
	p.Set("total", &jsonschema.Schema{Type: "string", Pattern: `\{\{\.window\}\}`, Description: "PromQL rate of all events over [{{.window}}]."})
	return p
}

// releaseSchema describes specs/releases/<env>.yaml: service name to digest.
// It is written by hand because a release record is a plain map, not a type.
func releaseSchema() engine.File {
	s := &jsonschema.Schema{
		Version:     jsonschema.Version,
		ID:          "https://groundwork.dev/schemas/release.schema.json",
		Title:       "Groundwork release record (specs/releases/<environment>.yaml)",
		Description: "The image digest each service runs in the environment; written by the deploy workflows.",
		Type:        "object",
		AdditionalProperties: &jsonschema.Schema{
			Type:    "string",
			Pattern: "^sha256:[0-9a-f]{64}$",
		},
		PropertyNames: &jsonschema.Schema{Pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
	}
	return engine.File{Path: Dir + "/release.schema.json", Origins: []engine.Origin{{Spec: "internal/spec/release.go"}}, Data: encode(s)}
}
