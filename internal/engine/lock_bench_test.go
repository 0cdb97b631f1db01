package engine_test

import (
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// BenchmarkParseBigLock reads the lock of 1000 services × 4 environments
// (about 58,000 entries, 23 MB), which every full render's Compare checks
// entry by entry (a no-op or partial run takes the entries from its
// manifest instead).
func BenchmarkParseBigLock(b *testing.B) {
	m := synthetic.Load(b, 1000)
	out, err := generators.Render(m)
	if err != nil {
		b.Fatal(err)
	}
	t, err := tree.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer t.Close()
	p, err := engine.Compare(t, out)
	if err != nil {
		b.Fatal(err)
	}
	data := p.Lock()
	b.Logf("lock: %d bytes", len(data))
	for b.Loop() {
		if _, err := engine.ParseLock(data); err != nil {
			b.Fatal(err)
		}
	}
}
