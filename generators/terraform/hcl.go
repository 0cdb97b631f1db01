package terraform

import (
	"bytes"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Expressions are built as hclwrite tokens, never as text: a value is always
// quoted and escaped by hclwrite, and a reference is a real traversal.
type expr = hclwrite.Tokens

func str(s string) expr { return hclwrite.TokensForValue(cty.StringVal(s)) }
func num(n int) expr    { return hclwrite.TokensForValue(cty.NumberIntVal(int64(n))) }
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
	t := hcl.Traversal{hcl.TraverseRoot{Name: root}}
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

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// object is an HCL object whose keys keep the order given.
type object struct{ attrs []hclwrite.ObjectAttrTokens }

func (o *object) set(key string, v expr) *object {
	name := hclwrite.TokensForIdentifier(key)
	if !identRE.MatchString(key) {
		name = str(key)
	}
	o.attrs = append(o.attrs, hclwrite.ObjectAttrTokens{Name: name, Value: v})
	return o
}

// tokens is the object's constructor: the tokens hclwrite.TokensForObject
// makes, a line per attribute between braces, but not formatted.
// TokensForObject formats what it returns, so that an object nested n deep
// would be formatted n+1 times, each line with it; formatting the file
// (doc.render) sets every space of every line anyway.
func (o *object) tokens() expr {
	toks := expr{{Type: hclsyntax.TokenOBrace, Bytes: []byte{'{'}}}
	if len(o.attrs) > 0 {
		toks = append(toks, newline())
	}
	for _, a := range o.attrs {
		toks = append(toks, a.Name...)
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenEqual, Bytes: []byte{'='}})
		toks = append(toks, a.Value...)
		toks = append(toks, newline())
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCBrace, Bytes: []byte{'}'}})
}

func newline() *hclwrite.Token {
	return &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte{'\n'}}
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

// doc is a file of top-level blocks, each kept apart until rendering: terraform
// fmt aligns within a block only, so blocks format independently, in
// parallel. A root with a thousand services is mostly formatting time.
type doc struct{ blocks []*hclwrite.File }

// block starts a top-level block and returns its body.
func (d *doc) block(typ string, labels ...string) *hclwrite.Body {
	return d.commentedBlock(nil, typ, labels...)
}

// commentedBlock starts a top-level block below comments (whole lines, each
// starting with #) and returns its body.
func (d *doc) commentedBlock(comments []string, typ string, labels ...string) *hclwrite.Body {
	f := hclwrite.NewEmptyFile()
	d.blocks = append(d.blocks, f)
	for _, c := range comments {
		f.Body().AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(c + "\n")}})
	}
	return block(f.Body(), typ, labels...)
}

// render formats the blocks as terraform fmt would, a blank line between
// two blocks and one newline at the end.
func (d *doc) render() []byte {
	out := make([][]byte, len(d.blocks))
	parallel.For(len(d.blocks), func(i int) {
		out[i] = bytes.Trim(d.blocks[i].Bytes(), "\n")
	})
	return append(bytes.Join(out, []byte("\n\n")), '\n')
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
