package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Check proves something of the model that no generated file shows, such as
// that every alert can be tested; a render fails with its error as with a
// generator's.
type Check func(in Input) error

// Render derives the observability model of m once (NewInput), runs every
// generator and check on it, in parallel, then the indexers on the
// generators' output, and returns all files with headers, sorted by path.
// Two generators claiming one path, or a path outside the generated
// folders, is an error in a generator.
func Render(m *spec.Model, gens []Generator, indexers []Indexer, checks ...Check) (*Output, error) {
	in := NewInput(m)
	out, err := render(context.Background(), in, gens, nil, checks...)
	if err != nil {
		return nil, err
	}
	return out, index(in, out, out.Listing(), indexers)
}

// RenderFor renders as Render does, for Compare with the tree t: the
// generators run one after the other (each spreads its work over the
// cores), and the files of each that t already holds are known as such
// as soon as it returns them, their bytes let go of (Rendered.Data is nil
// then; Compare does not read them again). At a thousand services the
// output is hundreds of megabytes, of which a run needs only what
// changed: holding it all at once is what made a verify need gigabytes.
func RenderFor(t *tree.Tree, m *spec.Model, gens []Generator, indexers []Indexer, checks ...Check) (*Output, error) {
	in := NewInput(m)
	out, err := render(context.Background(), in, gens, settler(t, nil), checks...)
	if err != nil {
		return nil, err
	}
	out.on = t
	out.readLockSoon(t)
	return out, index(in, out, out.Listing(), indexers)
}

// RenderToApply is RenderFor for a run that goes on to Apply (generate):
// besides, each file rendered for a path where the tree has nothing is
// written into StagingDir at once, and its bytes are let go of (a first
// generate at a thousand services writes hundreds of megabytes, which no
// longer wait in memory for every generator to finish). A staging folder
// a killed run left is removed first, as Apply would. Nothing is written
// outside StagingDir: Apply puts the staged files in place, or removes
// them with the folder; so do RenderToApply and Compare when they fail.
//
// Once ctx ends (SIGINT), no other generator starts: RenderToApply removes
// StagingDir and returns ErrInterrupted.
func RenderToApply(ctx context.Context, t *tree.Tree, m *spec.Model, gens []Generator, indexers []Indexer, checks ...Check) (*Output, error) {
	if _, err := staged(t); err != nil {
		return nil, err
	}
	if err := t.RemoveAll(StagingDir); err != nil {
		return nil, err
	}
	if err := t.MkdirAll(StagingDir); err != nil {
		return nil, err
	}
	// Before anything else in it: git must never add what a killed run
	// leaves.
	if err := t.WriteNew(StagingDir+"/.gitignore", []byte("*\n")); err != nil {
		return nil, errors.Join(err, t.RemoveAll(StagingDir))
	}
	in := NewInput(m)
	s := &stager{t: t, prod: newProductionScope(m)}
	release := t.HoldFolders() // StagingDir, opened once for every file staged
	out, err := render(ctx, in, gens, settler(t, s), checks...)
	release()
	if err == nil && ctx.Err() != nil {
		err = ErrInterrupted
	}
	if err == nil {
		out.on, out.staging = t, true
		out.readLockSoon(t)
		err = index(in, out, out.Listing(), indexers)
	}
	if err != nil {
		if rerr := t.RemoveAll(StagingDir); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		if errors.Is(err, ErrInterrupted) {
			return nil, ErrInterrupted
		}
		return nil, err
	}
	return out, nil
}

// stager writes the files of RenderToApply that the tree has nothing at
// into StagingDir.
type stager struct {
	t    *tree.Tree
	prod *productionScope
	n    atomic.Int64
}

// stage writes r, whose bytes are h's pieces, into StagingDir, the pieces
// not joined. A file made from a production environment's specs among
// others' keeps its bytes, joined: whether its change alters production is
// read from them (Compare). A file that cannot be staged keeps them too,
// and Apply writes it.
func (s *stager) stage(r *Rendered, h headed) {
	probe := &Rendered{Path: r.Path, Origins: r.Origins}
	if s.prod.classify(probe); probe.sharesProduction {
		r.Data = h.bytes()
		return
	}
	name := StagingDir + "/pre-" + strconv.FormatInt(s.n.Add(1), 10)
	if err := s.t.WriteNew(name, h.first, []byte(h.header), h.rest); err != nil {
		r.Data = h.bytes()
		return
	}
	r.sum = h.sum()
	r.staged = name
}

