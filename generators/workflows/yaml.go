package workflows

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The workflows are built as yaml.Node trees, never as text: keys keep the
// order they are written in, a `uses:` carries its version as a line
// comment, and scripts are literal blocks that no value can break out of.

// mapping makes a mapping from alternating keys and values. A nil value
// (or a nil node, or an empty list) leaves its key out, so optional keys
// read inline.
func mapping(kv ...any) *yaml.Node {
	if len(kv)%2 != 0 {
		panic("workflows: mapping needs keys and values in pairs")
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		v := node(kv[i+1])
		if v == nil {
			continue
		}
		n.Content = append(n.Content, str(kv[i].(string)), v)
	}
	return n
}

// emptyMapping is `{}`, which a mapping with no keys also is; it stays
// even when its parent leaves out empty values.
func emptyMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

// seq makes a block sequence.
func seq(items ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range items {
		if v := node(it); v != nil {
			n.Content = append(n.Content, v)
		}
	}
	return n
}

// flow makes a one-line sequence of strings, such as branch lists.
func flow(items ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, str(it))
	}
	return n
}

// str is a string scalar; the encoder quotes it when it would otherwise
// read as another type, and a multi-line string becomes a literal block.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// quoted is a double-quoted string, for values a reader might misread
// (cron lines, globs).
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

func node(v any) *yaml.Node {
	switch v := v.(type) {
	case nil:
		return nil
	case *yaml.Node:
		if v == nil || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
			return nil
		}
		if v.Kind == yaml.MappingNode && len(v.Content) == 0 && v.Style != yaml.FlowStyle {
			return nil
		}
		return v
	case string:
		return str(v)
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case []string:
		if len(v) == 0 {
			return nil
		}
		return flow(v...)
	}
	panic(fmt.Sprintf("workflows: no YAML node for %T", v))
}
