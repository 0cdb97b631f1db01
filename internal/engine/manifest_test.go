package engine

import (
	"reflect"
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
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
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
}
