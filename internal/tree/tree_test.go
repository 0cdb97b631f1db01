//go:build linux

package tree

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

// hostile builds a tree with links out of it and into it, beside a folder
// that stands for the rest of the machine.
func hostile(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "repo"), filepath.Join(base, "outside")
	for _, d := range []string{root + "/real", outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(outside+"/secret", []byte("secret"), 0o600))
	must(t, os.WriteFile(root+"/real/file", []byte("mine"), 0o644))
	must(t, os.Symlink(outside, root+"/out"))              // a folder link out
	must(t, os.Symlink(outside+"/secret", root+"/secret")) // a file link out
	must(t, os.Symlink("real", root+"/in"))                // a folder link inside
	must(t, os.Symlink("real/file", root+"/real/alias"))   // a file link inside
	must(t, syscall.Mkfifo(root+"/real/pipe", 0o644))      // would block a plain read
	return root, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLinksAreNeverFollowed(t *testing.T) {
	t.Parallel()
	t.Run("folders opened each time", func(t *testing.T) { linksAreNeverFollowed(t, false) })
	t.Run("folders held", func(t *testing.T) { linksAreNeverFollowed(t, true) })
}

func linksAreNeverFollowed(t *testing.T, held bool) {
	root, outside := hostile(t)
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()
	if held {
		defer tr.HoldFolders()()
	}

	if got, err := tr.ReadFile("real/file", 1<<20); err != nil || string(got) != "mine" {
		t.Fatalf("ReadFile(real/file) = %q, %v", got, err)
	}
	for _, name := range []string{"out/secret", "secret", "in/file", "real/alias"} {
		if _, err := tr.ReadFile(name, 1<<20); !errors.Is(err, ErrLink) {
			t.Errorf("ReadFile(%s): %v, want ErrLink", name, err)
		}
	}
	for _, name := range []string{"../outside/secret", "/etc/passwd", "real/../../outside/secret"} {
		if _, err := tr.ReadFile(name, 1<<20); err == nil || !Hostile(err) {
			t.Errorf("ReadFile(%s): %v, want a refusal", name, err)
		}
	}
	if _, err := tr.ReadFile("real/pipe", 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(pipe): %v, want ErrNotRegular", err)
	}
	if _, err := tr.ReadFile("real", 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(folder): %v, want ErrNotRegular", err)
	}
	if _, err := tr.ReadFile("real/file", 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over the limit: %v, want ErrTooLarge", err)
	}
	if _, err := tr.ReadFile("real/none", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing): %v, want ErrNotExist", err)
	}

	// Writes: through a folder link, onto a file link, a folder made through a link.
	if err := tr.WriteNew("out/new", []byte("x")); !errors.Is(err, ErrLink) {
		t.Errorf("WriteNew(out/new): %v, want ErrLink", err)
	}
	if err := tr.WriteNew("secret", []byte("x")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteNew(secret): %v, want ErrExist (the link is not followed)", err)
	}
	if err := tr.MkdirAll("out/a/b"); !errors.Is(err, ErrLink) {
		t.Errorf("MkdirAll(out/a/b): %v, want ErrLink", err)
	}
	must(t, tr.MkdirAll("made/a/b"))
	must(t, tr.WriteNew("made/a/b/f", []byte("new")))
	if err := tr.Rename("made/a/b/f", "out/f"); !errors.Is(err, ErrLink) {
		t.Errorf("Rename into a link: %v, want ErrLink", err)
	}
	// Renaming onto a link replaces the link, not its target.
	must(t, tr.Rename("made/a/b/f", "secret"))
	// Removing a folder link removes the link only.
	must(t, tr.RemoveAll("out"))

	if got, err := os.ReadFile(outside + "/secret"); err != nil || string(got) != "secret" {
		t.Fatalf("outside file changed: %q, %v", got, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Fatalf("outside folder holds %d entries, want 1", len(entries))
	}
}

func TestLockIsExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := Open(dir)
	must(t, err)
	defer a.Close()
	b, err := Open(dir)
	must(t, err)
	defer b.Close()
	must(t, a.Lock(true))
	if err := b.Lock(true); !errors.Is(err, ErrBusy) {
		t.Fatalf("second exclusive lock: %v, want ErrBusy", err)
	}
	if err := b.Lock(false); !errors.Is(err, ErrBusy) {
		t.Fatalf("shared lock beside an exclusive one: %v, want ErrBusy", err)
	}
	a.Close()
	must(t, b.Lock(true))
}

