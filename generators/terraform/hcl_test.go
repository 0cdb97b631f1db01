package terraform

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// A block takes its spaces from one laid out alike only: blocks that differ
// in their values, labels or comments are spaced as formatting them would,
// and so are blocks of the same tokens whose aligned names are of other
// widths, or of other tokens.
func TestLayoutsSpaceAsFormatting(t *testing.T) {
	t.Parallel()
	module := func(d *doc, label string, comments []string, names ...string) {
		b := d.commentedBlock(comments, "module", label)
		for i, n := range names {
			b.SetAttributeRaw(n, tuple(str(label), ref("module", label, "id"), num(i)))
		}
		o := &object{}
		o.set(names[0], str(label))
		o.set("enabled", boolean(len(label) > 1))
		b.SetAttributeRaw("settings", o.tokens())
	}
	d := &doc{}
	module(d, "a", nil, "one", "two")
	module(d, "database_api", nil, "one", "two")
	module(d, "database_api", []string{"# Why.", "# And why not."}, "one", "two")
	module(d, "a", nil, "one", "three")
	module(d, "a", nil, "three", "one")
	module(d, "another_one", nil, "three", "one")
	module(d, "b", []string{"# A comment."}, "three", "one")
	d.block("locals").SetAttributeRaw("v", ref("a", "b", "c"))
	d.block("locals").SetAttributeRaw("v", tuple(num(1), num(2)))
	r := &renderer{}
	for range 2 {
		got := d.render(r)
		if want := hclwrite.Format(got); !bytes.Equal(got, want) {
			t.Errorf("not formatted:\n%s", cmp.Diff(string(want), string(got)))
		}
	}
}

// An integer is the literal hclwrite writes for it.
func TestNum(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 35, 365, 1 << 40, -1, -90} {
		want := hclwrite.TokensForValue(cty.NumberIntVal(int64(n)))
		if got := num(n); !bytes.Equal(got.Bytes(), want.Bytes()) || len(got) != 1 || got[0].Type != want[0].Type {
			t.Errorf("num(%d) = %q, hclwrite writes %q", n, got.Bytes(), want.Bytes())
		}
	}
}

func TestBareKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"api": true, "svc-0001": true, "_x9": true, "Main_2-b": true,
		"": false, "9x": false, "-x": false, "release/1.0": false, "a.b": false, "é": false, "a b": false,
	} {
		if got := bareKey(key); got != want {
			t.Errorf("bareKey(%q) = %v, want %v", key, got, want)
		}
	}
}
