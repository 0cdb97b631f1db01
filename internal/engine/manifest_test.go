package engine

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/tree"
)

func sampleManifest() *Manifest {
	st := func(n int64) Known {
		return Known{Stat: tree.Stat{Size: n, Mtime: n * 10, Ctime: n * 11, Ino: uint64(n), Dev: 7}, Settled: n%2 == 0}
	}
	return &Manifest{
		LockSHA256: hash([]byte("lock")),
		Lock:       st(1),
		Files: []ManifestFile{
			{Path: ".github/CODEOWNERS", Kind: "codeowners", Sources: []string{"specs/platform.yaml", "specs/services/api.yaml"}, SHA256: hash([]byte("a")), Known: st(2)},
			{Path: "dashboards/api.json", Kind: "dashboards", Service: "api", PlatformOwned: true, Sources: []string{"specs/services/api.yaml"}, SHA256: hash([]byte("b")), Known: st(3)},
			{Path: "schemas/x.json", Kind: "schemas", Sources: []string{}, SHA256: hash([]byte("c"))},
		},
	}
}

// TestManifestRoundTrip: what Encode writes, DecodeManifest reads back.
func TestManifestRoundTrip(t *testing.T) {
	t.Parallel()
	m := sampleManifest()
	got, err := DecodeManifest(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutLines(got), m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
}

// withoutLines is m as if it had not been read from an encoded manifest.
func withoutLines(m *Manifest) *Manifest {
	out := &Manifest{LockSHA256: m.LockSHA256, Lock: m.Lock, Files: slices.Clone(m.Files)}
	for i := range out.Files {
		out.Files[i].line = ""
	}
	return out
}

// TestManifestKeepsLines: a manifest read back, some files known anew,
// some replaced, added or removed, encodes to a manifest that reads back
// as it: the lines it copies, and the table it numbers sources in (the one
// it was read with, while that holds every source), say what it holds.
func TestManifestKeepsLines(t *testing.T) {
	t.Parallel()
	big := bigManifest()
	read, err := DecodeManifest(big.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(m *Manifest){
		"as read": func(m *Manifest) {},
		"known anew": func(m *Manifest) {
			for i := 0; i < len(m.Files); i += 97 {
				k := m.Files[i].Known
				k.Stat.Mtime++
				m.Files[i].know(k)
			}
		},
		"replaced, added, removed": func(m *Manifest) {
			m.Files[5] = ManifestFile{Path: m.Files[5].Path, Kind: "flux", Service: m.Files[5].Service, Sources: m.Files[5].Sources, SHA256: hash([]byte("new"))}
			m.Files = slices.Delete(m.Files, 10, 12)
			m.Files = slices.Insert(m.Files, 20, ManifestFile{Path: m.Files[19].Path + "x", Kind: "flux", Sources: m.Files[19].Sources, SHA256: hash([]byte("added"))})
		},
		"a source no file names any more": func(m *Manifest) {
			gone := m.Files[1].Sources[0]
			m.Files = slices.DeleteFunc(m.Files, func(f ManifestFile) bool { return slices.Contains(f.Sources, gone) })
		},
		"a source the table does not hold": func(m *Manifest) {
			m.Files[0] = ManifestFile{Path: m.Files[0].Path, Kind: "flux", Sources: []string{"specs/services/new.yaml"}, SHA256: hash([]byte("new source"))}
		},
	} {
		m := &Manifest{LockSHA256: read.LockSHA256, Lock: read.Lock, Files: slices.Clone(read.Files), read: read.read}
		edit(m)
		back, err := DecodeManifest(m.Encode())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(withoutLines(back), withoutLines(m)) {
			t.Errorf("%s: the manifest reads back other than it was", name)
		}
		if name == "as read" && !bytes.Equal(m.Encode(), big.Encode()) {
			t.Errorf("as read: encoded again, the manifest changed")
		}
	}
}

// TestManifestRefusesDamage: a manifest cut short, or with any byte
// changed, is no manifest; one that cannot be written is not written.
func TestManifestRefusesDamage(t *testing.T) {
	t.Parallel()
	data := sampleManifest().Encode()
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x20
		if _, err := DecodeManifest(bad); err == nil {
			t.Fatalf("byte %d changed: decoded", i)
		}
	}
	for n := range len(data) {
		if _, err := DecodeManifest(data[:n]); err == nil {
			t.Fatalf("cut to %d bytes: decoded", n)
		}
	}
	m := sampleManifest()
	m.Files[0].Sources = []string{"specs/with space.yaml"}
	if m.Encode() != nil {
		t.Error("a source with a space was written")
	}
	// A manifest of many files is written in two halves: a file that
	// cannot be written refuses it from either.
	for _, at := range []int{0, 40_000, 77_999} {
		m := manifestOf(1000)
		m.Files[at].Kind = "two words"
		if m.Encode() != nil {
			t.Errorf("a kind with a space in file %d of %d was written", at, len(m.Files))
		}
	}
}

// bigManifest is a manifest the size of a thousand services × 4
// environments: 78,000 files, a hundred of them shared by every service.
func bigManifest() *Manifest { return manifestOf(1000) }

// manifestOf is a manifest of n services, 78 files each, one in 780
// shared by every service.
func manifestOf(n int) *Manifest {
	m := &Manifest{LockSHA256: hash([]byte("lock"))}
	all := make([]string, n)
	for i := range all {
		all[i] = fmt.Sprintf("specs/services/svc-%04d.yaml", i)
	}
	for i := range 78 * n {
		svc := i % n
		f := ManifestFile{Path: fmt.Sprintf("environments/e%d/flux/apps/svc-%04d/f%05d.yaml", i%4, svc, i), Kind: "flux",
			Service: fmt.Sprintf("svc-%04d", svc), Sources: all[svc : svc+1], SHA256: hash([]byte{byte(i), byte(i >> 8)}),
			Known: Known{Stat: tree.Stat{Size: int64(i), Mtime: 1_764_000_000_000_000_000 + int64(i), Ctime: 1_764_000_000_000_000_000 + int64(i), Ino: uint64(i), Dev: 2049}, Settled: true}}
		if i%780 == 0 {
			f.Service, f.Sources = "", all
		}
		m.Files = append(m.Files, f)
	}
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return m
}

// BenchmarkManifest encodes and decodes the manifest of a thousand
// services, which every incremental run reads and writes.
func BenchmarkManifest(b *testing.B) {
	m := bigManifest()
	data := m.Encode()
	b.Logf("manifest: %d bytes", len(data))
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Encode()
		}
	})
	b.Run("encode-as-read", func(b *testing.B) {
		// An edit's manifest: the files it keeps are as the last run read them.
		read, err := DecodeManifest(data)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			read.Encode()
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeManifest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestDecimals: the numbers of a manifest read back as strconv wrote them,
// at their bounds too, and nothing else is a number.
func TestDecimals(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, -1, 9, 10, 1_764_000_000_000_000_000, math.MaxInt64, math.MinInt64, -1_000_000_007} {
		if got, ok := signedDecimal(strconv.FormatInt(n, 10)); !ok || got != n {
			t.Errorf("signedDecimal(%d) = %d, %v", n, got, ok)
		}
	}
	for _, n := range []uint64{0, 7, 1 << 40, math.MaxUint64, math.MaxUint64 / 10, 9_999_999_999_999_999_999} {
		if got, ok := decimal(strconv.FormatUint(n, 10)); !ok || got != n {
			t.Errorf("decimal(%d) = %d, %v", n, got, ok)
		}
	}
	for _, s := range []string{"", "-", "+1", " 1", "1 ", "1a", "0x10", "18446744073709551616", "99999999999999999999", "--1", "9223372036854775808", "-9223372036854775809", "1_000"} {
		_, okU := decimal(s)
		_, okS := signedDecimal(s)
		_, errU := strconv.ParseUint(s, 10, 64)
		_, errS := strconv.ParseInt(s, 10, 64)
		if okU && errU != nil || okS && errS != nil {
			t.Errorf("%q read as a number (unsigned %v, signed %v), which strconv refuses", s, okU, okS)
		}
	}
}

// BenchmarkLockStarts finds where each entry of the lock of a thousand
// services starts, from the manifest read back, as an edit does.
func BenchmarkLockStarts(b *testing.B) {
	m := bigManifest()
	lock := encodeLock(lockVersion, len(m.Files), func(i int) (string, *LockEntry) {
		e := &m.Files[i]
		return e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}
	})
	read := readBack(b, m)
	b.Logf("lock %d bytes", len(lock))
	for b.Loop() {
		if _, ok := lockStarts(lock, read.Files); !ok {
			b.Fatal("not laid out")
		}
	}
}