// TestHoldFolders: with its folders held, the tree writes, renames and
// removes as without; a folder removed and made again is the new folder,
// not the one held; a link planted where a folder was is refused; and
// release closes every folder it held. (Not in parallel: it counts the
// process's descriptors.)
func TestHoldFolders(t *testing.T) {
	root := t.TempDir()
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		must(t, err)
		return len(entries)
	}
	before := fds()
	release := tr.HoldFolders()
	inner := tr.HoldFolders() // held already: does nothing
	for _, d := range []string{"a/b", "a/c", "d"} {
		must(t, tr.MkdirAll(d))
		must(t, tr.WriteNew(d+"/f", []byte(d)))
	}
	inner()
	must(t, tr.Rename("a/b/f", "a/c/g"))
	must(t, tr.Rename("a/c", "e")) // a folder held, moved: its path is forgotten
	must(t, tr.WriteNew("e/h", []byte("h")))
	must(t, tr.MkdirAll("a/c"))
	must(t, tr.WriteNew("a/c/f", []byte("new a/c")))
	must(t, tr.RemoveAll("a"))
	must(t, tr.MkdirAll("a/b"))
	must(t, tr.WriteNew("a/b/f", []byte("again")))
	if fds() <= before {
		t.Error("no folder held")
	}
	want := map[string]string{"a/b/f": "again", "e/f": "a/c", "e/g": "a/b", "e/h": "h", "d/f": "d"}
	got := map[string]string{}
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			must(t, err)
			rel, _ := filepath.Rel(root, p)
			got[rel] = string(data)
		}
		return err
	}))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the tree holds %v, want %v", got, want)
	}
	// A folder removed behind the tree's back and replaced by a link
	// out is refused when opened anew.
	must(t, tr.RemoveAll("d"))
	must(t, os.Symlink(t.TempDir(), filepath.Join(root, "d")))
	if err := tr.WriteNew("d/x", []byte("x")); !errors.Is(err, ErrLink) {
		t.Errorf("WriteNew through a link planted at a folder forgotten: %v, want ErrLink", err)
	}
	release()
	if n := fds(); n != before {
		t.Errorf("%d descriptors open after release, %d before", n, before)
	}
}

// TestStats: each plain file named has its Stat, in whatever order the
// names come (a folder's names apart, a folder twice); a missing file, a
// folder, a link (never followed) or a name that leaves the tree has the
// zero Stat.
func TestStats(t *testing.T) {
	t.Parallel()
	root, _ := hostile(t)
	for _, f := range []string{"top", "real/a", "real/b", "other/c"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755))
		must(t, os.WriteFile(filepath.Join(root, f), []byte(f), 0o644))
	}
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()
	names := []string{"real/a", "other/c", "real/b", "top", "real/file", "real/none", "real", "secret", "out/secret", "in/file", "real/alias", "real/pipe", "../outside/secret", "real/../top", "", "real/a"}
	plain := map[string]bool{"real/a": true, "other/c": true, "real/b": true, "top": true, "real/file": true}
	for i, st := range tr.Stats(names) {
		n := names[i]
		if !plain[n] {
			if st != (Stat{}) {
				t.Errorf("Stats(%q) = %+v, want the zero Stat", n, st)
			}
			continue
		}
		fi, err := os.Lstat(filepath.Join(root, n))
		must(t, err)
		sys := fi.Sys().(*syscall.Stat_t)
		if st.Size != fi.Size() || st.Mtime != fi.ModTime().UnixNano() || st.Ino != sys.Ino {
			t.Errorf("Stats(%q) = %+v, want size %d, mtime %d, inode %d", n, st, fi.Size(), fi.ModTime().UnixNano(), sys.Ino)
		}
	}
}

// ReadFileInto reads into the buffer it is given when the file fits, into
// a new one when it does not, and refuses what ReadFile refuses.
func TestReadFileInto(t *testing.T) {
	t.Parallel()
	root, _ := hostile(t)
	must(t, os.WriteFile(root+"/real/big", []byte("0123456789"), 0o644))
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()
	buf := make([]byte, 0, 64)
	got, err := tr.ReadFileInto("real/file", 1<<20, buf)
	if err != nil || string(got) != "mine" || &got[:1][0] != &buf[:1][0] {
		t.Fatalf("ReadFileInto(real/file) = %q, %v; want mine, in the buffer given", got, err)
	}
	small := make([]byte, 0, 4)
	if got, err := tr.ReadFileInto("real/big", 1<<20, small); err != nil || string(got) != "0123456789" {
		t.Errorf("ReadFileInto(real/big) into 4 bytes = %q, %v", got, err)
	}
	if _, err := tr.ReadFileInto("real/big", 5, buf); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFileInto(real/big) past its limit: %v, want ErrTooLarge", err)
	}
	for _, name := range []string{"secret", "real/alias"} {
		if _, err := tr.ReadFileInto(name, 1<<20, buf); !errors.Is(err, ErrLink) {
			t.Errorf("ReadFileInto(%s): %v, want ErrLink", name, err)
		}
	}
	if _, err := tr.ReadFileInto("real/pipe", 1<<20, buf); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFileInto(pipe): %v, want ErrNotRegular", err)
	}
}

// WriteNew writes its pieces one after the other, empty ones included,
// and refuses a name that exists.
func TestWriteNewPieces(t *testing.T) {
	t.Parallel()
	root, _ := hostile(t)
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	must(t, tr.WriteNew("real/pieces", []byte("# head\n"), nil, big, []byte{}, []byte("end\n")))
	got, err := os.ReadFile(root + "/real/pieces")
	must(t, err)
	if want := "# head\n" + string(big) + "end\n"; string(got) != want {
		t.Errorf("WriteNew of pieces wrote %d bytes, want %d", len(got), len(want))
	}
	must(t, tr.WriteNew("real/empty"))
	if info, err := os.Stat(root + "/real/empty"); err != nil || info.Size() != 0 {
		t.Errorf("WriteNew of no pieces: %v, %v", info, err)
	}
	if err := tr.WriteNew("real/file", []byte("x")); err == nil {
		t.Error("WriteNew over an existing file succeeded")
	}
}
