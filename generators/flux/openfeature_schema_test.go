package flux_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// The OpenFeature operator's CRDs, copied unchanged from
// open-feature/open-feature-operator v0.8.9 (config/crd/bases), the
// version of the chart the infrastructure layer installs. Its objects are
// checked as the API server checks a custom resource: fields the schema
// does not know (which the server would prune) are errors, then the
// schema's types, enums and required fields.
const openFeatureCRDs = "testdata/crds/openfeature-operator-v0.8.9-*.yaml"

// crdValidator checks objects of one kind against its CRD.
type crdValidator struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
}

var crdValidators = sync.OnceValues(func() (map[schema.GroupVersionKind]*crdValidator, error) {
	files, err := filepath.Glob(openFeatureCRDs)
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no CRDs at %s", openFeatureCRDs)
	}
	out := map[schema.GroupVersionKind]*crdValidator{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(data, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, v := range crd.Spec.Versions {
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			s, err := structuralschema.NewStructural(&internal)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			val, _, err := validation.NewSchemaValidator(&internal)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			out[gvk] = &crdValidator{structural: s, validator: val}
		}
	}
	return out, nil
})

// checkCRD checks an object against the CRD of its kind; ok is false when
// no CRD here defines the kind.
func checkCRD(gvk schema.GroupVersionKind, data []byte) (errs []error, ok bool) {
	vals, err := crdValidators()
	if err != nil {
		return []error{err}, true
	}
	v, ok := vals[gvk]
	if !ok {
		return nil, false
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return []error{err}, true
	}
	for _, p := range pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		errs = append(errs, fmt.Errorf("unknown field %q (the CRD would prune it)", p))
	}
	for _, e := range validation.ValidateCustomResource(nil, obj, v.validator) {
		errs = append(errs, e)
	}
	return errs, true
}

// The check refuses what the operator's API server would not take as
// written: an unknown field and a state outside its enum.
func TestOpenFeatureCRDRefuses(t *testing.T) {
	gvk := schema.GroupVersionKind{Group: "core.openfeature.dev", Version: "v1beta1", Kind: "FeatureFlag"}
	good := `{"apiVersion":"core.openfeature.dev/v1beta1","kind":"FeatureFlag","metadata":{"name":"x"},"spec":{"flagSpec":{"flags":{"a":{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on"}}}}}`
	if errs, ok := checkCRD(gvk, []byte(good)); !ok || len(errs) > 0 {
		t.Fatalf("a valid FeatureFlag: %v (known: %t)", errs, ok)
	}
	for name, bad := range map[string]string{
		"unknown field": `{"apiVersion":"core.openfeature.dev/v1beta1","kind":"FeatureFlag","metadata":{"name":"x"},"spec":{"flagSpec":{"flags":{"a":{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on","metadata":{"d":"x"}}}}}}`,
		"bad state":     `{"apiVersion":"core.openfeature.dev/v1beta1","kind":"FeatureFlag","metadata":{"name":"x"},"spec":{"flagSpec":{"flags":{"a":{"state":"ON","variants":{"on":true},"defaultVariant":"on"}}}}}`,
		"no variants":   `{"apiVersion":"core.openfeature.dev/v1beta1","kind":"FeatureFlag","metadata":{"name":"x"},"spec":{"flagSpec":{"flags":{"a":{"state":"ENABLED","defaultVariant":"on"}}}}}`,
	} {
		if errs, _ := checkCRD(gvk, []byte(bad)); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
