package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Limits on what a run reads of specs/. A spec is a few KiB; these stop a
// hostile pull request from making a run read or hold gigabytes.
const (
	MaxSpecSize  = 1 << 20   // bytes of one file under specs/
	maxSpecFiles = 100_000   // files under specs/
	maxSpecBytes = 256 << 20 // bytes of all of them
	maxSpecDepth = 8         // folders below specs/
)

// Files is specs/ as one run read it: every plain file under it, read once,
// before anything is decoded. Loading, Jsonnet imports included, reads only
// these bytes, so the run cannot read anything outside specs/, a spec edited
// during the run cannot half-change it, and Hash covers exactly what the
// run's output depends on.
type Files struct {
	data  map[string][]byte // by slash path from the repository root, e.g. specs/lib/base.libsonnet
	paths []string          // sorted
	sums  map[string][sha256.Size]byte
	// Hash is the SHA-256 of every path and its bytes.
	Hash string
}

// Paths lists the files, sorted.
func (f *Files) Paths() []string { return f.paths }

// ReadFiles reads specs/ from the tree. Links, pipes, devices, files over
// MaxSpecSize and too many files are diagnostics: specs are plain files.
func ReadFiles(t *tree.Tree) (*Files, Diagnostics, error) {
	var diags Diagnostics
	var names []string
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		entries, err := t.ReadDir(dir)
		if err != nil {
			if errors.Is(err, tree.ErrLink) {
				diags = append(diags, Diagnostic{File: dir, Kind: KindSyntax, Msg: "is a symbolic link; groundwork reads specs only from plain folders and files under specs/: replace the link with the folder itself"})
				return nil
			}
			return err
		}
		for _, e := range entries {
			name := dir + "/" + e.Name
			switch {
			case e.Type.IsDir() && depth >= maxSpecDepth:
				diags = append(diags, Diagnostic{File: name, Kind: KindSyntax, Msg: fmt.Sprintf("more than %d folders below %s; specs are not nested this deep", maxSpecDepth, Dir)})
			case e.Type.IsDir():
				if err := walk(name, depth+1); err != nil {
					return err
				}
			case e.Type&fs.ModeSymlink != 0:
				diags = append(diags, Diagnostic{File: name, Kind: KindSyntax, Msg: "is a symbolic link; groundwork reads specs only from plain files under specs/ and follows no links: replace it with the file itself"})
			case !e.Type.IsRegular():
				diags = append(diags, Diagnostic{File: name, Kind: KindSyntax, Msg: "is not a plain file (a pipe, socket or device); remove it from specs/"})
			default:
				names = append(names, name)
			}
			if len(names) > maxSpecFiles {
				return errTooMany
			}
		}
		return nil
	}
	if err := walk(Dir, 0); err != nil {
		if errors.Is(err, errTooMany) {
			return nil, Diagnostics{{File: Dir, Kind: KindValue, Msg: fmt.Sprintf("more than %d files; an organisation's specs are far fewer: remove what is not a spec", maxSpecFiles)}}, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Diagnostics{{File: Dir, Kind: KindSchema, Msg: "no specs folder here; run groundwork from the repository root or pass -C DIR"}}, nil
		}
		return nil, nil, err
	}
	slices.Sort(names)
	data := make([][]byte, len(names))
	errs := make([]error, len(names))
	parallel.For(len(names), func(i int) {
		data[i], errs[i] = t.ReadFile(names[i], MaxSpecSize)
	})
	f := &Files{data: make(map[string][]byte, len(names))}
	total := 0
	for i, name := range names {
		switch err := errs[i]; {
		case errors.Is(err, tree.ErrTooLarge):
			diags = append(diags, Diagnostic{File: name, Kind: KindValue, Msg: fmt.Sprintf("larger than %d KiB; a spec is a few KiB: split it, or move data out of specs/", MaxSpecSize>>10)})
			continue
		case err != nil && tree.Hostile(err):
			diags = append(diags, Diagnostic{File: name, Kind: KindSyntax, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))})
			continue
		case err != nil:
			return nil, nil, err
		}
		total += len(data[i])
		f.data[name] = data[i]
		f.paths = append(f.paths, name)
	}
	if total > maxSpecBytes {
		return nil, Diagnostics{{File: Dir, Kind: KindValue, Msg: fmt.Sprintf("holds more than %d MiB; an organisation's specs are far smaller", maxSpecBytes>>20)}}, nil
	}
	f.Hash = hashFiles(f)
	return f, diags, nil
}

var errTooMany = errors.New("too many files")

// NewFiles makes Files from contents in memory, for tests and fuzzing.
func NewFiles(data map[string][]byte) *Files {
	f := &Files{data: data}
	for p := range data {
		f.paths = append(f.paths, p)
	}
	slices.Sort(f.paths)
	f.Hash = hashFiles(f)
	return f
}

// hashFiles sets the SHA-256 of each file, each computed once for all
// that need it (Hash, Sum, the parse cache), on every core, and returns
// Hash: the SHA-256 of every path, its length and its SHA-256.
func hashFiles(f *Files) string {
	sums := make([][sha256.Size]byte, len(f.paths))
	parallel.For(len(f.paths), func(i int) { sums[i] = sha256.Sum256(f.data[f.paths[i]]) })
	f.sums = make(map[string][sha256.Size]byte, len(f.paths))
	h := sha256.New()
	for i, p := range f.paths {
		f.sums[p] = sums[i]
		h.Write([]byte(p + "\x00" + strconv.Itoa(len(f.data[p])) + "\x00"))
		h.Write(sums[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Sum is the SHA-256, in hex, of the file at p as it was read; "" for a
// file that was not.
func (f *Files) Sum(p string) string {
	sum, ok := f.sums[p]
	if !ok {
		return ""
	}
	return hex.EncodeToString(sum[:])
}

// file returns the bytes of a file of specs/, if it was read.
func (f *Files) file(p string) ([]byte, bool) {
	d, ok := f.data[path.Clean(p)]
	return d, ok
}
