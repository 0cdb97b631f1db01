//go:build !linux

package tree

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Tree is an open repository root. Without openat2, os.Root keeps every
// operation beneath the root, and each component is checked for links
// before use; a link planted between the check and the use can only point
// inside the tree.
type Tree struct {
	dir  string
	root *os.Root
	held *os.File // the root, opened for Lock
}

// Open opens the repository at dir.
func Open(dir string) (*Tree, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Tree{dir: dir, root: r}, nil
}

// Close releases the root.
func (t *Tree) Close() error {
	if t.held != nil {
		t.held.Close()
	}
	return t.root.Close()
}

// Lock takes the tree for this process (see the Linux version), where the
// system has flock; elsewhere (Windows) it takes nothing.
func (t *Tree) Lock(exclusive bool) error {
	f, err := os.Open(t.dir)
	if err != nil {
		return err
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		return err
	}
	t.held = f
	return nil
}

// noLinks refuses name when any of its components is a link.
func (t *Tree) noLinks(op, name string) error {
	if err := checkName(op, name); err != nil {
		return err
	}
	if name == "" || name == "." {
		return nil
	}
	parts := strings.Split(name, "/")
	for i := range parts {
		fi, err := t.root.Lstat(strings.Join(parts[:i+1], "/"))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return &Error{Op: op, Path: name, Err: fs.ErrNotExist}
			}
			return &Error{Op: op, Path: name, Err: err}
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &Error{Op: op, Path: name, Err: ErrLink}
		}
	}
	return nil
}

// ReadFile returns the bytes of the plain file name (see the Linux version).
func (t *Tree) ReadFile(name string, limit int64) ([]byte, error) {
	if err := t.noLinks("read", name); err != nil {
		return nil, err
	}
	fi, err := t.root.Lstat(name)
	if err != nil {
		return nil, &Error{Op: "read", Path: name, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Op: "read", Path: name, Err: ErrNotRegular}
	}
	f, err := t.root.Open(name)
	if err != nil {
		return nil, &Error{Op: "read", Path: name, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &Error{Op: "read", Path: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &Error{Op: "read", Path: name, Err: ErrTooLarge}
	}
	return data, nil
}

// ReadFileInto is ReadFile; buf is not used here.
func (t *Tree) ReadFileInto(name string, limit int64, buf []byte) ([]byte, error) {
	return t.ReadFile(name, limit)
}

// ReadDir lists the folder name.
func (t *Tree) ReadDir(name string) ([]Entry, error) {
	if err := t.noLinks("list", name); err != nil {
		return nil, err
	}
	if name == "" {
		name = "."
	}
	f, err := t.root.Open(name)
	if err != nil {
		return nil, &Error{Op: "list", Path: name, Err: err}
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, &Error{Op: "list", Path: name, Err: err}
	}
	return entries(des), nil
}

// IsDir reports whether name is a folder, reached with no link on the way.
func (t *Tree) IsDir(name string) (bool, error) {
	if err := t.noLinks("stat", name); err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, err
	}
	fi, err := t.root.Lstat(name)
	if err != nil {
		return false, nil
	}
	return fi.IsDir(), nil
}

// Exists reports whether anything is at name.
func (t *Tree) Exists(name string) (bool, error) {
	_, err := t.root.Lstat(name)
	if isNotExist(err) {
		return false, nil
	}
	return err == nil, err
}

// MkdirAll makes the folder name and its parents, refusing links.
func (t *Tree) MkdirAll(name string) error {
	if name == "" || name == "." {
		return nil
	}
	if err := t.noLinks("mkdir", name); err == nil {
		return nil
	} else if !isNotExist(err) {
		return err
	}
	if err := t.MkdirAll(path.Dir(name)); err != nil {
		return err
	}
	if err := t.root.Mkdir(name, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return &Error{Op: "mkdir", Path: name, Err: err}
	}
	return t.noLinks("mkdir", name)
}

// WriteNew creates name, which must not exist, and writes data to it.
func (t *Tree) WriteNew(name string, pieces ...[]byte) error {
	data := bytes.Join(pieces, nil)
	if err := t.noLinks("write", path.Dir(name)); err != nil {
		return err
	}
	f, err := t.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return &Error{Op: "write", Path: name, Err: err}
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close()); err != nil {
		t.root.Remove(name)
		return &Error{Op: "write", Path: name, Err: err}
	}
	return nil
}

// Rename moves oldname to newname.
func (t *Tree) Rename(oldname, newname string) error {
	if err := t.noLinks("rename", path.Dir(newname)); err != nil {
		return err
	}
	if err := t.root.Rename(oldname, newname); err != nil {
		return &Error{Op: "rename", Path: oldname + " -> " + newname, Err: err}
	}
	return nil
}

// Remove deletes the file (or link) name; a missing file is no error.
func (t *Tree) Remove(name string) error {
	if err := t.root.Remove(name); err != nil && !isNotExist(err) {
		return &Error{Op: "remove", Path: name, Err: err}
	}
	return nil
}

// RemoveDir deletes the empty folder name.
func (t *Tree) RemoveDir(name string) error { return t.Remove(name) }

// RemoveAll deletes name and everything beneath it.
func (t *Tree) RemoveAll(name string) error {
	if err := t.root.RemoveAll(name); err != nil {
		return &Error{Op: "remove", Path: name, Err: err}
	}
	return nil
}

// Stats returns the zero Stat for every name: without the change time and
// the inode, which only some systems report, no file can be told unchanged
// by its Stat, and callers read it instead.
func (t *Tree) Stats(names []string) []Stat { return make([]Stat, len(names)) }

// Clock is not known here (see Stats).
func (t *Tree) Clock(name string) (int64, error) { return 0, errors.ErrUnsupported }

// HoldFolders holds nothing here: every operation checks its path anew.
func (t *Tree) HoldFolders() (release func()) { return func() {} }
