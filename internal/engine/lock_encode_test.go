package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
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
			n = splitEntries + r.IntN(100)
		}
		for j := range n {
			p := pick() + pick()
			if n >= splitEntries {
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

// TestSpliceLock: a lock written from the last run's lock, copying the
// entries kept and writing the others, is the lock encodeLock writes, for
// edits that keep, change, add and remove entries anywhere (the first, the
// last, every one); and a lock that is not laid out as encodeLock lays it
// out, or whose entries are not where the manifest puts them, is refused.
func TestSpliceLock(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	entry := func(path string) ManifestFile {
		f := ManifestFile{Path: path, Kind: []string{"flux", "terraform"}[r.IntN(2)], SHA256: strconv.Itoa(r.IntN(1e6))}
		for range r.IntN(3) {
			f.Sources = append(f.Sources, "specs/services/s"+strconv.Itoa(r.IntN(9))+".yaml")
		}
		return f
	}
	splice := func(old []byte, prev, files []ManifestFile, from []int) ([]byte, bool) {
		starts, ok := lockStarts(old, prev)
		if !ok {
			return nil, false
		}
		lock := spliceLock(old, starts, files, from)
		return lock, lock != nil
	}
	encode := func(files []ManifestFile) []byte {
		return encodeLock(lockVersion, len(files), func(i int) (string, *LockEntry) {
			return files[i].Path, &LockEntry{Kind: files[i].Kind, Sources: files[i].Sources, SHA256: files[i].SHA256}
		})
	}
	patches := 0
	for round := range 500 {
		var prev []ManifestFile
		for i := range 1 + r.IntN(12) {
			prev = append(prev, entry("f/"+strconv.Itoa(10+2*i)))
		}
		old := encode(prev)
		// The new output: each old entry kept, changed or dropped, and
		// new paths between them.
		var files []ManifestFile
		var from []int
		// Every other round only changes hashes: the same paths at the
		// same places, as most edits.
		hashesOnly := round%2 == 0
		for k, f := range prev {
			if !hashesOnly && r.IntN(4) == 0 {
				files, from = append(files, entry("f/"+strconv.Itoa(10+2*k-1))), append(from, -1)
			}
			switch r.IntN(4) {
			case 0: // removed, or its hash changed
				if hashesOnly {
					f.SHA256 = strings.Repeat("x", len(f.SHA256))
					files, from = append(files, f), append(from, -1)
				}
			case 1:
				files, from = append(files, entry(f.Path)), append(from, -1)
			default:
				files, from = append(files, f), append(from, k)
			}
		}
		if !hashesOnly && r.IntN(3) == 0 {
			files, from = append(files, entry("g/new")), append(from, -1)
		}
		got, ok := splice(old, prev, files, from)
		if len(files) == 0 {
			if ok {
				t.Fatalf("round %d: spliced a lock of no entries", round)
			}
			continue
		}
		want := encode(files)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("round %d (ok %v):\n got %q\nwant %q", round, ok, got, want)
		}
		// The same paths at the same places: patched in place, when no
		// entry changes its length.
		if len(files) != len(prev) {
			continue
		}
		var at []int
		var rendered []ManifestFile
		for i := range files {
			if files[i].Path != prev[i].Path {
				at = nil
				break
			}
			if from[i] < 0 {
				at, rendered = append(at, i), append(rendered, files[i])
			}
		}
		if at == nil {
			continue
		}
		starts, _ := lockStarts(old, prev)
		patched := append([]byte(nil), old...)
		var changed bool
		got, changed = patchLock(patched, starts, at, rendered)
		switch {
		case got != nil && !bytes.Equal(got, want):
			t.Fatalf("round %d: patched in place:\n got %q\nwant %q", round, got, want)
		case got != nil && changed == bytes.Equal(want, old):
			t.Fatalf("round %d: patched in place, changed %v, yet the lock is the old one: %v", round, changed, bytes.Equal(want, old))
		case got == nil && !bytes.Equal(patched, old):
			t.Fatalf("round %d: a patch refused changed the old lock", round)
		case got != nil:
			patches++
		}
	}

	if patches < 25 {
		t.Fatalf("only %d rounds patched a lock in place; the test proves little", patches)
	}

	prev := []ManifestFile{entry("a"), entry("b"), entry("c")}
	old := encode(prev)
	keep := []int{0, 1, 2}
	for name, damaged := range map[string][]byte{
		"cut short":         old[:len(old)-2],
		"an entry more":     encode(append(prev, entry("d"))),
		"an entry less":     encode(prev[:2]),
		"entries reordered": bytes.Replace(old, []byte(`"a"`), []byte(`"x"`), 1),
		"another version":   bytes.Replace(old, []byte(`"version": 1`), []byte(`"version": 2`), 1),
	} {
		if _, ok := splice(damaged, prev, prev, keep); ok {
			t.Errorf("%s: spliced", name)
		}
	}
	if got, ok := splice(old, prev, prev, keep); !ok || !bytes.Equal(got, old) {
		t.Errorf("keeping every entry: ok %v, the lock changed", ok)
	}
	quoted := []ManifestFile{entry(`q"uote`)}
	if _, ok := splice(encode(quoted), quoted, quoted, []int{0}); ok {
		t.Error("spliced a lock whose entry is escaped: its length is not counted")
	}

	// lockEntryLen counts what appendLockEntry writes.
	for _, f := range []ManifestFile{
		{Path: "a/b", Kind: "k", SHA256: "s"},
		{Path: "a/b", Kind: "k", SHA256: "s", Sources: []string{}},
		{Path: "a/b", Kind: "k", SHA256: "s", Sources: []string{"x"}},
		{Path: "a/b", Kind: "k", SHA256: "s", Sources: []string{"x", "yy", "zzz"}},
	} {
		n, ok := lockEntryLen(&f)
		if want := len(appendLockEntry(nil, f.Path, &LockEntry{Kind: f.Kind, Sources: f.Sources, SHA256: f.SHA256}, true)); !ok || n != want {
			t.Errorf("lockEntryLen(%+v) = %d, %v; want %d", f, n, ok, want)
		}
	}
}

// validSHA256 takes 64 lowercase hex digits and nothing else.
func TestValidSHA256(t *testing.T) {
	t.Parallel()
	good := hash([]byte("x"))
	if !validSHA256(good) {
		t.Fatalf("%s refused", good)
	}
	for _, bad := range []string{"", good[:63], good + "0", strings.ToUpper(good)} {
		if validSHA256(bad) {
			t.Errorf("%q taken", bad)
		}
	}
	for i := range good {
		for _, c := range []byte{'g', 'A', 'F', ' ', '/', ':', '`', 0, 0xff} {
			bad := []byte(good)
			bad[i] = c
			if validSHA256(string(bad)) {
				t.Errorf("%q taken", bad)
			}
		}
	}
}
