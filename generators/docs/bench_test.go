package docs_test

import (
	"testing"

	"github.com/groundwork-dev/groundwork/generators/docs"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkPartial times the docs generator in a render scoped to one
// service of the synthetic organisation of 1000 services, as an
// incremental generate after that service's spec is edited: the shared
// documents, and that service's own. MB-shared is the size of the shared
// ones, which every such run writes again.
//
//	go test ./generators/docs -run '^$' -bench Partial -benchmem
func BenchmarkPartial(b *testing.B) {
	m := synthetic.Load(b, 1000)
	in := engine.Input{Spec: m, Scope: engine.NewScope("svc-0500")}
	b.ReportAllocs()
	var shared, own int
	for b.Loop() {
		files, err := docs.Generator{}.Generate(in)
		if err != nil {
			b.Fatal(err)
		}
		shared, own = 0, 0
		for _, f := range files {
			if f.Service == "" {
				shared += len(f.Data)
			} else {
				own++
			}
		}
	}
	b.ReportMetric(float64(shared)/1e6, "MB-shared")
	b.ReportMetric(float64(own), "service-files")
}
