package alerting

import (
	"slices"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Shape is query expr of a service named name with every occurrence of
// the name replaced by a byte that no query holds; ok is false when the
// name cannot be told apart so (it is not plain, or expr holds that byte).
// Two services' queries of one shape are the same text but for their
// names, each where the other has its own: expr is the shape with the
// byte replaced by the name again.
//
// When the name is moreover only inside strings (InStringsOnly), so is
// the other's, at the same places, and the two lex to the same tokens but
// for those strings' insides: inside a quoted string without escapes,
// Prometheus's lexer takes each character a plain name can hold the same
// way, one at a time and without a change of state. What depends on the
// tokens alone, not on those strings, is then the same for every query of
// the shape, and can be worked out once (see metricNames, and the Check of
// generators/alerts).
func Shape(expr, name string) (shape string, ok bool) {
	if !plainName(name) || strings.Contains(expr, shapeSlot) {
		return "", false
	}
	return strings.ReplaceAll(expr, name, shapeSlot), true
}

// shapeSlot stands for the service's name in the shape of a query: a
// NUL, which PromQL has no use for.
const shapeSlot = "\x00"

// plainName reports whether a name holds only what a DNS label may
// (letters, digits, '-'), which a quoted string of PromQL takes as it is:
// no quote, backslash, line break or byte of a multi-byte character.
func plainName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// InStringsOnly reports whether every occurrence of name in expr (as
// Shape replaces them) lies strictly inside the quotes of a string token
// that holds no backslash; false when expr does not lex.
func InStringsOnly(expr, name string) bool {
	items, err := lex(expr)
	return err == nil && inStringsOnly(expr, name, items)
}

// inStringsOnly is InStringsOnly with expr's tokens, items.
func inStringsOnly(expr, name string, items []parser.Item) bool {
	for from := 0; ; {
		i := strings.Index(expr[from:], name)
		if i < 0 {
			return true
		}
		start := from + i
		end := start + len(name)
		inside := slices.ContainsFunc(items, func(it parser.Item) bool {
			open := int(it.Pos)
			return it.Typ == parser.STRING && open < start && end <= open+len(it.Val)-1 && !strings.Contains(it.Val, "\\")
		})
		if !inside {
			return false
		}
		from = end
	}
}
