package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Status is how a generated path differs between disk and the output.
type Status int

const (
	Added   Status = iota + 1 // generated, not on disk
	Changed                   // on disk with other bytes
	Removed                   // on disk and owned, but no longer generated (an orphan)
)

func (s Status) String() string {
	return [...]string{"", "added", "changed", "removed"}[s]
}

// Change is one file that generate would write or remove.
type Change struct {
	Path       string
	Status     Status
	Kind       string
	Specs      []string // the specs to edit instead of the file
	Old, New   []byte
	HandEdited bool // the disk differs from what groundwork last wrote there
	Production bool
}

// Plan is the difference between an output and the tree at root.
type Plan struct {
	Root      string
	Changes   []Change // sorted by path
	Unchanged int
	// Unowned are paths the output needs that hold files groundwork did not
	// write: it will not overwrite them.
	Unowned []string

	lock, oldLock []byte
}

// LockChanged reports whether the lock file on disk is not the output's.
func (p *Plan) LockChanged() bool { return !bytes.Equal(p.lock, p.oldLock) }

// Clean reports whether the tree is exactly the output.
func (p *Plan) Clean() bool {
	return len(p.Changes) == 0 && len(p.Unowned) == 0 && !p.LockChanged()
}

// Compare plans what it takes to make the tree at root hold exactly out.
// It reads the disk and never writes it.
func Compare(root string, out *Output) (*Plan, error) {
	lock, oldLockData, err := readLock(root)
	if err != nil {
		return nil, err
	}
	p := &Plan{Root: root, lock: lockOf(out).encode(), oldLock: oldLockData}

	disk := make([][]byte, len(out.Files))
	errs := make([]error, len(out.Files))
	parallel.For(len(out.Files), func(i int) {
		disk[i], errs[i] = readIfExists(root, out.Files[i].Path)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, f := range out.Files {
		old := disk[i]
		entry, owned := lock.Files[f.Path]
		c := Change{Path: f.Path, Kind: f.Kind, Specs: f.Specs(), Old: old, New: f.Data, Production: f.Production}
		switch {
		case old == nil:
			c.Status = Added
		case bytes.Equal(old, f.Data):
			p.Unchanged++
			continue
		case owned || hasHeader(old):
			c.Status = Changed
			c.HandEdited = !owned || entry.SHA256 != hash(old)
		default:
			p.Unowned = append(p.Unowned, f.Path)
			continue
		}
		p.Changes = append(p.Changes, c)
	}

	for _, name := range slices.Sorted(maps.Keys(lock.Files)) {
		if out.File(name) != nil {
			continue
		}
		old, err := readIfExists(root, name)
		if err != nil {
			return nil, err
		}
		if old == nil {
			continue // already gone; the new lock forgets it
		}
		e := lock.Files[name]
		p.Changes = append(p.Changes, Change{Path: name, Status: Removed, Kind: e.Kind, Specs: e.Sources,
			Old: old, HandEdited: e.SHA256 != hash(old)})
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// readIfExists returns a file's bytes, or nil when there is no file. A
// directory where a file should be is an error naming it.
func readIfExists(root, name string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// UnownedError is returned when generate would overwrite files that
// groundwork did not write.
type UnownedError struct{ Paths []string }

func (e *UnownedError) Error() string {
	var b strings.Builder
	for _, p := range e.Paths {
		fmt.Fprintf(&b, "%s: not written by groundwork (no header, not in %s); refusing to overwrite it: move it away, or delete it if the generated file should replace it\n", p, LockFile)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Apply writes the plan: nothing when any path is unowned. Every new file is
// staged beside its destination first and renamed into place only when all
// are staged, so an error while writing leaves the tree as it was; the lock
// is written last, so an interrupted run is completed by the next one.
func (p *Plan) Apply() error {
	if len(p.Unowned) > 0 {
		return &UnownedError{Paths: p.Unowned}
	}
	var writes []Change
	for _, c := range p.Changes {
		if c.Status != Removed {
			writes = append(writes, c)
		}
	}
	// Folders first, once each: a generate of a large organisation writes
	// tens of thousands of files into a few thousand folders.
	dirs := map[string]bool{}
	for _, c := range writes {
		dir := filepath.Join(p.Root, filepath.FromSlash(path.Dir(c.Path)))
		if !dirs[dir] {
			dirs[dir] = true
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
	}
	tmps := make([]string, len(writes))
	errs := make([]error, len(writes))
	parallel.For(len(writes), func(i int) {
		tmps[i], errs[i] = writeTemp(filepath.Join(p.Root, filepath.FromSlash(writes[i].Path)), writes[i].New)
	})
	cleanup := func() {
		for _, tmp := range tmps {
			if tmp != "" {
				os.Remove(tmp)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		cleanup()
		return err
	}
	for i, c := range writes {
		if err := os.Rename(tmps[i], filepath.Join(p.Root, filepath.FromSlash(c.Path))); err != nil {
			cleanup()
			return err
		}
		tmps[i] = ""
	}
	for _, c := range p.Changes {
		if c.Status != Removed {
			continue
		}
		if err := os.Remove(filepath.Join(p.Root, filepath.FromSlash(c.Path))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		pruneEmptyDirs(p.Root, path.Dir(c.Path))
	}
	if p.LockChanged() {
		dst := filepath.Join(p.Root, LockFile)
		tmp, err := writeTemp(dst, p.lock)
		if err != nil {
			return err
		}
		return os.Rename(tmp, dst)
	}
	return nil
}

// tmpSuffix marks a staged file; a run that died before renaming leaves one,
// which the next run overwrites.
const tmpSuffix = ".groundwork-tmp"

// writeTemp writes data to a file beside dst, in dst's existing folder.
func writeTemp(dst string, data []byte) (string, error) {
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+tmpSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// pruneEmptyDirs removes dir and its parents while they are empty, so that
// removing a service leaves no empty folders behind.
func pruneEmptyDirs(root, dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if os.Remove(filepath.Join(root, filepath.FromSlash(dir))) != nil {
			return
		}
		dir = path.Dir(dir)
	}
}
