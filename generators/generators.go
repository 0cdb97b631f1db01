// Package generators lists every generator Groundwork runs, in one place:
// adding an artifact kind means adding its package and one line here.
package generators

import (
	"context"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/generators/codeowners"
	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/generators/docs"
	"github.com/groundwork-dev/groundwork/generators/flags"
	"github.com/groundwork-dev/groundwork/generators/flux"
	"github.com/groundwork-dev/groundwork/generators/loadtests"
	"github.com/groundwork-dev/groundwork/generators/runbooks"
	"github.com/groundwork-dev/groundwork/generators/schemas"
	"github.com/groundwork-dev/groundwork/generators/terraform"
	"github.com/groundwork-dev/groundwork/generators/workflows"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// all returns the generators, each making one artifact kind from the model.
func all() []engine.Generator {
	return []engine.Generator{
		alertmanager.Generator{},
		dashboards.Generator{},
		docs.Generator{},
		flags.Generator{},
		flux.Generator{},
		loadtests.Generator{},
		runbooks.Generator{},
		schemas.Generator{},
		terraform.Generator{},
		workflows.Generator{},
	}
}

// indexers returns the generators that describe the others' output.
func indexers() []engine.Indexer {
	return []engine.Indexer{
		codeowners.Generator{},
	}
}

// checks returns what a render proves besides generating: that every
// alert has a test, though the tests themselves are the proof's (Proof).
func checks() []engine.Check {
	return []engine.Check{alerts.Check}
}

// Render loads nothing: it generates every file of a validated model.
func Render(m *spec.Model) (*engine.Output, error) {
	return engine.Render(m, all(), indexers(), checks()...)
}

// RenderFor generates every file as Render does, for comparing with the
// tree t (engine.RenderFor): what t already holds is let go of as soon as
// it is rendered.
func RenderFor(t *tree.Tree, m *spec.Model) (*engine.Output, error) {
	return engine.RenderFor(t, m, all(), indexers(), checks()...)
}

// RenderToApply generates every file as RenderFor does, for a run that
// goes on to apply the plan: each file the tree has nothing at is staged
// at once (engine.RenderToApply).
func RenderToApply(ctx context.Context, t *tree.Tree, m *spec.Model) (*engine.Output, error) {
	return engine.RenderToApply(ctx, t, m, all(), indexers(), checks()...)
}

// Proof renders what proves the generated files but is not committed: the
// promtool tests of every alert and the rule groups they load, under
// alerts/<env>/, for a scratch folder (`groundwork proof`, make test, the
// generated CI) to run promtool in.
func Proof(m *spec.Model) (*engine.Output, error) {
	return engine.Render(m, []engine.Generator{alerts.Generator{}}, nil)
}

// RenderPartial generates, for the tree t, the shared files and those of
// the services in scope, and takes every other file from prev, the
// manifest of the last clean run (engine.RenderPartial).
func RenderPartial(t *tree.Tree, m *spec.Model, scope *engine.Scope, prev *engine.Manifest) (*engine.Output, error) {
	return engine.RenderPartial(t, m, all(), indexers(), scope, prev, checks()...)
}
