package terraform

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclwrite"
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
