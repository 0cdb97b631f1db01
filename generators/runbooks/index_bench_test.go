package runbooks

import (
	"testing"

	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkIndex times runbooks/README.md alone at 1000 services: the
// shared file every render makes again, partial or not (BenchmarkPartial
// times the whole generator in a render of one service).
//
//	go test ./generators/runbooks -run '^$' -bench Index -benchmem
func BenchmarkIndex(b *testing.B) {
	m := synthetic.Load(b, 1000)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		_ = indexOrigins(m)
		n = len(index(m))
	}
	b.ReportMetric(float64(n)/1e3, "kB-out")
}
