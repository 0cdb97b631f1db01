package alerts_test

import (
	"testing"

	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// BenchmarkGenerate times the rule files and their tests for a synthetic
// organisation of 20 services × 4 environments.
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	if err := synthetic.Write(dir, 20); err != nil {
		b.Fatal(err)
	}
	m, err := spec.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := (alerts.Generator{}).Generate(engine.NewInput(m)); err != nil {
			b.Fatal(err)
		}
	}
}
