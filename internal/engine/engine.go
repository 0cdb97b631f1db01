// Package engine turns the validated spec model into generated files and
// compares them with a tree on disk. Generation is a pure function of the
// model; writing, verifying and diffing are three ways of comparing its
// result with the disk, so they can never disagree.
package engine

import (
	"slices"
	"strings"
	"sync"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Generator makes one kind of artifact from the model. Generators are pure:
// no disk, no clock, no environment; the same model gives the same files.
type Generator interface {
	// Kind names the artifact kind, e.g. "codeowners"; PR summaries count by it.
	Kind() string
	Generate(in Input) ([]File, error)
}

// Streamer is a Generator whose files are many, which it can hand over in
// parts as it makes them (one environment's, one service's): a render for
// a tree (RenderFor) compares each part with the disk and lets go of what
// the tree already holds before the next part is made, so that a
// generator never holds all its output at once. Stream may call emit from
// several goroutines at once; its files are the same as Generate's, in any
// order (Collect makes Generate of Stream).
type Streamer interface {
	Generator
	Stream(in Input, emit func([]File)) error
}

// Collect gathers what a Streamer emits, in the order of their paths: the
// Generate of a Streamer.
func Collect(in Input, s Streamer) ([]File, error) {
	var mu sync.Mutex
	var out []File
	err := s.Stream(in, func(files []File) {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, files...)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// Input is what every generator of one render reads: the validated specs
// and the observability model derived from them, built once per render
// (Render does) and shared, read-only, by every generator.
type Input struct {
	Spec     *spec.Model
	Alerting *alerting.Model
	// Scope is the services whose own files this render makes (see
	// Renders); nil, in a full render, is every service.
	Scope *Scope
}

// NewInput derives the model of m; a render makes one and passes it to
// every generator.
func NewInput(m *spec.Model) Input {
	return Input{Spec: m, Alerting: alerting.New(m)}
}

// NewPartialInput is the input of a render of the services in scope, as
// RenderPartial makes it (benchmarks of one generator start from it): the
// observability model derives them at once, and any other service only if
// a shared file asks for it.
func NewPartialInput(m *spec.Model, scope *Scope) Input {
	return Input{Spec: m, Alerting: alerting.NewPartial(m, func(s *spec.Service) bool { return scope.Has(s.Name) }), Scope: scope}
}

// Indexer makes files that describe the other generated files, such as
// CODEOWNERS, which must name every file a team owns. Indexers run after the
// generators and see every file of the output, in the order of paths.
type Indexer interface {
	Kind() string
	Index(m *spec.Model, files []Listed) ([]File, error)
}

// Listed is what an indexer sees of a generated file. A partial render
// lists the files it takes from the last run's manifest too, from what the
// manifest knows of them (at a thousand services, 80,000 of them).
type Listed struct {
	Path, Kind, Service string
	PlatformOwned       bool
	Specs               []string // the spec files it is made from
}

// File is one generated file, before the engine adds its header.
type File struct {
	Path    string   // slash path relative to the repository root
	Origins []Origin // the specs, and fields of them, that the file is made from
	Data    []byte
	// Service names the service the file is made for alone, whose team
	// owns it (CODEOWNERS); empty for files shared by the platform.
	Service string
	// PlatformOwned keeps a file made for Service alone with the platform
	// owner in CODEOWNERS: it grants the service access (its IAM role), which
	// its team must not widen by itself.
	PlatformOwned bool
}

// Origin names a spec and the fields of it that a file depends on, so that
// `groundwork explain` can send a reader to the line to edit.
type Origin struct {
	Spec   string   `json:"spec"`             // e.g. specs/services/api.yaml
	Fields []string `json:"fields,omitempty"` // field paths, e.g. "slos[0].objective"; empty means the whole spec
}

// Rendered is a generated file as it must be on disk.
type Rendered struct {
	Path          string
	Kind          string
	Service       string // see File.Service
	PlatformOwned bool   // see File.PlatformOwned
	Origins       []Origin
	Data          []byte
	// Production is set on a file of a production environment's deployed
	// output (its folders, its release workflow): any change to it changes
	// production.
	Production bool
	// sharesProduction is set on a file made from a production
	// environment's specs among others' (deploy.yml, terraform/github):
	// a change to it changes production when it names that environment.
	sharesProduction bool
	prod             *productionScope
	sum              string // SHA-256 of Data in hex, once asked for
	// held: the tree RenderFor rendered for held these bytes, known as
	// known, when the file was rendered; Data is nil since (see settle).
	held  bool
	known Known
	// staged: RenderToApply wrote the file, which the tree had nothing
	// at, into StagingDir under this name, and let go of its bytes.
	staged string
}

// sha256 is the hex SHA-256 of the file's bytes, as the lock records it.
func (r *Rendered) sha256() string {
	if r.sum == "" {
		r.sum = hash(r.Data)
	}
	return r.sum
}

// Specs lists the spec files of the file's origins.
func (r *Rendered) Specs() []string {
	out := make([]string, len(r.Origins))
	for i, o := range r.Origins {
		out[i] = o.Spec
	}
	return out
}

// Output is everything a model generates, sorted by path; after a partial
// render (RenderPartial), what it rendered, the rest being in its manifest.
type Output struct {
	Files []*Rendered

	prev *Manifest // the manifest a partial render took the rest from
	kept []int     // those files, by their index in prev.Files, as known now
	// keptHeld: every file kept held the bytes prev records when checked.
	keptHeld bool
	// oldLock waits for the lock, read while the indexers run.
	oldLock func() lockRead
	// staging: RenderToApply made StagingDir and staged files in it,
	// which Apply puts in place or removes.
	staging bool
	on      *tree.Tree // the tree RenderFor or RenderPartial rendered for
}

// Partial reports whether the output holds only part of the files, the
// rest being as the last run left them (RenderPartial).
func (o *Output) Partial() bool { return o.prev != nil }

// File returns the rendered file at path, or nil.
func (o *Output) File(p string) *Rendered {
	i, ok := slices.BinarySearchFunc(o.Files, p, func(r *Rendered, p string) int { return strings.Compare(r.Path, p) })
	if !ok {
		return nil
	}
	return o.Files[i]
}
