package yamlw

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// Encode writes v with yaml.v3 itself, with two-space indents: the layout
// Marshal gives, for what Marshal cannot write, such as yaml.Node trees
// with comments and flow styles (the workflows), booleans, and types with
// their own MarshalYAML. It is the one place groundwork drives yaml.v3's
// encoder.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
