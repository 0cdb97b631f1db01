package engine

import (
	"os"
	"strings"
	"testing"
)

// FuzzParseLock feeds arbitrary bytes to the lock reader, seeded from the
// committed lock and hostile ones. Whatever the input, it ends in a lock
// whose every path is one groundwork may write, or in a TreeError of one
// line; never in a panic.
func FuzzParseLock(f *testing.F) {
	if data, err := os.ReadFile("../../" + LockFile); err == nil {
		f.Add(data)
	}
	for _, seed := range []string{
		lockWith(entry("alerts/x.yaml")),
		lockWith(entry("../outside/secret")),
		lockWith(entry(".git/HEAD")),
		lockWith(`"alerts/x.yaml": null`),
		`{"version": 1, "files": []}`,
		`{"version": 1, "files": {}} {}`,
		`{not json`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock(data)
		if err != nil {
			if _, ok := err.(*TreeError); !ok || strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseLock error %T %q, want a TreeError of one line", err, err)
			}
			return
		}
		for p, e := range l.Files {
			if err := CheckPath(p); err != nil || e == nil {
				t.Fatalf("ParseLock accepted %q (%v)", p, err)
			}
		}
		// What it accepts, it reads back the same.
		again, err := ParseLock(l.encode())
		if err != nil || len(again.Files) != len(l.Files) {
			t.Fatalf("the lock does not read back: %v", err)
		}
	})
}
