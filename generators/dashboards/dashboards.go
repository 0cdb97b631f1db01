// Package dashboards is being written; see issue 5.
package dashboards

import (
	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Generator makes the dashboards.
type Generator struct{}

func (Generator) Kind() string { return "dashboards" }

func (Generator) Generate(m *spec.Model) ([]engine.File, error) { return nil, nil }
