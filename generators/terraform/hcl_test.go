package terraform

import (
	"bytes"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

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
