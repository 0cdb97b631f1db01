package engine

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
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
// The files it takes are checked against t, for Compare, while it renders,
// or were already by the check prev.CheckSoon started: at a thousand
// services they are tens of thousands, each stat'ed. prev is
// the run's to change: the files it takes are known anew in it, and
// Compare makes it the output's manifest.
func RenderPartial(t *tree.Tree, m *spec.Model, gens []Generator, indexers []Indexer, scope *Scope, prev *Manifest, checks ...Check) (*Output, error) {
	in := NewPartialInput(m, scope)
	// The files taken, by their index in prev.Files: at a thousand
	// services they are 80,000, not copied.
	kept := make([]int, 0, len(prev.Files))
	for k, f := range prev.Files {
		if f.Service != "" && !scope.Has(f.Service) && m.Service(f.Service) != nil {
			kept = append(kept, k)
		}
	}
	var out *Output
	var err error
	var known []Known
	var held bool
	if prev.early != nil {
		// Checked since the specs began to load: only the files kept
		// count.
		out, err = render(context.Background(), in, gens, nil, checks...)
		if early := prev.checked(t); early != nil {
			known, held = make([]Known, len(kept)), true
			for i, k := range kept {
				known[i], held = early.known[k], held && early.held[k]
			}
		} else {
			known, held = verifyKnown(t, len(kept), func(i int) *ManifestFile { return &prev.Files[kept[i]] })
		}
	} else {
		parallel.Do(func() { out, err = render(context.Background(), in, gens, nil, checks...) }, func() {
			known, held = verifyKnown(t, len(kept), func(i int) *ManifestFile { return &prev.Files[kept[i]] })
		})
	}
	if err != nil {
		return nil, err
	}
	out.prev, out.on, out.keptHeld = prev, t, held
	// Filtered in place, beside the rendered files, both in the order of
	// paths.
	out.kept = kept[:0]
	r := 0
	for i, k := range kept {
		f := &prev.Files[k]
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
		out.kept = append(out.kept, k)
	}
	out.readLockSoon(t)
	if len(indexers) > 0 {
		if err := index(in, out, out.Listing(), indexers); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lockRead is the lock as read, and its Stat before and after.
type lockRead struct {
	data          []byte
	before, after tree.Stat
	err           error
}

// readLockSoon starts reading t's lock, which Compare reads next, for
// lockRead to take: it is read while the indexers run, which take one
// core, and at a thousand services it is 30 MB.
func (o *Output) readLockSoon(t *tree.Tree) {
	read := make(chan lockRead, 1)
	go func() { read <- readLockAsIs(t) }()
	o.oldLock = sync.OnceValue(func() lockRead { return <-read })
}

// lockRead is t's lock as readLockSoon read it, or as read now.
func (o *Output) lockRead(t *tree.Tree) lockRead {
	if o.oldLock != nil {
		return o.oldLock()
	}
	return readLockAsIs(t)
}

// readLockAsIs reads the lock between two Stats: when they are the same, the
// bytes read are the ones it held then.
func readLockAsIs(t *tree.Tree) lockRead {
	r := lockRead{before: t.Stats([]string{LockFile})[0]}
	r.data, r.err = t.ReadFile(LockFile, maxLockSize)
	r.after = t.Stats([]string{LockFile})[0]
	return r
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
	lock := out.lockRead(t)
	oldLock := lock.data
	if lock.err != nil {
		return nil, ErrNotPartial
	}
	if !prev.Lock.unchanged(lock.before) || !lock.before.Same(lock.after) {
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
	// fromPrev is, for each, its index in prev.Files when it was kept, -1
	// when it was rendered. When the output's files are the last run's at
	// the same places (an edit that adds or removes no file), prev.Files
	// becomes the output's manifest in place, and the old lock the new one.
	n := len(out.Files) + len(kept)
	aligned := n == len(prev.Files)
	fromPrev := make([]int, 0, n)
	at := make([]int, len(out.Files)) // where each rendered file goes
	i, j := 0, 0
	for i < len(out.Files) || j < len(kept) {
		pos := len(fromPrev)
		if j == len(kept) || (i < len(out.Files) && out.Files[i].Path < prev.Files[kept[j]].Path) {
			aligned = aligned && prev.Files[pos].Path == out.Files[i].Path
			at[i] = pos
			fromPrev = append(fromPrev, -1)
			i++
			continue
		}
		aligned = aligned && kept[j] == pos
		fromPrev = append(fromPrev, kept[j])
		j++
	}
	rendered := make([]ManifestFile, len(out.Files))
	for i, f := range out.Files {
		rendered[i] = ManifestFile{Path: f.Path, Kind: f.Kind, Service: f.Service, PlatformOwned: f.PlatformOwned, Sources: f.Specs(), SHA256: f.sha256(), Known: known[i]}
	}
	// Where each entry of the old lock starts, counted from prev's entries
	// before any is replaced.
	starts, laidOut := lockStarts(oldLock, prev.Files)
	patched, changed := false, false
	if aligned {
		if laidOut {
			p.lock, changed = patchLock(oldLock, starts, at, rendered)
			patched = p.lock != nil
		}
		for i, pos := range at {
			prev.Files[pos] = rendered[i]
		}
		p.entries = prev.Files
	} else {
		p.entries = make([]ManifestFile, n)
		for pos, k := range fromPrev {
			if k >= 0 {
				p.entries[pos] = prev.Files[k]
			}
		}
		for i, pos := range at {
			p.entries[pos] = rendered[i]
		}
	}
	if p.lock == nil && laidOut {
		p.lock = spliceLock(oldLock, starts, p.entries, fromPrev)
	}
	if p.lock == nil {
		p.lock = encodeLock(lockVersion, len(p.entries), func(i int) (string, *LockEntry) {
			e := &p.entries[i]
			return e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}
		})
	}
	if !patched {
		changed = !bytes.Equal(p.lock, oldLock)
	}
	p.lockChanged = changed
	// The manifest records the new lock's hash: 30 MB at a thousand
	// services, hashed on the other core while the plan is applied.
	p.hashLockSoon()

	// Orphans: what the manifest lists that is not in the output; none
	// when aligned. Both lists are in the order of paths: one walk, not a
	// set of 80,000.
	if !aligned {
		if err := p.orphans(t, prev.Files); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// orphans adds to the plan the removal of every file of prev (the last
// run's manifest, in the order of paths) that is not among its entries.
func (p *Plan) orphans(t *tree.Tree, prev []ManifestFile) error {
	j := 0
	for _, e := range prev {
		for j < len(p.entries) && p.entries[j].Path < e.Path {
			j++
		}
		if j < len(p.entries) && p.entries[j].Path == e.Path {
			continue
		}
		if err := CheckPath(e.Path); err != nil {
			return ErrNotPartial
		}
		old, err := readIfExists(t, e.Path)
		if err != nil {
			return err
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
	return nil
}

// lockStarts finds where each entry of old, the lock of the last run whose
// entries are prev, starts, counting from prev (lockEntryLen) instead of
// searching 30 MB for them; starts[len(prev)] is one past the end of the
// last entry, as if it had a comma. ok is false when old is not laid out
// as encodeLock lays out prev's lock.
func lockStarts(old []byte, prev []ManifestFile) (starts []int, ok bool) {
	if len(prev) == 0 || !bytes.HasPrefix(old, lockBefore) || !bytes.HasSuffix(old, lockAfter) {
		return nil, false
	}
	starts = make([]int, len(prev)+1)
	at := len(lockBefore)
	for k := range prev {
		n, ok := lockEntryLen(&prev[k])
		if !ok {
			return nil, false
		}
		starts[k] = at
		at += n + 1
	}
	starts[len(prev)] = at
	if at-1 != len(old)-len(lockAfter) {
		return nil, false
	}
	return starts, true
}

// lockBefore and lockAfter are what comes before a lock's entries, and
// after them: the lock of one null entry, cut around it.
var lockBefore, lockAfter = func() ([]byte, []byte) {
	one := encodeLock(lockVersion, 1, func(int) (string, *LockEntry) { return "", nil })
	return one[:bytes.Index(one, []byte(lockEntryOpen+`"`))], one[bytes.LastIndex(one, []byte(": null"))+len(": null"):]
}()

// oldEntry is the text of entry k of old (see lockStarts), without its
// comma, after checking that it is f's place: it starts with f's path, and
// a comma follows unless it is the last. nil when it is not.
func oldEntry(old []byte, starts []int, k int, path string) []byte {
	text := old[starts[k] : starts[k+1]-1]
	if k < len(starts)-2 && old[starts[k+1]-1] != ',' {
		return nil
	}
	if n := len(lockEntryOpen) + 1; !bytes.HasPrefix(text, []byte(lockEntryOpen+`"`)) || len(text) <= n+len(path) || string(text[n:n+len(path)]) != path || text[n+len(path)] != '"' {
		return nil
	}
	return text
}

// patchLock makes old, the lock of the last run, the lock of an output
// whose files are the same paths at the same places, in place: rendered[i]
// is the entry at place at[i], the others are as they were. At a thousand
// services an edit changes a few entries of 80,000, most often only their
// hashes. changed reports whether any entry's text changed. nil, old
// untouched, when an entry's text changes its length.
func patchLock(old []byte, starts, at []int, rendered []ManifestFile) (lock []byte, changed bool) {
	texts := make([][]byte, len(rendered))
	for i, pos := range at {
		was := oldEntry(old, starts, pos, rendered[i].Path)
		e := &rendered[i]
		texts[i] = appendLockEntry(nil, e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}, true)
		if was == nil || len(texts[i]) != len(was) {
			return nil, true
		}
		changed = changed || !bytes.Equal(texts[i], was)
	}
	for i, pos := range at {
		copy(old[starts[pos]:], texts[i])
	}
	return old, changed
}

// spliceLock writes the lock of entries from old, the lock of the last run
// (see lockStarts): an entry kept from that run (fromPrev[i] >= 0, its
// index there) is copied from old as it is, and only the others are
// written. nil when an entry it copies is not at its place.
func spliceLock(old []byte, starts []int, entries []ManifestFile, fromPrev []int) []byte {
	if len(entries) == 0 {
		return nil
	}
	size := len(old)
	for i, k := range fromPrev {
		if k < 0 {
			size += 300 + len(entries[i].Path)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, lockBefore...)
	for i := range entries {
		e := &entries[i]
		last := i == len(entries)-1
		k := fromPrev[i]
		if k < 0 {
			b = appendLockEntry(b, e.Path, &LockEntry{Kind: e.Kind, Sources: e.Sources, SHA256: e.SHA256}, last)
			continue
		}
		text := oldEntry(old, starts, k, e.Path)
		if text == nil {
			return nil
		}
		b = append(b, text...)
		if !last {
			b = append(b, ',')
		}
	}
	return append(b, lockAfter...)
}

// verifyKnown reports whether every file holds the bytes its entry
// records (checkKnown), and returns each as it is known now.
func verifyKnown(t *tree.Tree, n int, file func(i int) *ManifestFile) ([]Known, bool) {
	known, held := checkKnown(t, n, file)
	if slices.Contains(held, false) {
		return nil, false
	}
	return known, true
}

// checkKnown reports, of each file, whether it holds the bytes its entry
// records: proved by its Stat when the entry's Known settled, else by
// hashing its bytes. It returns each file as it is known now: a file it
// read is known by the Stat taken before reading it, settled when the file
// changed before then and not while it was read.
func checkKnown(t *tree.Tree, n int, file func(i int) *ManifestFile) (known []Known, held []bool) {
	settled := time.Now().Add(-time.Second).UnixNano()
	names := make([]string, n)
	for i := range n {
		names[i] = file(i).Path
	}
	stats := t.Stats(names)
	known, held = make([]Known, n), make([]bool, n)
	var read []int
	for i := range n {
		if f := file(i); f.unchanged(stats[i]) {
			known[i], held[i] = f.Known, true
			continue
		}
		read = append(read, i)
	}
	parallel.For(len(read), func(j int) {
		f := file(read[j])
		data, err := t.ReadFile(f.Path, maxFileSize)
		held[read[j]] = err == nil && hash(data) == f.SHA256
	})
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
	return known, held
}

// CheckSoon starts checking, in the background, every file m lists
// against t (checkKnown), for Holds or RenderPartial to take
// when they need it: at a thousand services the stat of 80,000 files is a
// third of an edit's work, and the caller has specs to load meanwhile. m
// must not change until one of them has taken it. A file changed after the
// check is taken for what the check found, as a file changed after the
// stat of a run that did not check early.
func (m *Manifest) CheckSoon(t *tree.Tree) {
	c := &earlyCheck{on: t, done: make(chan struct{})}
	m.early = c
	files := m.Files
	go func() {
		defer close(c.done)
		c.known, c.held = checkKnown(t, len(files), func(i int) *ManifestFile { return &files[i] })
	}()
}

// earlyCheck is what CheckSoon found: of each file of the manifest, how it
// is known now and whether it holds its bytes.
type earlyCheck struct {
	on    *tree.Tree
	done  chan struct{}
	known []Known
	held  []bool
}

// checked returns what CheckSoon found for the files of m on t, nil when
// it did not check them; it takes the check, which serves once.
func (m *Manifest) checked(t *tree.Tree) *earlyCheck {
	c := m.early
	m.early = nil
	if c == nil || c.on != t {
		return nil
	}
	<-c.done
	if len(c.held) != len(m.Files) {
		return nil
	}
	return c
}
