package generators

import (
	"testing"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkGenerators times each generator, each indexer and each check
// alone on the synthetic organisation of 1000 services × 4 environments
// that make bench measures end to end, so that a profile
// (-cpuprofile, -memprofile) of one of them shows that one only:
//
//	go test ./generators -run '^$' -bench 'Generators/flux' -benchtime 1x -cpuprofile /tmp/flux.prof
func BenchmarkGenerators(b *testing.B) {
	m := synthetic.Load(b, 1000)
	in := engine.NewInput(m)
	for _, g := range all() {
		b.Run(g.Kind(), func(b *testing.B) {
			b.ReportAllocs()
			var bytes int64
			for b.Loop() {
				files, err := g.Generate(in)
				if err != nil {
					b.Fatal(err)
				}
				bytes = 0
				for _, f := range files {
					bytes += int64(len(f.Data))
				}
			}
			b.ReportMetric(float64(bytes)/1e6, "MB-out")
		})
	}
	for _, ix := range indexers() {
		b.Run(ix.Kind(), func(b *testing.B) {
			// Rendered here, not for every sub-benchmark: filtered to one
			// generator, a run renders that one alone.
			out, err := Render(m)
			if err != nil {
				b.Fatal(err)
			}
			listed := out.Listing()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ix.Index(m, listed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("alerts.Check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range checks() {
				if err := c(in); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
