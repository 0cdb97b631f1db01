// Package codeowners makes .github/CODEOWNERS: the platform owner reviews
// everything by default, and each service's team reviews its spec and every
// file generated for that service alone.
package codeowners

import (
	"fmt"
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
// service.
//
// A folder named for the service whose generated files are all that
// service's own (environments/prod/flux/apps/api/, runbooks/api/) is given
// in one pattern; every other file in one line of its own. GitHub loads no
// CODEOWNERS of 3 MB or more, and one line per file is 5.6 MB at a thousand
// services; a folder pattern keeps it near 1 MB. Wider patterns are not
// written: folders such as dashboards/ or environments/prod/terraform/ are
// shared between services and hand-written files, and a pattern that is too
// wide would hand a team files that are not theirs. Patterns are not padded
// into columns, so that adding a service adds lines and changes no others.
func (Generator) Index(m *spec.Model, files []engine.Listed) ([]engine.File, error) {
	p := m.Platform
	folders := folderOwners(files)
	owned := map[string][]string{} // service name -> its patterns, in the order of paths
	var origins []engine.Origin
	seen := map[string]bool{}
	last := "" // the spec last added to origins: a service's files follow each other
	// The folder of the file before, whose service it was, and the
	// pattern given for the whole folder ("" if none).
	var lastFolder, lastFolderService, folderPattern string
	for _, f := range files {
		if f.Service == "" || f.PlatformOwned {
			continue
		}
		// Which files a service owns alone is decided by the specs those
		// files come from (a release record deploys a workload, a partner
		// adds its files): they are sources of CODEOWNERS too.
		for _, spec := range f.Specs {
			if spec != last && !seen[spec] {
				seen[spec] = true
				origins = append(origins, engine.Origin{Spec: spec})
			}
			last = spec
		}
		// A folder's files are consecutive in the order of paths: its
		// pattern is decided at its first.
		if d := dir(f.Path); d == lastFolder && f.Service == lastFolderService {
			if folderPattern != "" {
				continue
			}
		} else {
			lastFolder, lastFolderService, folderPattern = d, f.Service, ""
			if base(d) == f.Service && folders[d] == f.Service && !slices.Contains(engine.Owned, d+"/") {
				folderPattern = d + "/"
				owned[f.Service] = append(owned[f.Service], folderPattern)
				continue
			}
		}
		owned[f.Service] = append(owned[f.Service], f.Path)
	}

	var b strings.Builder
	b.WriteString("# The platform owner reviews everything by default; each service's team\n")
	b.WriteString("# reviews its spec and the files generated for it alone, a folder named\n")
	b.WriteString("# for the service at once. The last matching pattern wins, so service\n")
	b.WriteString("# lines come after the default.\n\n")
	fmt.Fprintf(&b, "* %s\n", p.Teams[p.Owner].GitHub)
	head := []engine.Origin{{Spec: p.Source.Path, Fields: []string{"owner", "teams"}}}
	for _, s := range m.Services {
		owner := p.Teams[s.Team].GitHub
		fmt.Fprintf(&b, "\n# %s (team %s)\n", s.Name, s.Team)
		fmt.Fprintf(&b, "/%s %s\n", s.Source.Path, owner)
		for _, pat := range owned[s.Name] {
			fmt.Fprintf(&b, "/%s %s\n", pat, owner)
		}
		head = append(head, engine.Origin{Spec: s.Source.Path, Fields: []string{"team"}})
	}
	return []engine.File{{Path: Path, Origins: append(head, origins...), Data: []byte(b.String())}}, nil
}

// mixed stands, in folderOwners, for a folder holding the files of more
// than one owner.
const mixed = "/"

// folderOwners maps every folder holding generated files, at any depth, to
// the one service all of them are made for alone, or to mixed: a file that
// is shared, or platform-owned, has the owner "" (the platform).
func folderOwners(files []engine.Listed) map[string]string {
	owners := map[string]string{}
	lastDir, lastOwner := "", mixed
	for _, f := range files {
		owner := f.Service
		if f.PlatformOwned {
			owner = ""
		}
		folder := dir(f.Path)
		if folder == lastDir && owner == lastOwner {
			continue // its folders already know this owner
		}
		lastDir, lastOwner = folder, owner
		for d := folder; d != "."; d = dir(d) {
			o, ok := owners[d]
			switch {
			case !ok:
				owners[d] = owner
				continue
			case o != owner:
				owners[d] = mixed
			}
			// A folder that knew this owner, or was mixed already, has
			// folders above it that know as much.
			if o == owner || o == mixed {
				break
			}
		}
	}
	return owners
}

// dir is path.Dir of a generated path, which is clean already: a slice of
// it, where path.Dir cleans a copy (80,000 files at a thousand services).
func dir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	return p[:i]
}

// base is path.Base of a folder dir returned.
func base(d string) string { return d[strings.LastIndexByte(d, '/')+1:] }
