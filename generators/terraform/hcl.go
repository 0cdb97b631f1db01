package terraform

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Expressions are built as hclwrite tokens, never as text: a value is always
// quoted and escaped by hclwrite, and a reference is a real traversal.
type expr = hclwrite.Tokens

func str(s string) expr { return hclwrite.TokensForValue(cty.StringVal(s)) }

// num is an integer literal, as hclwrite.TokensForValue writes one, in
// decimal: it writes every cty number through a big.Float, which was a
// tenth of the allocations of a root.
func num(n int) expr {
	return expr{{Type: hclsyntax.TokenNumberLit, Bytes: strconv.AppendInt(nil, int64(n), 10)}}
}

func boolean(b bool) expr {
	return hclwrite.TokensForValue(cty.BoolVal(b))
}

func strs(ss []string) expr {
	elems := make([]expr, len(ss))
	for i, s := range ss {
		elems[i] = str(s)
	}
	return hclwrite.TokensForTuple(elems)
}

func tuple(elems ...expr) expr { return hclwrite.TokensForTuple(elems) }

func call(fn string, args ...expr) expr { return hclwrite.TokensForFunctionCall(fn, args...) }

// ref is a reference such as module.network.vpc_id; a step in brackets,
// module.secrets.secret_arns["prod/api/key"], indexes by a string key.
func ref(root string, steps ...string) expr {
	t := append(make(hcl.Traversal, 0, 1+len(steps)), hcl.TraverseRoot{Name: root})
	for _, s := range steps {
		if k, ok := strings.CutPrefix(s, "["); ok {
			t = append(t, hcl.TraverseIndex{Key: cty.StringVal(strings.TrimSuffix(k, "]"))})
			continue
		}
		t = append(t, hcl.TraverseAttr{Name: s})
	}
	return hclwrite.TokensForTraversal(t)
}

// index is the step that indexes a map by a string key, for ref.
func index(key string) string { return "[" + key + "]" }

// bareKey reports whether key is written bare as an object's key rather
// than quoted: it is an ASCII identifier, [A-Za-z_][A-Za-z0-9_-]* (a
// regular expression matching it was a twentieth of a root's time).
func bareKey(key string) bool {
	for i, c := range []byte(key) {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case i > 0 && (c == '-' || '0' <= c && c <= '9'):
		default:
			return false
		}
	}
	return key != ""
}

// object is an HCL object whose keys keep the order given.
type object struct{ attrs []hclwrite.ObjectAttrTokens }

func (o *object) set(key string, v expr) *object {
	name := hclwrite.TokensForIdentifier(key)
	if !bareKey(key) {
		name = str(key)
	}
	o.attrs = append(o.attrs, hclwrite.ObjectAttrTokens{Name: name, Value: v})
	return o
}

// tokens is the object's constructor: the tokens hclwrite.TokensForObject
// makes, a line per attribute between braces, but not formatted.
// TokensForObject formats what it returns, so that an object nested n deep
// would be formatted n+1 times, each line with it; formatting the file
// (doc.render) sets every space of every line anyway. Its own tokens, the
// braces, equals signs and newlines, are allocated at once.
func (o *object) tokens() expr {
	n := 2 + 2*len(o.attrs)
	for _, a := range o.attrs {
		n += len(a.Name) + len(a.Value)
	}
	toks := make(expr, 0, n)
	own := make([]hclwrite.Token, 0, 3+2*len(o.attrs))
	add := func(typ hclsyntax.TokenType, b byte) {
		own = append(own, hclwrite.Token{Type: typ, Bytes: []byte{b}})
		toks = append(toks, &own[len(own)-1])
	}
	add(hclsyntax.TokenOBrace, '{')
	if len(o.attrs) > 0 {
		add(hclsyntax.TokenNewline, '\n')
	}
	for _, a := range o.attrs {
		toks = append(toks, a.Name...)
		add(hclsyntax.TokenEqual, '=')
		toks = append(toks, a.Value...)
		add(hclsyntax.TokenNewline, '\n')
	}
	add(hclsyntax.TokenCBrace, '}')
	return toks
}

// copies are copies of exprs with tokens of their own, allocated at once.
func copies(exprs []expr) []expr {
	n := 0
	for _, e := range exprs {
		n += len(e)
	}
	own, toks := make([]hclwrite.Token, n), make(expr, n)
	out := make([]expr, len(exprs))
	n = 0
	for i, e := range exprs {
		for j, t := range e {
			own[n+j] = *t
			toks[n+j] = &own[n+j]
		}
		out[i] = toks[n : n+len(e) : n+len(e)]
		n += len(e)
	}
	return out
}

// copy is a copy of o with tokens of its own.
func (o *object) copy() *object {
	names, values := make([]expr, len(o.attrs)), make([]expr, len(o.attrs))
	for i, a := range o.attrs {
		names[i], values[i] = a.Name, a.Value
	}
	names, values = copies(names), copies(values)
	c := &object{attrs: make([]hclwrite.ObjectAttrTokens, len(o.attrs))}
	for i := range c.attrs {
		c.attrs[i] = hclwrite.ObjectAttrTokens{Name: names[i], Value: values[i]}
	}
	return c
}

// strMap is an object of string values, keys sorted.
func strMap(m map[string]string) expr {
	o := &object{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		o.set(k, str(m[k]))
	}
	return o.tokens()
}

// block appends a block and returns its body.
func block(body *hclwrite.Body, typ string, labels ...string) *hclwrite.Body {
	return body.AppendNewBlock(typ, labels).Body()
}

func ctyStr(s string) cty.Value { return cty.StringVal(s) }

// prefixes is a list of CIDRs.
func prefixes(ps []netip.Prefix) expr {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = p.String()
	}
	return strs(ss)
}