// index runs the indexers on files, the whole output listed, and adds
// their files to out, the rendered part of it.
func index(in Input, out *Output, files []Listed, indexers []Indexer) error {
	if len(indexers) == 0 {
		return nil
	}
	var idx []Generator
	for _, ix := range indexers {
		idx = append(idx, indexed{ix, files})
	}
	more, err := render(context.Background(), in, idx, nil)
	if err != nil {
		return err
	}
	for _, f := range more.Files {
		if i, ok := slices.BinarySearchFunc(files, f.Path, func(l Listed, p string) int { return strings.Compare(l.Path, p) }); ok {
			return fmt.Errorf("%s: %s is already generated by %s", f.Kind, f.Path, files[i].Kind)
		}
	}
	// Each in its place: a few files among tens of thousands in order.
	for _, f := range more.Files {
		i, _ := slices.BinarySearchFunc(out.Files, f.Path, func(r *Rendered, p string) int { return strings.Compare(r.Path, p) })
		out.Files = slices.Insert(out.Files, i, f)
	}
	return nil
}

// indexed adapts an indexer to a generator over a fixed output.
type indexed struct {
	ix    Indexer
	files []Listed
}

func (i indexed) Kind() string                      { return i.ix.Kind() }
func (i indexed) Generate(in Input) ([]File, error) { return i.ix.Index(in.Spec, i.files) }

// Listing lists every file of the output, in the order of paths, as
// indexers see them: after a partial render, the rendered ones and the ones
// it takes from the last run's manifest, whose lists of specs are the
// manifest's own.
func (o *Output) Listing() []Listed {
	var kept []int
	var prev []ManifestFile
	if o.prev != nil {
		kept, prev = o.kept, o.prev.Files
	}
	files := make([]Listed, 0, len(o.Files)+len(kept))
	i, j := 0, 0
	for i < len(o.Files) || j < len(kept) {
		if j == len(kept) || (i < len(o.Files) && o.Files[i].Path < prev[kept[j]].Path) {
			f := o.Files[i]
			files = append(files, Listed{Path: f.Path, Kind: f.Kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Specs: f.Specs()})
			i++
			continue
		}
		f := &prev[kept[j]]
		files = append(files, Listed{Path: f.Path, Kind: f.Kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Specs: f.Sources})
		j++
	}
	return files
}

