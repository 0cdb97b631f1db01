// Package alertmanager is being written; see issue 5.
package alertmanager

import (
	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Generator makes the alertmanager.
type Generator struct{}

func (Generator) Kind() string { return "alertmanager" }

func (Generator) Generate(m *spec.Model) ([]engine.File, error) { return nil, nil }
