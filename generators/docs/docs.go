// Package docs makes the documents whose facts come from the specs, so
// that they change in the same pull request as what they describe:
//
//	docs/data-retention.md                    the limits, the platform's own stores, a line per service
//	docs/data-retention/<service>.md          every store of a service: what it holds, who reads it, how long it lives
//	docs/threat-model-inventory.md            trust boundaries, CI roles, the platform's roles and secrets, partners, a line per service
//	docs/threat-model-inventory/<service>.md  a service's entry points, cloud roles and secrets
//	docs/partners/<partner>.md                a partner's playbook: keys, base URLs, worked requests, limits, go-live
//
// A service's files are its team's (File.Service): they change, and a
// partial render makes them, with its spec alone. The shared ones name
// each service and nothing derived from it, so that a thousand services
// cost a line each in them.
//
// The judgement beside them is written by hand: docs/threat-model.md and
// docs/data-retention-policy.md.
package docs

import (
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Paths of the generated documents, and of the hand-written ones they link.
const (
	RetentionPath   = "docs/data-retention.md"
	RetentionDir    = "docs/data-retention"
	InventoryPath   = "docs/threat-model-inventory.md"
	InventoryDir    = "docs/threat-model-inventory"
	PartnersDir     = "docs/partners"
	policyDoc       = "docs/data-retention-policy.md"
	threatModelDoc  = "docs/threat-model.md"
	restoreDrillDoc = "docs/restore-drill.md"
)

// PlaybookPath is the playbook of partner p.
func PlaybookPath(p *spec.Partner) string { return PartnersDir + "/" + p.Name + ".md" }

// RetentionOf is the file of the stores of service s.
func RetentionOf(s *spec.Service) string { return RetentionDir + "/" + s.Name + ".md" }

// InventoryOf is the file of the entry points, roles and secrets of
// service s.
func InventoryOf(s *spec.Service) string { return InventoryDir + "/" + s.Name + ".md" }

// Generator makes the documents.
type Generator struct{}

func (Generator) Kind() string { return "docs" }

// Generate writes the two inventories, shared and per service in scope,
// and one playbook per partner.
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m := in.Spec
	var scoped []*spec.Service
	for _, s := range m.Services {
		if in.Renders(s) {
			scoped = append(scoped, s)
		}
	}
	// stores[i][j] are the stores of scoped[j] in m.Environments[i]: a
	// partial render lists those of its few services alone, and the
	// platform's.
	stores := make([][][]spec.DataStore, len(m.Environments))
	platform := make([][]spec.DataStore, len(m.Environments))
	parallel.For(len(m.Environments), func(i int) {
		e := m.Environments[i]
		stores[i] = make([][]spec.DataStore, len(scoped))
		for j, s := range scoped {
			stores[i][j] = m.ServiceDataStores(e, s)
		}
		platform[i] = m.PlatformDataStores(e)
	})
	var ret, inv []byte
	own := make([][2]engine.File, len(scoped))
	parallel.Do(
		func() { ret = retention(m, platform) },
		func() { inv = inventory(m) },
		func() {
			parallel.For(len(scoped), func(j int) {
				mine := make([][]spec.DataStore, len(m.Environments))
				for i := range m.Environments {
					mine[i] = stores[i][j]
				}
				own[j] = serviceFiles(m, scoped[j], mine)
			})
		},
	)
	files := make([]engine.File, 0, 2+2*len(scoped)+len(m.Partners))
	files = append(files,
		engine.File{Path: RetentionPath, Data: ret, Origins: sharedOrigins(m, "buckets", "database")},
		engine.File{Path: InventoryPath, Data: inv, Origins: sharedOrigins(m, "database", "partnerApi")},
	)
	for _, f := range own {
		files = append(files, f[0], f[1])
	}
	for _, p := range m.Partners {
		origins := []engine.Origin{{Spec: p.Source.Path}, {Spec: m.Platform.Source.Path, Fields: []string{"teams"}}}
		for _, a := range p.Access {
			origins = append(origins, engine.Origin{Spec: m.Service(a.Service).Source.Path, Fields: []string{"partnerApi"}})
		}
		for _, name := range p.Environments {
			origins = append(origins, engine.Origin{Spec: m.Environment(name).Source.Path, Fields: []string{"ingress", "production"}})
		}
		files = append(files, engine.File{Path: PlaybookPath(p), Data: playbook(m, p), Origins: origins})
	}
	return files, nil
}

