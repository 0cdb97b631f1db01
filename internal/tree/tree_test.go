//go:build linux

package tree

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
	root, outside := hostile(t)
	tr, err := Open(root)
	must(t, err)
	defer tr.Close()

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
