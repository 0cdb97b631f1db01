package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestLockEncoding holds Lock.encode to the bytes encoding/json writes
// (indented, HTML left alone), on locks of every shape: none, null and
// empty sources, strings that need escaping.
func TestLockEncoding(t *testing.T) {
	t.Parallel()
	words := []string{"", "a", "specs/services/api.yaml", `q"uote`, `back\slash`, "tab\there", "nl\n", "\x01ctl", "<html>&", "é", "\u2028", "bad\xffutf8", "environments/prod/flux/apps/api/deployment.yaml"}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return words[r.IntN(len(words))] }
	for i := range 300 {
		l := &Lock{Version: r.IntN(3), Files: map[string]*LockEntry{}}
		n := r.IntN(5)
		if i%60 == 0 {
			// Enough entries that encode writes them in two halves.
			n = splitLockEntries + r.IntN(100)
		}
		for j := range n {
			p := pick() + pick()
			if n >= splitLockEntries {
				p += strconv.Itoa(j)
			}
			if r.IntN(10) == 0 {
				l.Files[p] = nil
				continue
			}
			e := &LockEntry{Kind: pick(), SHA256: pick()}
			switch r.IntN(3) {
			case 0:
			case 1:
				e.Sources = []string{}
			default:
				for range 1 + r.IntN(3) {
					e.Sources = append(e.Sources, pick())
				}
			}
			l.Files[p] = e
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
		if got := l.encode(); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("lock %d:\n got %q\nwant %q", i, got, want.Bytes())
		}
	}
}
