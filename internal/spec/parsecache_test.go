package spec

import (
	"reflect"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/tree"
)

// loadThroughCache loads the specs under root twice through a parse
// cache: cold (every file parsed), then warm from the cold run's encoded
// cache. It returns both results and the warm cache.
func loadThroughCache(t *testing.T, root string) (cold, warm *Model, c *ParseCache, coldErr, warmErr error) {
	t.Helper()
	files, diags := readSpecFiles(t, root)
	if len(diags) > 0 {
		// Mistakes found before anything is parsed.
		return nil, nil, nil, diags.Sorted(), diags.Sorted()
	}
	const key = "test"
	first := DecodeParseCache(nil, key)
	cold, coldErr = LoadFilesWith(files, Reuse{Parsed: first})
	c = DecodeParseCache(first.Encode(key), key)
	warm, warmErr = LoadFilesWith(files, Reuse{Parsed: c})
	return cold, warm, c, coldErr, warmErr
}

// readSpecFiles reads the specs under root, as a run does.
func readSpecFiles(t *testing.T, root string) (*Files, Diagnostics) {
	t.Helper()
	tr, err := tree.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	files, diags, err := ReadFiles(tr)
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	return files, diags
}

// TestParseCacheLoadsTheSame: a model loaded from cached trees is the model
// loaded by parsing, positions of every value included, and a warm run
// parses nothing.
func TestParseCacheLoadsTheSame(t *testing.T) {
	t.Parallel()
	for _, root := range []string{"../..", "testdata/base"} {
		parsed, err := Load(root)
		if err != nil {
			t.Fatal(err)
		}
		cold, warm, c, coldErr, warmErr := loadThroughCache(t, root)
		if coldErr != nil || warmErr != nil {
			t.Fatalf("%s: %v / %v", root, coldErr, warmErr)
		}
		if !reflect.DeepEqual(parsed, cold) || !reflect.DeepEqual(parsed, warm) {
			t.Errorf("%s: a model loaded through the cache differs from one parsed", root)
		}
		if c.missed != 0 || c.Changed() {
			t.Errorf("%s: the warm run parsed %d files (changed %v); want none", root, c.missed, c.Changed())
		}
		if len(c.used) == 0 {
			t.Errorf("%s: nothing was cached", root)
		}
	}
}

// TestParseCacheRefusesDamage: a cache cut short, edited, or written under
// another key holds nothing, and the specs load as without it.
func TestParseCacheRefusesDamage(t *testing.T) {
	t.Parallel()
	_, _, c, _, _ := loadThroughCache(t, "testdata/base")
	good := c.Encode("k")
	if got := DecodeParseCache(good, "k"); len(got.have) != len(c.used) || len(got.have) == 0 {
		t.Fatalf("the cache read back holds %d trees, want %d", len(got.have), len(c.used))
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	for name, data := range map[string][]byte{
		"cut short":   good[:len(good)-1],
		"edited":      flipped,
		"another key": good,
		"empty":       nil,
	} {
		key := "k"
		if name == "another key" {
			key = "other"
		}
		if got := DecodeParseCache(data, key); len(got.have) != 0 {
			t.Errorf("%s: %d trees read; want none", name, len(got.have))
		}
	}
}

// FuzzParseCache: whatever a file holds, a tree yaml.v3 made of it is
// read back from the cache as that very tree, and no encoded string, made
// up or damaged, makes decodeNodes panic.
func FuzzParseCache(f *testing.F) {
	for _, seed := range []string{
		"name: api\nteam: payments # the team\nport: 8080\n",
		"a: &x {b: [1, 'two', \"three\"]}\nc: *x\nd: |\n  literal\n  text\n",
		"# head\n- !!str 1\n- ~\n- >\n  folded\n# foot\n",
		"{}", "[]", "x", "a: *nope", "---\na: 1\n---\nb: 2\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeNodes(string(data)) // made-up bytes: must not panic
		d := &decoder{src: newSource("specs/services/api.yaml")}
		n := d.parseYAML(data)
		if n == nil || len(d.diags) > 0 {
			return
		}
		enc, ok := encodeNodes(n)
		if !ok {
			return
		}
		back := decodeNodes(enc)
		if !reflect.DeepEqual(n, back) {
			t.Fatalf("the tree read back differs from the tree parsed")
		}
		for i := range len(enc) {
			decodeNodes(enc[:i]) // cut short anywhere: must not panic
		}
	})
}
