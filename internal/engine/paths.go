package engine

import (
	"fmt"
	"path"
	"strings"
)

// Owned are the only places generated files live: the folders generators
// write (ending in /) and single generated files. Every path a generator
// makes and every path the lock names must be inside one of them, so that a
// hand-edited lock can never make generate delete, or verify print, a file
// people wrote (specs/, modules/, the Makefile), nor anything of .git/ or
// outside the tree. A generator for a new folder adds it here. alerts/ is
// the proof's (`groundwork proof`, rendered into a scratch folder with the
// same paths); it held the promtool tests in the tree until they became
// proof, and stays owned so that the next generate of a tree from before
// removes them, as its lock says.
var Owned = []string{
	".github/",
	"alerts/",
	"dashboards/",
	"docs/data-retention.md",
	"docs/data-retention/",
	"docs/partners/",
	"docs/threat-model-inventory.md",
	"docs/threat-model-inventory/",
	"environments/",
	"loadtests/",
	"runbooks/",
	"schemas/",
	"terraform/",
}

// StagingDir is where a generate stages new files and keeps the old ones
// until the new tree is in place. A run that was killed leaves it behind;
// the next run removes it, and verify reports it.
const StagingDir = ".groundwork-staging"

// maxPathLen bounds a generated path; real ones are under 100 bytes.
const maxPathLen = 512

// plainPath reports whether p is made only of the bytes of every path
// groundwork makes. Anything else in the lock (spaces, quotes, control
// bytes, backslashes, non-ASCII) is not groundwork's.
func plainPath(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}

// CheckPath says what is wrong with p as the path of a generated file, or
// returns nil: a clean relative slash path, in an owned folder, never the
// lock, never .git.
func CheckPath(p string) error {
	switch {
	case p == "" || len(p) > maxPathLen:
		return fmt.Errorf("%.60q is not a path groundwork makes (empty or over %d bytes)", p, maxPathLen)
	case !plainPath(p):
		return fmt.Errorf("%.100q is not a path groundwork makes (only letters, digits and ._-/ are)", p)
	case path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%q is not a clean relative path", p)
	case p == LockFile:
		return fmt.Errorf("%q is the lock file", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "." || part == ".." || strings.EqualFold(part, ".git") || part == StagingDir {
			return fmt.Errorf("%q has a %q element", p, part)
		}
	}
	for _, o := range Owned {
		if p == o || (strings.HasSuffix(o, "/") && strings.HasPrefix(p, o) && len(p) > len(o)) {
			return nil
		}
	}
	return fmt.Errorf("%q is outside the folders groundwork generates (%s)", p, strings.Join(Owned, ", "))
}
