package alerts

import (
	"bytes"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators/spec"
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

// The writer gives yaml.v3's bytes for every rule file and test of the
// sample organisation.
func TestMarshalIsYAMLv3(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Environments {
		for _, s := range m.Services {
			gs := Groups(m, e, s)
			doc := struct {
				Groups []Group `yaml:"groups"`
			}{gs}
			got, err := marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if want := yamlV3(t, doc); !bytes.Equal(got, want) {
				t.Errorf("%s/%s rules:\n%s\nyaml.v3:\n%s", e.Name, s.Name, got, want)
			}
		}
	}
}

// Strings that need quoting or a block read back as themselves.
func TestMarshalRoundTrips(t *testing.T) {
	strs := []string{
		"", "plain", "a: b", "a:b", "#x", "x #y", " lead", "trail ", "yes", "No", "1.5", "1e3", "0x1f",
		"2026-01-01", "2026-01-01T00:00:00Z", "null", "~", "multi\nline", "multi\n line", "two\n\nblank",
		"tab\tx", "quote'x", "dq\"x", "-x", "- x", "@x", "`x`", "x:", "[x]", "{x}", "ünïcode", "*star", "&amp",
		"!tag", "%p", "|pipe", ">gt", "?q", "line\n", "ctrl\x01", "up{job=\"a\"} == 0", "sum(rate(x[5m])) > 0.9",
	}
	type doc struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels,omitempty"`
		List   []string          `yaml:"list"`
	}
	for _, s := range strs {
		in := doc{Name: s, Labels: map[string]string{"k": s}, List: []string{s, "b"}}
		data, err := marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out doc
		if err := yaml.Unmarshal(data, &out); err != nil {
			t.Errorf("%q: %v\n%s", s, err, data)
			continue
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("%q read back as %#v from\n%s", s, out, data)
		}
	}
}