// serviceFiles are the two files of service s, stores[i] its stores in
// m.Environments[i]: its stores, and its entry points, roles and secrets.
func serviceFiles(m *spec.Model, s *spec.Service, stores [][]spec.DataStore) [2]engine.File {
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: m.Platform.Source.Path}}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path})
	}
	for _, p := range m.Partners {
		if p.AccessTo(s) != nil {
			origins = append(origins, engine.Origin{Spec: p.Source.Path})
		}
	}
	return [2]engine.File{
		{Path: RetentionOf(s), Data: serviceRetention(m, s, stores), Origins: origins, Service: s.Name},
		{Path: InventoryOf(s), Data: serviceInventory(m, s, stores), Origins: origins, Service: s.Name},
	}
}

// sharedOrigins are what a shared document is made from: the platform,
// the environments and the partners, and of each service its name, team
// and the fields given.
func sharedOrigins(m *spec.Model, fields ...string) []engine.Origin {
	out := []engine.Origin{{Spec: m.Platform.Source.Path}}
	for _, e := range m.Environments {
		out = append(out, engine.Origin{Spec: e.Source.Path})
	}
	for _, p := range m.Partners {
		out = append(out, engine.Origin{Spec: p.Source.Path})
	}
	fields = append([]string{"name", "team"}, fields...)
	for _, s := range m.Services {
		out = append(out, engine.Origin{Spec: s.Source.Path, Fields: fields})
	}
	return out
}

// generatedNote opens every document: where its facts come from, and
// where to change them.
func generatedNote(d *markdown.Doc, what string) {
	d.Para("Generated by groundwork from the specs: " + what + ". Change a spec and run " + markdown.Code("make generate") + "; edits here are overwritten.")
}

// serviceIntro opens a service's document at path from: whose it is and
// where its spec is.
func serviceIntro(s *spec.Service, from string) string {
	return "Service " + markdown.Code(s.Name) + " of team " + markdown.Esc(s.Team) + ", from " + markdown.Link(markdown.Code(s.Source.Path), markdown.Rel(from, s.Source.Path)) + "."
}

// servicesTable lists every service with a link to its file (file(s)),
// from the shared document at path from: the one line per service a
// shared document holds.
func servicesTable(d *markdown.Doc, m *spec.Model, from string, file func(*spec.Service) string) {
	if len(m.Services) == 0 {
		d.Para("None: the organisation has no service yet.")
		return
	}
	rows := make([][]string, len(m.Services))
	for i, s := range m.Services {
		rows[i] = []string{markdown.Link(markdown.Code(s.Name), markdown.Rel(from, file(s))), markdown.Esc(s.Team), markdown.Code(s.Source.Path)}
	}
	d.Table([]string{"Service", "Team", "Spec"}, rows)
}

// docName is how a document is named in the text of another: its path
// under docs/.
func docName(p string) string { return strings.TrimPrefix(p, "docs/") }

// owner is who a store or role belongs to: a service and its team, or the
// platform.
func owner(s *spec.Service) string {
	if s == nil {
		return "platform"
	}
	return markdown.Code(s.Name) + " (" + markdown.Esc(s.Team) + ")"
}

// cells remembers the inline Markdown of table cells, for one goroutine
// writing them: a document's stores repeat the same kinds, encryptions,
// retentions and owners, and markdown.Esc reads each one rune by rune.
type cells struct {
	escaped map[string]string
	owners  map[*spec.Service]string
}

func newCells() *cells {
	return &cells{escaped: map[string]string{}, owners: map[*spec.Service]string{}}
}

// esc is markdown.Esc(s).
func (c *cells) esc(s string) string {
	v, ok := c.escaped[s]
	if !ok {
		v = markdown.Esc(s)
		c.escaped[s] = v
	}
	return v
}

// owner is owner(s).
func (c *cells) owner(s *spec.Service) string {
	v, ok := c.owners[s]
	if !ok {
		v = owner(s)
		c.owners[s] = v
	}
	return v
}

func envTitle(e *spec.Environment) string {
	t := fmt.Sprintf("%s (account %s, %s)", e.Name, e.Account, e.Region)
	if e.Production {
		t += ", production"
	}
	return markdown.Esc(t)
}
