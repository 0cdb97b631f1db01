package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingBinariesSayHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, _, err := binaries(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("binaries() = %v, want an error saying to apt-get install postgresql", err)
	}
}

func TestBinariesFallBackToNewestDebianFolder(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	lib := t.TempDir()
	for _, v := range []string{"9", "15", "13"} {
		bin := filepath.Join(lib, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "pg_ctl"} {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	initdb, pgCtl, err := binaries(lib)
	if want := filepath.Join(lib, "15", "bin"); err != nil || filepath.Dir(initdb) != want || filepath.Dir(pgCtl) != want {
		t.Errorf("binaries() = %s, %s, %v; want both in %s", initdb, pgCtl, err, want)
	}
}
