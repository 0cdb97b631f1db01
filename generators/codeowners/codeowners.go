// Package codeowners makes .github/CODEOWNERS: the platform owner reviews
// everything by default, and each service's team reviews its spec and every
// file generated for that service alone.
package codeowners

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Path is where GitHub reads code owners from.
const Path = ".github/CODEOWNERS"

// Generator is the CODEOWNERS indexer.
type Generator struct{}

func (Generator) Kind() string { return "codeowners" }

// Index gives each service's team its spec and the files generators made for
// that service alone (File.Service): a file made from one service spec may
// still be shared, such as a deploy workflow of an organisation with one
// service. It writes one line per service-owned file rather than folder patterns:
// folders are shared between services and hand-written files, and a pattern
// that is too wide would hand a team files that are not theirs. Patterns are
// not padded into columns, so that adding a service adds lines and changes
// no others.
func (Generator) Index(m *spec.Model, out *engine.Output) ([]engine.File, error) {
	p := m.Platform
	owned := map[string][]string{} // service name -> generated paths made for it alone
	for _, f := range out.Files {
		if f.Service != "" && !f.PlatformOwned {
			owned[f.Service] = append(owned[f.Service], f.Path)
		}
	}

	var b strings.Builder
	b.WriteString("# The platform owner reviews everything by default; each service's team\n")
	b.WriteString("# reviews its spec and the files generated for it alone. The last matching\n")
	b.WriteString("# pattern wins, so service lines come after the default.\n\n")
	fmt.Fprintf(&b, "* %s\n", p.Teams[p.Owner].GitHub)
	origins := []engine.Origin{{Spec: p.Source.Path, Fields: []string{"owner", "teams"}}}
	for _, s := range m.Services {
		owner := p.Teams[s.Team].GitHub
		fmt.Fprintf(&b, "\n# %s (team %s)\n", s.Name, s.Team)
		fmt.Fprintf(&b, "/%s %s\n", s.Source.Path, owner)
		for _, f := range owned[s.Name] {
			fmt.Fprintf(&b, "/%s %s\n", f, owner)
		}
		origins = append(origins, engine.Origin{Spec: s.Source.Path, Fields: []string{"team"}})
	}
	// Which files a service owns alone is decided by the specs those files
	// come from (a release record deploys a workload, a partner adds its
	// files): they are sources of CODEOWNERS too.
	for _, name := range slices.Sorted(maps.Keys(owned)) {
		for _, f := range owned[name] {
			for _, o := range out.File(f).Origins {
				origins = append(origins, engine.Origin{Spec: o.Spec})
			}
		}
	}
	return []engine.File{{Path: Path, Origins: origins, Data: []byte(b.String())}}, nil
}
