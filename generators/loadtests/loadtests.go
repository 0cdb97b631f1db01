// Package loadtests makes one k6 script per service with a load test,
// loadtests/<service>.js, from the model of internal/loadtest: the spec's
// requests at its rate for its duration, with the service's SLOs as the
// thresholds that fail the run. The Go baseline runner (groundwork loadtest)
// executes the same model.
package loadtests

import (
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/loadtest"
)

// Dir is where the scripts are written.
const Dir = "loadtests"

// Path is the script of a service.
func Path(service string) string { return Dir + "/" + service + ".js" }

// Generator makes loadtests/<service>.js.
type Generator struct{}

func (Generator) Kind() string { return "loadtests" }

// Generate writes a script for every service whose spec has a loadtest.
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	var files []engine.File
	for _, s := range in.Spec.Services {
		if !in.Renders(s) {
			continue
		}
		p := loadtest.New(s)
		if p == nil {
			continue
		}
		files = append(files, engine.File{
			Path:    Path(s.Name),
			Origins: []engine.Origin{{Spec: p.Source, Fields: []string{"loadtest", "slos"}}},
			Data:    p.Script(),
			Service: s.Name,
		})
	}
	return files, nil
}
