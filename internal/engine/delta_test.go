package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// readBack decodes what m encodes to: a manifest as the run cache reads it.
func readBack(t testing.TB, m *Manifest) *Manifest {
	t.Helper()
	read, err := DecodeManifest(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return read
}

// editManifest makes n random changes to m's files, as runs do: a file
// known anew, replaced (other bytes, other sources), added or removed.
func editManifest(r *rand.Rand, m *Manifest, n int) {
	for range n {
		i := r.IntN(len(m.Files))
		switch r.IntN(4) {
		case 0:
			k := m.Files[i].Known
			k.Stat.Mtime += 1 + r.Int64N(1000)
			m.Files[i].know(k)
		case 1:
			f := m.Files[i]
			m.Files[i] = ManifestFile{Path: f.Path, Kind: f.Kind, Service: f.Service, SHA256: hash(fmt.Appendf(nil, "%d", r.Int())),
				Sources: append(slices.Clone(f.Sources), fmt.Sprintf("specs/partners/p%d.yaml", r.IntN(3))), Known: f.Known}
		case 2:
			f := m.Files[i]
			added := ManifestFile{Path: f.Path + fmt.Sprintf(".%d", r.IntN(1000)), Kind: f.Kind, Service: f.Service, Sources: f.Sources, SHA256: hash([]byte(f.Path))}
			if j, found := slices.BinarySearchFunc(m.Files, added.Path, func(f ManifestFile, p string) int { return strings.Compare(f.Path, p) }); !found {
				m.Files = slices.Insert(m.Files, j, added)
			}
		case 3:
			m.Files = slices.Delete(m.Files, i, i+1)
		}
	}
	m.LockSHA256 = hash(fmt.Appendf(nil, "lock %d", r.Int()))
	m.Lock.Stat.Ctime++
}

// TestManifestDelta: after random edits to a manifest read from its
// encoding, the delta it writes, applied to that encoding read again,
// gives the edited manifest; so does the next run's delta, written from
// that result against the same encoding, until it would hold more than an
// eighth of the files: then the manifest is written whole, and the next
// deltas are against that. A delta of more than an eighth is not written, and one not written from the manifest it
// is applied to, or damaged, is refused.
func TestManifestDelta(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 18))
	// 7,800 files: an edit of up to 300 of them stays under an eighth.
	data := manifestOf(100).Encode()
	read := func() *Manifest {
		m, err := DecodeManifest(data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := read()
	deltas := 0
	for step := range 40 {
		editManifest(r, m, 1+r.IntN(300))
		delta, ok := m.AppendDelta(nil)
		if !ok {
			// Too much changed since the encoding: the run writes the
			// manifest whole, and the next deltas are against that.
			data = m.Encode()
			m = read()
			continue
		}
		deltas++
		got, err := read().ApplyDelta(delta)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if !reflect.DeepEqual(withoutLines(got), withoutLines(m)) {
			t.Fatalf("step %d: base and delta read back other than the manifest", step)
		}
		// The next run starts from what it read: base and delta.
		m = got
	}
	if deltas < 20 || deltas == 40 {
		t.Errorf("%d of 40 runs wrote a delta", deltas)
	}
	m = read()
	editManifest(r, m, len(m.Files)/6)
	if _, ok := m.AppendDelta(nil); ok {
		t.Error("a delta of a sixth of the files was written")
	}
	if _, ok := manifestOf(100).AppendDelta(nil); ok {
		t.Error("a manifest not read from an encoding wrote a delta")
	}

	m = read()
	editManifest(r, m, 20)
	m.Files = slices.Delete(m.Files, 100, 101)
	delta, _ := m.AppendDelta(nil)
	other := sampleManifest()
	for name, apply := range map[string]func() error{
		"cut short":   func() error { _, err := read().ApplyDelta(delta[:len(delta)-10]); return err },
		"not a delta": func() error { _, err := read().ApplyDelta(data); return err },
		"to another manifest": func() error {
			_, err := readBack(t, other).ApplyDelta(delta)
			return err
		},
		"to a manifest not read": func() error { _, err := manifestOf(100).ApplyDelta(delta); return err },
	} {
		if apply() == nil {
			t.Errorf("%s: applied", name)
		}
	}
}

// BenchmarkManifestDelta writes and applies the delta of an edit at a
// thousand services: a few hundred files of 78,000.
func BenchmarkManifestDelta(b *testing.B) {
	data := bigManifest().Encode()
	m, err := DecodeManifest(data)
	if err != nil {
		b.Fatal(err)
	}
	editManifest(rand.New(rand.NewPCG(1, 2)), m, 260)
	delta, _ := m.AppendDelta(nil)
	b.Logf("delta: %d bytes", len(delta))
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.AppendDelta(nil)
		}
	})
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			base, _ := DecodeManifest(data)
			b.StartTimer()
			if _, err := base.ApplyDelta(delta); err != nil {
				b.Fatal(err)
			}
		}
	})
}
