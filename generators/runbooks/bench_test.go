package runbooks_test

import (
	"testing"

	"github.com/groundwork-dev/groundwork/generators/runbooks"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkPartial times the runbooks of an incremental render after one
// service's spec is edited, at 1000 services: the files of svc-0500 and
// the shared index, with a fresh partial alerting model each time, as
// the engine makes one for each render (it derives the services in scope
// at once, any other only if a shared file asks for it, which is what
// this measures). BenchmarkGenerators/runbooks in package generators
// times the full render.
//
//	go test ./generators/runbooks -run '^$' -bench Partial -benchmem
func BenchmarkPartial(b *testing.B) {
	m := synthetic.Load(b, 1000)
	scope := engine.NewScope("svc-0500")
	b.ReportAllocs()
	var files, bytes int
	for b.Loop() {
		in := engine.NewPartialInput(m, scope)
		out, err := runbooks.Generator{}.Generate(in)
		if err != nil {
			b.Fatal(err)
		}
		files, bytes = len(out), 0
		for _, f := range out {
			bytes += len(f.Data)
		}
	}
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(bytes)/1e6, "MB-out")
}
