package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// LockFile records every generated path, so that files without a comment
// syntax (JSON) are owned too, and so that hand edits and orphans can be told
// apart from stale output.
const LockFile = "groundwork.lock"

// lockVersion changes when the lock's format does.
const lockVersion = 1

// Lock is the content of the lock file.
type Lock struct {
	Version int                   `json:"version"`
	Files   map[string]*LockEntry `json:"files"`
}

// LockEntry is what the lock knows of one generated file.
type LockEntry struct {
	Kind    string   `json:"kind"`
	Sources []string `json:"sources"`
	SHA256  string   `json:"sha256"`
}

func hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// lockOf is the lock that describes an output.
func lockOf(out *Output) *Lock {
	l := &Lock{Version: lockVersion, Files: make(map[string]*LockEntry, len(out.Files))}
	for _, f := range out.Files {
		l.Files[f.Path] = &LockEntry{Kind: f.Kind, Sources: f.Specs(), SHA256: hash(f.Data)}
	}
	return l
}

// encode gives the lock's bytes: indented, keys sorted by encoding/json, so
// that a review diff of the lock shows one line per changed file.
func (l *Lock) encode() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		panic(err) // plain strings and maps always encode
	}
	return b.Bytes()
}

// readLock reads the lock of the tree at root; a tree never generated has an
// empty one.
func readLock(root string) (*Lock, []byte, error) {
	data, err := os.ReadFile(filepath.Join(root, LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{Version: lockVersion, Files: map[string]*LockEntry{}}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, nil, fmt.Errorf("%s is not valid JSON (%v); restore it with git checkout %s", LockFile, err, LockFile)
	}
	if l.Version != lockVersion {
		return nil, nil, fmt.Errorf("%s has version %d; this groundwork reads version %d", LockFile, l.Version, lockVersion)
	}
	if l.Files == nil {
		l.Files = map[string]*LockEntry{}
	}
	return &l, data, nil
}

// Intact reports whether every file the lock lists is on disk with the hash
// the lock records, and how many files it lists. A tree that is intact and
// was made from unchanged specs by an unchanged generator needs no render.
func Intact(root string) (files int, ok bool, err error) {
	l, data, err := readLock(root)
	if err != nil || data == nil {
		return 0, false, err
	}
	paths := slices.Sorted(maps.Keys(l.Files))
	bad := make([]bool, len(paths))
	parallel.For(len(paths), func(i int) {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(paths[i])))
		bad[i] = err != nil || hash(got) != l.Files[paths[i]].SHA256
	})
	return len(paths), !slices.Contains(bad, true), nil
}
