// Package tree is the repository on disk as groundwork may touch it. Specs,
// the lock and every file in the tree may come from a hostile pull request,
// so every path is a slash path relative to the root that the kernel resolves
// beneath the root, refusing every symbolic link on the way (openat2 with
// RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS on Linux; os.Root and a check of
// each component elsewhere). No comparison of strings stands between a planted
// link and a file outside the tree.
package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// ErrLink is the cause of an error on a path with a symbolic link in it:
// groundwork reads and writes nothing through links.
var ErrLink = errors.New("a symbolic link is on the path; groundwork follows no links")

// ErrNotRegular is the cause of an error on a path that names a folder, a
// pipe or a device where a plain file is expected.
var ErrNotRegular = errors.New("not a plain file")

// ErrNotFolder is the cause of an error on a path with a file where one of
// its folders belongs.
var ErrNotFolder = errors.New("a file is on the path where a folder belongs")

// ErrTooLarge is the cause of an error on a file bigger than its reader
// accepts.
var ErrTooLarge = errors.New("too large")

// ErrBusy is returned by Lock when another groundwork holds the tree.
var ErrBusy = errors.New("another groundwork is working on this tree")

// Error is a failed operation on one path of the tree.
type Error struct {
	Op   string // read, write, mkdir, rename, remove, list
	Path string // slash path relative to the root
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Path, e.Op, explain(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// explain turns the errors a hostile tree provokes into words a user can act on.
func explain(err error) string {
	switch {
	case errors.Is(err, ErrLink):
		return "a symbolic link is on the path; groundwork reads and writes nothing through links: replace the link with a plain folder or file (git rm it), then run again"
	case errors.Is(err, ErrNotRegular):
		return "not a plain file (a folder, a pipe or a device is there)"
	case errors.Is(err, ErrNotFolder):
		return "a file is on the path where a folder belongs: move it away, then run again"
	}
	return err.Error()
}

// Hostile reports whether err comes from the shape of the tree (a link, a
// folder or special file where a file belongs, a path that escapes), which is
// bad input rather than a failure of groundwork or of the disk.
func Hostile(err error) bool {
	return errors.Is(err, ErrLink) || errors.Is(err, ErrNotRegular) || errors.Is(err, ErrNotFolder) || errors.Is(err, ErrTooLarge) || errors.Is(err, errEscape)
}

var errEscape = errors.New("the path leaves the tree")

// checkName refuses names that are not clean relative slash paths. The
// kernel would refuse an escape anyway; this makes the message clear.
func checkName(op, name string) error {
	if name == "" || name == "." {
		return nil
	}
	if path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.ContainsRune(name, 0) {
		return &Error{Op: op, Path: name, Err: errEscape}
	}
	return nil
}

// notExist wraps fs.ErrNotExist so that errors.Is works on our errors.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Entry is one name in a folder.
type Entry struct {
	Name string
	Type fs.FileMode // fs.ModeDir, fs.ModeSymlink, 0 for a plain file, ...
}

// entries keeps each name's own type: a link is a link, never what it
// points to.
func entries(des []fs.DirEntry) []Entry {
	out := make([]Entry, len(des))
	for i, d := range des {
		out[i] = Entry{Name: d.Name(), Type: d.Type()}
	}
	return out
}

// Stat is what the kernel says of a plain file: enough to tell, as git's
// index does, that a file has not changed since it was last read. A write,
// a rename onto it or a chmod moves its change time, which no user can set.
// The zero Stat is no file, or one that cannot be told apart: it is never
// equal to another.
type Stat struct {
	Size         int64
	Mtime, Ctime int64 // nanoseconds since the epoch
	Ino, Dev     uint64
}

// Same reports whether s and o are the same known file, unchanged.
func (s Stat) Same(o Stat) bool { return s.Ino != 0 && s == o }
