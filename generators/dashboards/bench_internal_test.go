package dashboards

import (
	"testing"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkPartial times what an edit of one service's spec costs this
// generator at a thousand services: the render of a Scope of that service,
// which makes its dashboard and every shared file (the overview and the
// kustomization), and the overview alone.
//
//	go test ./generators/dashboards -run '^$' -bench Partial -benchmem
func BenchmarkPartial(b *testing.B) {
	m := synthetic.Load(b, 1000)
	// The input of a partial render: its observability model derives the
	// service in scope, and any other only when a file asks for it. Each
	// run starts from a fresh one, as each generate does.
	partial := func() engine.Input { return engine.NewPartialInput(m, engine.NewScope("svc-0500")) }
	b.Run("scope", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			files, err := Generator{}.Generate(partial())
			if err != nil {
				b.Fatal(err)
			}
			if len(files) != 3 {
				b.Fatalf("%d files, want the service's dashboard, the overview and the kustomization", len(files))
			}
		}
	})
	b.Run("overview", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			data, err := overviewFile(partial())
			if err != nil {
				b.Fatal(err)
			}
			size = len(data)
		}
		b.ReportMetric(float64(size)/1e3, "kB-out")
	})
}
