package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/groundwork-dev/groundwork/internal/engine"
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

// inputsKey hashes the binary, the root, and the specs exactly as this run
// read them (every file under specs/, Jsonnet libraries included, read once
// before anything was rendered); "" when one of them is not known. A spec
// edited while a run renders is not in the key the run records, so the next
// run renders again.
func (c *command) inputsKey() string {
	exe := executableHash()
	root, err := filepath.Abs(c.root)
	if exe == "" || err != nil || c.files == nil {
		return ""
	}
	h := sha256.New()
	io.WriteString(h, "groundwork-run-cache-2\x00"+exe+"\x00"+root+"\x00"+c.files.Hash)
	return hex.EncodeToString(h.Sum(nil))
}

// runKey is what a clean run records: its inputs and the lock it left.
func (c *command) runKey(lock []byte) string {
	inputs := c.inputsKey()
	if inputs == "" || lock == nil {
		return ""
	}
	sum := sha256.Sum256(lock)
	return inputs + " " + hex.EncodeToString(sum[:])
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
// Any doubt (no cache, a file off its hash, a staging folder) means no.
func (c *command) unchanged() (int, bool) {
	file := c.cacheFile()
	if file == "" {
		return 0, false
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	// The inputs first, then (only when they match) every file's hash.
	inputs := c.inputsKey()
	if inputs == "" || !strings.HasPrefix(string(saved), inputs+" ") {
		return 0, false
	}
	n, lock, ok, err := engine.Intact(c.tree)
	if err != nil || !ok {
		return 0, false
	}
	return n, string(saved) == c.runKey(lock)
}

// remember records the inputs of a clean run whose lock is now lock.
// Failing to is no error: the next run renders.
func (c *command) remember(lock []byte) {
	file, key := c.cacheFile(), c.runKey(lock)
	if file == "" || key == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	_ = os.WriteFile(file, []byte(key), 0o644)
}
