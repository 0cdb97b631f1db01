package engine

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// ErrNotPartial is returned by Compare for a partial output when the tree
// is not as the manifest says the last run left it: a file it takes from
// the manifest, or the lock, was edited or deleted, or a killed run left a
// staging folder. The caller renders in full, which says what happened.
var ErrNotPartial = errors.New("the tree is not as the last run left it; render in full")

// RenderPartial renders, as Render does, every shared file and the files of
// the services in scope, and takes every other file from prev, the
// manifest of the last run that left the tree clean: the files made for a
// service out of scope alone (ManifestFile.Service), which are the same as
// in a full render when that service's specs and every shared spec are as
// they were then. The caller decides the scope and vouches for that (the
// command compares the bytes of every spec with what that run read). A
// file prev lists that is neither rendered nor taken (a removed service's,
// or one a service in scope no longer makes) is an orphan. The indexers see
// every file, rendered or taken. The checks see the same scope.
//
// The files it takes are checked against t, for Compare, while it renders:
// at a thousand services they are tens of thousands, each stat'ed.
func RenderPartial(t *tree.Tree, m *spec.Model, gens []Generator, indexers []Indexer, scope *Scope, prev *Manifest, checks ...Check) (*Output, error) {
	in := NewPartialInput(m, scope)
	kept := make([]ManifestFile, 0, len(prev.Files))
	for _, f := range prev.Files {
		if f.Service != "" && !scope.Has(f.Service) && m.Service(f.Service) != nil {
			kept = append(kept, f)
		}
	}
	var out *Output
	var err error
	var known []Known
	var held bool
	parallel.Do(func() { out, err = render(context.Background(), in, gens, nil, checks...) }, func() { known, held = verifyKnown(t, kept) })
	if err != nil {
		return nil, err
	}
	out.prev, out.on, out.keptHeld = prev, t, held
	// Filtered in place, and beside the rendered files, both in the order
	// of paths: at a thousand services they are 80,000.
	out.kept = kept[:0]
	r := 0
	for i, f := range kept {
		for r < len(out.Files) && out.Files[r].Path < f.Path {
			r++
		}
		// A generator makes no file of a service out of scope; were one
		// made, it is compared like any rendered file, not taken.
		if r < len(out.Files) && out.Files[r].Path == f.Path {
			continue
		}
		if held {
			f.know(known[i])
		}
		out.kept = append(out.kept, f)
	}
	view := out
	if len(indexers) > 0 && len(out.kept) > 0 {
		view = withKept(out)
	}
	if err := index(in, out, view, indexers); err != nil {
		return nil, err
	}
	return out, nil
}

// withKept is what the indexers see of a partial output: its files and the
// ones it keeps, in the order of paths. Both lists are in that order
// already, and no path is in both. At a thousand services the kept files
// are tens of thousands: they are made in two allocations, not two each.
func withKept(out *Output) *Output {
	view := &Output{Files: make([]*Rendered, 0, len(out.Files)+len(out.kept))}
	kept := make([]Rendered, len(out.kept))
	n := 0
	for _, f := range out.kept {
		n += len(f.Sources)
	}
	origins := make([]Origin, n)
	i, j := 0, 0
	for i < len(out.Files) || j < len(out.kept) {
		if j == len(out.kept) || (i < len(out.Files) && out.Files[i].Path < out.kept[j].Path) {
			view.Files = append(view.Files, out.Files[i])
			i++
			continue
		}
		f := &out.kept[j]
		o := origins[:len(f.Sources):len(f.Sources)]
		origins = origins[len(f.Sources):]
		for k, s := range f.Sources {
			o[k] = Origin{Spec: s}
		}
		kept[j] = Rendered{Path: f.Path, Kind: f.Kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Origins: o}
		view.Files = append(view.Files, &kept[j])
		j++
	}
	return view
}

