// Package runbooks is being written; see issue 5.
package runbooks

import (
	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
)

// Generator makes the runbooks.
type Generator struct{}

func (Generator) Kind() string { return "runbooks" }

func (Generator) Generate(m *spec.Model) ([]engine.File, error) { return nil, nil }
