package pgserver

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// debianLib holds Debian's versioned PostgreSQL installations
// (/usr/lib/postgresql/<version>/bin), which are not on PATH.
const debianLib = "/usr/lib/postgresql"

// Binaries finds PostgreSQL programs (initdb, pg_ctl, pg_dump, pg_restore)
// of one installation: all on PATH, else the newest of Debian's versioned
// folders that has them all. One installation, because pg_restore reads
// only archives of its own version or older, and a server starts only on a
// data folder of its own version.
func Binaries(names ...string) ([]string, error) { return binaries(debianLib, names...) }

func binaries(lib string, names ...string) ([]string, error) {
	var paths []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			break
		}
		paths = append(paths, p)
	}
	if len(paths) == len(names) {
		return paths, nil
	}
	dirs, _ := filepath.Glob(filepath.Join(lib, "*", "bin"))
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		paths = paths[:0]
		for _, n := range names {
			if p := filepath.Join(d, n); executable(p) {
				paths = append(paths, p)
			}
		}
		if len(paths) == len(names) {
			return paths, nil
		}
	}
	return nil, errors.New(strings.Join(names, ", ") + " not found on PATH nor in " + lib + "/*/bin: " + InstallHint)
}

// version reads the major version from /usr/lib/postgresql/<version>/bin.
func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
