package codeowners_test

import (
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/codeowners"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The cases in testdata/cases: the sample organisation's CODEOWNERS is
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := generators.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		return golden.OfKind(out, "codeowners")
	})
}

// A file made for one service alone belongs to that service's team; a
// shared file stays with the platform owner, even when one service made it.
func TestOwnership(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	perService := &fakeGen{files: []engine.File{
		{Path: "dashboards/api.json", Data: []byte("{}\n"), Service: "api", Origins: []engine.Origin{{Spec: "specs/services/api.yaml"}, {Spec: "specs/platform.yaml"}}},
		{Path: "dashboards/web.json", Data: []byte("{}\n"), Service: "web", Origins: []engine.Origin{{Spec: "specs/services/web.jsonnet"}}},
		{Path: ".github/workflows/deploy.yml", Data: []byte("{}\n"), Origins: []engine.Origin{{Spec: "specs/services/api.yaml"}, {Spec: "specs/environments/prod.yaml"}}},
		{Path: "dashboards/overview.json", Data: []byte("{}\n"), Origins: []engine.Origin{{Spec: "specs/services/api.yaml"}, {Spec: "specs/services/web.jsonnet"}}},
	}}
	out, err := engine.Render(m, []engine.Generator{perService}, []engine.Indexer{codeowners.Generator{}})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out.File(codeowners.Path).Data)
	for _, want := range []string{
		"\n* @acme/platform\n",
		"\n/specs/services/api.yaml @acme/payments\n/dashboards/api.json @acme/payments\n",
		"\n/specs/services/web.jsonnet @acme/storefront\n/dashboards/web.json @acme/storefront\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("CODEOWNERS lacks %q:\n%s", want, text)
		}
	}
	for _, shared := range []string{"overview.json", "deploy.yml"} {
		if strings.Contains(text, shared) {
			t.Errorf("%s, a shared file, was given to a team:\n%s", shared, text)
		}
	}
}

type fakeGen struct{ files []engine.File }

func (*fakeGen) Kind() string                                   { return "dashboards" }
func (g *fakeGen) Generate(engine.Input) ([]engine.File, error) { return g.files, nil }