// comparePartial is Compare for a partial output: the rendered files are
// compared with the disk as Compare does, the lock entries of the manifest
// standing for the lock; the files taken from the manifest must be as it
// knows them, and so must the lock.
func comparePartial(t *tree.Tree, out *Output) (*Plan, error) {
	prev := out.prev
	if staged, err := staged(t); err != nil || staged {
		return nil, ErrNotPartial
	}
	// The lock must be the one the manifest describes: its bytes are the
	// old lock, whose entries the manifest holds. They are read, for the
	// new lock to be written from (spliceLock); a lock whose Stat did not
	// move while it was read holds the bytes it held then.
	lockStat := t.Stats([]string{LockFile})[0]
	oldLock, err := t.ReadFile(LockFile, maxLockSize)
	if err != nil {
		return nil, ErrNotPartial
	}
	if !prev.Lock.unchanged(lockStat) || !lockStat.Same(t.Stats([]string{LockFile})[0]) {
		if hash(oldLock) != prev.LockSHA256 {
			return nil, ErrNotPartial
		}
	}
	if !out.keptHeld {
		return nil, ErrNotPartial
	}
	kept := out.kept
	p := &Plan{tree: t, out: out, hadLock: true}

	// A rendered file that the manifest knows with the same bytes, and
	// whose Stat says it has not changed since, is not read.
	entry := make([]*ManifestFile, len(out.Files))
	for i, f := range out.Files {
		entry[i] = prev.file(f.Path)
	}
	disk, known, err := readOutput(t, out, func(i int, st tree.Stat) (Known, bool) {
		e := entry[i]
		if e == nil || e.SHA256 != out.Files[i].sha256() || !e.unchanged(st) {
			return Known{}, false
		}
		return e.Known, true
	})
	if err != nil {
		return nil, err
	}
	p.known = known
	for i, f := range out.Files {
		recorded := ""
		if entry[i] != nil {
			recorded = entry[i].SHA256
		}
		p.compare(f, disk[i], recorded)
	}
	p.Unchanged += len(kept)

	// Every file of the output, in the order of paths: the rendered ones
	// and the kept ones are two sorted lists, and no path is in both.
	// fromPrev is, for each entry, its index in prev.Files when it was
	// kept, -1 when it was rendered: kept files are a part of prev's, in
	// the same order.
	p.entries = make([]ManifestFile, 0, len(out.Files)+len(kept))
	fromPrev := make([]int, 0, len(out.Files)+len(kept))
	i, j, k := 0, 0, 0
	for i < len(out.Files) || j < len(kept) {
		if j == len(kept) || (i < len(out.Files) && out.Files[i].Path < kept[j].Path) {
			f := out.Files[i]
			p.entries = append(p.entries, ManifestFile{Path: f.Path, Kind: f.Kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Sources: f.Specs(), SHA256: f.sha256(), Known: known[i]})
			fromPrev = append(fromPrev, -1)
			i++
			continue
		}
		for prev.Files[k].Path != kept[j].Path {
			k++
		}
		p.entries = append(p.entries, kept[j])
		fromPrev = append(fromPrev, k)
		j++
	}
	var spliced bool
	if p.lock, spliced = spliceLock(oldLock, prev.Files, p.entries, fromPrev); !spliced {
		p.lock = encodeLock(lockVersion, len(p.entries), func(i int) (string, *LockEntry) {
			e := &p.entries[i]
			return e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}
		})
	}
	p.lockSum = hash(p.lock)
	p.lockChanged = p.lockSum != prev.LockSHA256

	// Orphans: what the manifest lists that is not in the output. Both
	// lists are in the order of paths: one walk, not a set of 80,000.
	j = 0
	for _, e := range prev.Files {
		for j < len(p.entries) && p.entries[j].Path < e.Path {
			j++
		}
		if j < len(p.entries) && p.entries[j].Path == e.Path {
			continue
		}
		if err := CheckPath(e.Path); err != nil {
			return nil, ErrNotPartial
		}
		old, err := readIfExists(t, e.Path)
		if err != nil {
			return nil, err
		}
		if old == nil {
			p.gone = append(p.gone, e.Path)
			continue
		}
		edited := e.SHA256 != hash(old)
		if edited && !hasHeader(old) {
			old = nil
		}
		p.Changes = append(p.Changes, Change{Path: e.Path, Status: Removed, Kind: e.Kind, Specs: e.Sources,
			Old: old, HandEdited: edited})
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// spliceLock writes the lock of entries from old, the lock of the last
// run, whose entries are prev: an entry kept from that run (fromPrev[i] >=
// 0, its index in prev) is copied from old as it is, and only the rendered
// ones are written. At a thousand services a one-service edit keeps 80,000
// of 80,000 entries. Where each entry of old starts is counted from prev
// (lockEntryLen), not searched for. ok is false when old is not laid out as
// encodeLock lays out prev's lock, or an entry it copies is not at its
// place.
func spliceLock(old []byte, prev []ManifestFile, entries []ManifestFile, fromPrev []int) (lock []byte, ok bool) {
	// The lock of one null entry: what comes before it, and after.
	one := encodeLock(lockVersion, 1, func(int) (string, *LockEntry) { return "", nil })
	before := one[:bytes.Index(one, []byte(lockEntryOpen+`"`))]
	after := one[bytes.LastIndex(one, []byte(": null"))+len(": null"):]
	if len(prev) == 0 || len(entries) == 0 || !bytes.HasPrefix(old, before) || !bytes.HasSuffix(old, after) {
		return nil, false
	}
	// starts[k] is where prev's entry k starts; each but the last is
	// followed by a comma, and the last by what comes after the entries.
	starts := make([]int, len(prev)+1)
	at := len(before)
	for k := range prev {
		n, ok := lockEntryLen(&prev[k])
		if !ok {
			return nil, false
		}
		starts[k] = at
		at += n + 1
	}
	starts[len(prev)] = at
	if at-1 != len(old)-len(after) {
		return nil, false
	}
	size := len(old)
	for i, k := range fromPrev {
		if k < 0 {
			size += 300 + len(entries[i].Path)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, before...)
	for i, e := range entries {
		last := i == len(entries)-1
		k := fromPrev[i]
		if k < 0 {
			b = appendLockEntry(b, e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}, last)
			continue
		}
		// The entry's text without its comma; it starts with its path.
		text := old[starts[k] : starts[k+1]-1]
		if k < len(prev)-1 && old[starts[k+1]-1] != ',' {
			return nil, false
		}
		if n := len(lockEntryOpen) + 1; !bytes.HasPrefix(text, []byte(lockEntryOpen+`"`)) || len(text) <= n+len(e.Path) || string(text[n:n+len(e.Path)]) != e.Path || text[n+len(e.Path)] != '"' {
			return nil, false
		}
		b = append(b, text...)
		if !last {
			b = append(b, ',')
		}
	}
	return append(b, after...), true
}

// verifyKnown reports whether every file holds the bytes its entry
// records: proved by its Stat when the entry's Known settled, else by
// hashing its bytes. It returns each file as it is known now: a file it
// read is known by the Stat taken before reading it, settled when the file
// changed before then and not while it was read.
func verifyKnown(t *tree.Tree, files []ManifestFile) ([]Known, bool) {
	settled := time.Now().Add(-time.Second).UnixNano()
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Path
	}
	stats := t.Stats(names)
	known := make([]Known, len(files))
	var read []int
	for i, f := range files {
		if f.unchanged(stats[i]) {
			known[i] = f.Known
			continue
		}
		read = append(read, i)
	}
	bad := make([]bool, len(read))
	parallel.For(len(read), func(j int) {
		f := files[read[j]]
		data, err := t.ReadFile(f.Path, maxFileSize)
		bad[j] = err != nil || hash(data) != f.SHA256
	})
	if slices.Contains(bad, true) {
		return nil, false
	}
	if len(read) > 0 {
		again := make([]string, len(read))
		for j, i := range read {
			again[j] = names[i]
		}
		after := t.Stats(again)
		for j, i := range read {
			st := stats[i]
			known[i] = Known{Stat: st, Settled: st.Ino != 0 && st.Ctime < settled && st == after[j]}
		}
	}
	return known, true
}
