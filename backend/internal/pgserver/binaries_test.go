package pgserver

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMissingBinariesSayHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := binaries(t.TempDir(), "initdb", "pg_ctl")
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("binaries() = %v, want an error saying to apt-get install postgresql", err)
	}
}

// install lays out fake programs in lib/<version>/bin.
func install(t *testing.T, lib, version string, names ...string) {
	t.Helper()
	bin := filepath.Join(lib, version, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBinariesFallBackToNewestDebianFolder(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	lib := t.TempDir()
	for _, v := range []string{"9", "15", "13"} {
		install(t, lib, v, "initdb", "pg_ctl")
	}
	bins, err := binaries(lib, "initdb", "pg_ctl")
	want := filepath.Join(lib, "15", "bin")
	if err != nil || len(bins) != 2 || filepath.Dir(bins[0]) != want || filepath.Dir(bins[1]) != want {
		t.Errorf("binaries() = %v, %v; want both in %s", bins, err, want)
	}
}

// TestBinariesComeFromOneInstallation: a newer installation without
// pg_restore (a server-only package) must not pair its initdb with an older
// pg_restore, nor the reverse.
func TestBinariesComeFromOneInstallation(t *testing.T) {
	path := t.TempDir()
	install(t, path, "any", "initdb") // initdb on PATH, but not pg_ctl
	t.Setenv("PATH", filepath.Join(path, "any", "bin"))
	lib := t.TempDir()
	install(t, lib, "17", "initdb", "pg_ctl")
	install(t, lib, "15", "initdb", "pg_ctl", "pg_restore")
	bins, err := binaries(lib, "initdb", "pg_ctl", "pg_restore")
	want := []string{filepath.Join(lib, "15", "bin", "initdb"), filepath.Join(lib, "15", "bin", "pg_ctl"), filepath.Join(lib, "15", "bin", "pg_restore")}
	if err != nil || !slices.Equal(bins, want) {
		t.Errorf("binaries() = %v, %v; want %v", bins, err, want)
	}
}
