// Package kube makes the Kubernetes manifests that more than one generator
// writes: the External Secrets and kustomize objects, which have no Go API
// module the generators can use, and the one YAML encoder every generated
// Kubernetes object goes through.
//
// The types are written by hand, field names as the CRDs and kustomize
// name them, in the order people write them; each generator's tests decode
// what it writes strictly against an independent copy of the schema.
package kube

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v2"

	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// Layout is how Marshal lays an object out. Each generated folder keeps one
// layout, so that its committed files do not change; moving a folder to the
// other layout is a reviewed change of output, not of code.
type Layout int

const (
	// Sorted is what sigs.k8s.io/yaml writes: the object's JSON, through
	// the API types' own json tags, with keys sorted, sequences flush with
	// their key, and no status (a status is the cluster's to write). Every
	// object under environments/<env>/flux but configs/alertmanager.
	Sorted Layout = iota
	// InOrder writes the yaml tags of the kit's types in declaration
	// order, two-space indents, sequences indented: configs/alertmanager
	// and dashboards/kustomization.yaml.
	InOrder
)

// Marshal gives the YAML of one Kubernetes object in layout l. The bytes
// depend on nothing but the object.
func Marshal(obj any, l Layout) ([]byte, error) {
	switch l {
	case Sorted:
		return sorted(obj)
	case InOrder:
		return yamlw.Encode(obj)
	}
	return nil, fmt.Errorf("kube: no layout %d", l)
}

// sortedByLibrary is what sigs.k8s.io/yaml.Marshal makes, without parsing
// the JSON again with a YAML parser: the definition of the Sorted layout,
// which sorted writes faster for the usual objects.
func sortedByLibrary(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(m, "spec") // a Namespace's
	}
	return yaml.Marshal(numbers(m))
}

// numbers turns the JSON numbers of v into integers where they are whole,
// so that YAML writes 8080, not "8080".
func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
	}
	return v
}

// ObjectMeta is the metadata the kit's objects carry; an empty namespace
// makes a cluster-scoped object.
type ObjectMeta struct {
	Name      string            `json:"name" yaml:"name"`
	Namespace string            `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
}
