package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Generators are pure: the same specs and the same groundwork binary make the
// same files. So after a clean generate or verify, the command remembers, in
// the user's cache folder (never in the tree), a key of everything that went
// in: the binary, the specs and the lock. A later run with the same key, whose
// files all still have the hashes the lock records, skips rendering: it would
// only prove the tree right again. Anything else (a spec or the binary
// changed, a file edited or deleted, no cache) renders as always.

// cacheDirEnv names another folder for the cache, e.g. in tests.
const cacheDirEnv = "GROUNDWORK_CACHE_DIR"

// executableHash is the hash of the running binary: a rebuilt generator is
// another generator.
var executableHash = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// inputsKey hashes the binary, the root, every file under specs/ and the
// lock; "" when one of them cannot be read.
func (c *command) inputsKey() string {
	exe := executableHash()
	root, err := filepath.Abs(c.root)
	if exe == "" || err != nil {
		return ""
	}
	h := sha256.New()
	io.WriteString(h, "groundwork-run-cache-1\x00"+exe+"\x00"+root+"\x00")
	err = filepath.WalkDir(filepath.Join(root, spec.Dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		io.WriteString(h, filepath.ToSlash(rel)+"\x00")
		h.Write(data)
		h.Write([]byte{0})
		return nil
	})
	if err != nil {
		return ""
	}
	lock, err := os.ReadFile(filepath.Join(root, engine.LockFile))
	if err != nil {
		return ""
	}
	h.Write(lock)
	return hex.EncodeToString(h.Sum(nil))
}

// cacheFile is where the key of this root's last clean run is kept.
func (c *command) cacheFile() string {
	dir := os.Getenv(cacheDirEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "groundwork")
	}
	root, err := filepath.Abs(c.root)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, hex.EncodeToString(sum[:8]))
}

// unchanged reports whether the last clean run saw these very inputs and
// the tree still holds exactly what it left, and how many files that is.
func (c *command) unchanged() (int, bool) {
	file := c.cacheFile()
	if file == "" {
		return 0, false
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	key := c.inputsKey()
	if key == "" || string(saved) != key {
		return 0, false
	}
	n, ok, err := engine.Intact(c.root)
	return n, ok && err == nil
}

// remember records the inputs of a clean run. Failing to is no error: the
// next run renders.
func (c *command) remember() {
	file, key := c.cacheFile(), c.inputsKey()
	if file == "" || key == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	_ = os.WriteFile(file, []byte(key), 0o644)
}
