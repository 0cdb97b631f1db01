package alerts_test

import (
	"bytes"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

func yamlV3(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// internal/yamlw gives yaml.v3's bytes for every rule file of the sample
// organisation.
func TestMarshalIsYAMLv3(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Environments {
		for _, s := range m.Services {
			gs := alerting.New(m).Groups(e, s)
			doc := struct {
				Groups []alerting.Group `yaml:"groups"`
			}{gs}
			got, err := yamlw.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if want := yamlV3(t, doc); !bytes.Equal(got, want) {
				t.Errorf("%s/%s rules:\n%s\nyaml.v3:\n%s", e.Name, s.Name, got, want)
			}
		}
	}
}
