package yamlw

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

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
		data, err := Marshal(in)
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