// render runs the generators and checks on in. settle, when not nil, sees
// each file as soon as its header is on, and the generators run one after
// the other, so that it can let go of their files before the next
// generator makes its own; then, once ctx ends, no other generator starts,
// and render returns ErrInterrupted.
func render(ctx context.Context, in Input, gens []Generator, settle settleFunc, checks ...Check) (*Output, error) {
	m := in.Spec
	results := make([][]*Rendered, len(gens))
	errs := make([]error, len(gens)+len(checks))
	generate := func(i int) {
		g := gens[i]
		var err error
		if s, ok := g.(Streamer); ok && settle != nil {
			var mu sync.Mutex
			var bad error // the first part with a path no generator may write
			err = s.Stream(in, func(files []File) {
				part, err := withHeaders(g.Kind(), files, settle)
				mu.Lock()
				defer mu.Unlock()
				bad = cmp.Or(bad, err)
				results[i] = append(results[i], part...)
			})
			err = cmp.Or(err, bad)
		} else {
			var files []File
			if files, err = g.Generate(in); err == nil {
				results[i], err = withHeaders(g.Kind(), files, settle)
			}
		}
		if err != nil {
			results[i], errs[i] = nil, fmt.Errorf("%s: %w", g.Kind(), err)
		}
	}
	// Settling, the generators run in turn; otherwise one goroutine per
	// generator: they differ a lot in cost, and each spreads its own work
	// over the cores. The checks run beside them either way.
	fns := make([]func(), 0, len(gens)+len(checks))
	if settle != nil {
		fns = append(fns, func() {
			for i := range gens {
				if ctx.Err() != nil {
					errs[i] = ErrInterrupted
					return
				}
				generate(i)
			}
		})
	} else {
		for i := range gens {
			fns = append(fns, func() { generate(i) })
		}
	}
	for i, c := range checks {
		fns = append(fns, func() { errs[len(gens)+i] = c(in) })
	}
	parallel.Do(fns...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	out := &Output{}
	for _, files := range results {
		out.Files = append(out.Files, files...)
	}
	out.Files = sortedByPath(out.Files)
	// A path made twice, by two generators or one, is two neighbours once
	// sorted: named in the order of the generators.
	order := make(map[string]int, len(gens))
	for i, g := range gens {
		order[g.Kind()] = i
	}
	for i := 1; i < len(out.Files); i++ {
		if a, b := out.Files[i-1], out.Files[i]; a.Path == b.Path {
			if order[a.Kind] > order[b.Kind] {
				a, b = b, a
			}
			return nil, fmt.Errorf("%s and %s both generate %s", a.Kind, b.Kind, a.Path)
		}
	}
	prod := newProductionScope(m)
	parallel.Split(len(out.Files), func(_, i int) { prod.classify(out.Files[i]) })
	return out, nil
}

// sortedByPath sorts files by path: at a thousand services 80,000 of them,
// in two halves, each on a core, then merged.
func sortedByPath(files []*Rendered) []*Rendered {
	byPath := func(a, b *Rendered) int { return strings.Compare(a.Path, b.Path) }
	if len(files) < splitEntries {
		slices.SortFunc(files, byPath)
		return files
	}
	half := len(files) / 2
	a, b := files[:half], files[half:]
	parallel.Do(func() { slices.SortFunc(a, byPath) }, func() { slices.SortFunc(b, byPath) })
	out := make([]*Rendered, 0, len(files))
	for len(a) > 0 && len(b) > 0 {
		if byPath(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// withHeaders makes a generator's files into rendered ones, headers on,
// as soon as it returns them, so that what it returned is let go of at
// once: at a thousand services the output is hundreds of megabytes, which
// must not be held twice, with headers and without, until every generator
// is done. settle, if not nil, sees each file as soon as it is made. A
// path outside the generated folders, or of a format that cannot carry the
// header, is an error in the generator, found before any file is made.
func withHeaders(kind string, files []File, settle settleFunc) ([]*Rendered, error) {
	for _, f := range files {
		if err := CheckPath(f.Path); err != nil {
			return nil, err
		}
		if !supported(f.Path) {
			return nil, fmt.Errorf("%s: no comment syntax known for its format, so it cannot carry the ownership header", f.Path)
		}
	}
	out := make([]*Rendered, len(files))
	var done func(i int, r *Rendered, h headed)
	if settle != nil {
		done = settle(files)
	}
	parallel.For(len(files), func(i int) {
		f := files[i]
		r := &Rendered{Path: f.Path, Kind: kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Origins: normalise(f.Origins)}
		h := headerOn(f.Path, r.Specs(), f.Data)
		if done != nil {
			done(i, r, h)
		} else {
			r.Data = h.bytes()
		}
		out[i] = r
	})
	return out, nil
}

// normalise merges origins by spec and sorts them, so that the lock and the
// header never depend on the order a generator listed them in.
func normalise(origins []Origin) []Origin {
	// Sorted, then each run of one spec merged: a shared file has an
	// origin per service, thousands, which a map per file made slow.
	out := make([]Origin, len(origins))
	copy(out, origins)
	// Most often they come in the order of the services: checked in one
	// pass, not sorted again.
	bySpec := func(a, b Origin) int { return cmp.Compare(a.Spec, b.Spec) }
	if !slices.IsSortedFunc(out, bySpec) {
		slices.SortFunc(out, bySpec)
	}
	merged := out[:0]
	for i := 0; i < len(out); {
		o := Origin{Spec: out[i].Spec}
		j := i + 1
		for j < len(out) && out[j].Spec == o.Spec {
			j++
		}
		if one := out[i].Fields; j == i+1 && len(one) > 0 && isStrictlySorted(one) {
			// The one origin of its spec, its fields in order already
			// (most often): shared, not copied; no one writes to them.
			o.Fields = one
		} else {
			var fields []string
			for _, r := range out[i:j] {
				fields = append(fields, r.Fields...)
			}
			if len(fields) > 0 {
				slices.Sort(fields)
				o.Fields = slices.Compact(fields)
			}
		}
		merged = append(merged, o)
		i = j
	}
	return merged
}

// isStrictlySorted reports whether s is sorted, with no value twice.
func isStrictlySorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}
