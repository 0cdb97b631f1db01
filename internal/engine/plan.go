package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Status is how a generated path differs between disk and the output.
type Status int

const (
	Added   Status = iota + 1 // generated, not on disk
	Changed                   // on disk with other bytes
	Removed                   // on disk and owned, but no longer generated (an orphan)
)

func (s Status) String() string {
	return [...]string{"", "added", "changed", "removed"}[s]
}

// Change is one file that generate would write or remove.
type Change struct {
	Path       string
	Status     Status
	Kind       string
	Specs      []string // the specs to edit instead of the file
	Old, New   []byte
	HandEdited bool // the disk differs from what groundwork last wrote there
	// Production: the change alters a production environment's deployed
	// output (see productionScope).
	Production bool
	// staged names the file in StagingDir that holds New when
	// RenderToApply wrote it there (New is nil then).
	staged string
}

// Plan is the difference between an output and the tree at root.
type Plan struct {
	tree      *tree.Tree
	Changes   []Change // sorted by path
	Unchanged int
	// Unowned are paths the output needs that hold files groundwork did not
	// write: it will not overwrite them.
	Unowned []string
	// Staged reports files left in StagingDir by a run that was killed.
	Staged bool

	lock        []byte        // the lock the output needs
	lockSum     func() string // its SHA-256, when hashLockSoon began hashing it
	lockChanged bool          // the lock on disk is not lock
	hadLock     bool          // there is a lock on disk
	gone        []string      // orphans the lock lists that are no longer on disk

	out   *Output
	known []Known // each file of out as it was before Compare read it
	// entries are, after a partial render, every file of the output, the
	// rendered ones and those taken from the manifest, sorted by path.
	entries []ManifestFile
	clock   int64 // the file system's clock after Apply wrote (tree.Clock), 0 if unknown
}

// compare adds what it takes to make f's path hold f to the plan: old is
// the file on disk (nil: there is none), recorded the hash the lock or the
// manifest records for that path ("": it records none). A file with
// neither a record nor a header is someone else's: in the way.
func (p *Plan) compare(f *Rendered, old []byte, recorded string) {
	if old != nil && f.staged == "" && bytes.Equal(old, f.Data) {
		p.Unchanged++
		return
	}
	c := Change{Path: f.Path, Kind: f.Kind, Specs: f.Specs(), Old: old, New: f.Data, Production: f.Production, staged: f.staged}
	if f.sharesProduction {
		c.Production = f.prod.changesProduction(old, f.Data)
	}
	switch {
	case old == nil:
		c.Status = Added
	case recorded != "" || hasHeader(old):
		c.Status = Changed
		c.HandEdited = recorded == "" || recorded != hash(old)
	default:
		p.Unowned = append(p.Unowned, f.Path)
		return
	}
	p.Changes = append(p.Changes, c)
}

// hashLockSoon starts hashing the plan's lock, which must not change
// after, for Manifest to take.
func (p *Plan) hashLockSoon() {
	sum := make(chan string, 1)
	go func(lock []byte) { sum <- hash(lock) }(p.lock)
	p.lockSum = sync.OnceValue(func() string { return <-sum })
}

// LockChanged reports whether the lock file on disk is not the output's.
func (p *Plan) LockChanged() bool { return p.lockChanged }

// Clean reports whether the tree is exactly the output.
func (p *Plan) Clean() bool {
	return len(p.Changes) == 0 && len(p.Unowned) == 0 && !p.LockChanged() && !p.Staged
}

// Compare plans what it takes to make the tree hold exactly out. It reads
// the disk and never writes it. Every path it reads is a generated path or
// one the lock names, checked by ParseLock; a link or a folder on the way is
// a TreeError.
//
// The output of a partial render (RenderPartial) is compared with the
// tree only where it was rendered; the files it took from its manifest are
// checked to be as the manifest knows them. When the tree is not as the
// manifest says (a file or the lock edited, deleted, a staging folder left),
// Compare returns ErrNotPartial, and the caller renders in full.
func Compare(t *tree.Tree, out *Output) (p *Plan, err error) {
	if out.on != nil && out.on != t {
		return nil, errors.New("engine: the output was rendered for another tree")
	}
	if out.prev != nil {
		return comparePartial(t, out)
	}
	if out.staging {
		// What RenderToApply staged goes with the plan that fails.
		defer func() {
			if err != nil {
				err = errors.Join(err, t.RemoveAll(StagingDir))
			}
		}()
	}
	// The lock the output needs: every file's hash, taken on every core,
	// written in the order of the output's paths.
	parallel.Split(len(out.Files), func(_, i int) { out.Files[i].sha256() })
	p = &Plan{tree: t, out: out, lock: encodeLock(lockVersion, len(out.Files), func(i int) (string, *LockEntry) {
		f := out.Files[i]
		return f.Path, &LockEntry{Kind: f.Kind, Sources: f.Specs(), SHA256: f.sha256()}
	})}
	p.hashLockSoon()
	// lock is nil when the tree's lock is the one the output needs.
	lock, oldLockData, err := readLock(t, out.lockRead(t), p.lock)
	if err != nil {
		return nil, err
	}
	p.hadLock = oldLockData != nil
	p.lockChanged = lock != nil
	// StagingDir is RenderToApply's own when it staged files: any a killed
	// run left, it removed.
	if p.Staged, err = staged(t); err != nil {
		return nil, err
	}
	p.Staged = p.Staged && !out.staging

	disk, known, err := readOutput(t, out, nil)
	if err != nil {
		return nil, err
	}
	p.known = known
	for i, f := range out.Files {
		if f.held {
			p.Unchanged++
			continue
		}
		sum := f.sha256()
		if lock != nil {
			sum = ""
			if entry := lock.Files[f.Path]; entry != nil {
				sum = entry.SHA256
			}
		}
		p.compare(f, disk[i], sum)
	}

	// Orphans: what the tree's lock lists that the output does not; none
	// when it is the output's.
	var listed []string
	if lock != nil {
		listed = slices.Sorted(maps.Keys(lock.Files))
	}
	for _, name := range listed {
		if out.File(name) != nil {
			continue
		}
		old, err := readIfExists(t, name)
		if err != nil {
			return nil, err
		}
		if old == nil {
			// Already gone (a run killed after moving it aside): the new
			// lock forgets it, and Apply prunes the folders it leaves.
			p.gone = append(p.gone, name)
			continue
		}
		e := lock.Files[name]
		// An orphan is shown in a diff only as groundwork wrote it: a file
		// put at a path a hand-edited lock names is removed unseen.
		edited := e.SHA256 != hash(old)
		if edited && !hasHeader(old) {
			old = nil
		}
		p.Changes = append(p.Changes, Change{Path: name, Status: Removed, Kind: e.Kind, Specs: e.Sources,
			Old: old, HandEdited: edited})
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// readOutput reads the file at every path of out, nil where there is none,
// and says what each was like just before it was read (see Known). A file
// for which known, given its Stat, says how it is known holds out's bytes
// already: it is not read.
func readOutput(t *tree.Tree, out *Output, known func(i int, st tree.Stat) (Known, bool)) ([][]byte, []Known, error) {
	// Taken before any Stat: a file that changed before the bound changed
	// before it was read. A second covers the tick of the file system's
	// clock and file systems that keep whole seconds.
	settled := time.Now().Add(-time.Second).UnixNano()
	disk := make([][]byte, len(out.Files))
	was := make([]Known, len(out.Files))
	errs := make([]error, len(out.Files))
	// Those the tree held when they were rendered (see settle) are known.
	var todo []int
	var names []string
	for i, f := range out.Files {
		if f.held {
			was[i] = f.known
			continue
		}
		todo = append(todo, i)
		names = append(names, f.Path)
	}
	stats := t.Stats(names)
	parallel.For(len(todo), func(j int) {
		i, st := todo[j], stats[j]
		if known != nil {
			if k, ok := known(i, st); ok {
				disk[i], was[i] = out.Files[i].Data, k
				return
			}
		}
		was[i] = Known{Stat: st, Settled: st.Ino != 0 && st.Ctime < settled}
		f := out.Files[i]
		disk[i], errs[i] = readIfExists(t, f.Path)
		// A file that holds the output's bytes is let go of at once: at a
		// thousand services the tree is hundreds of megabytes, which must
		// not be held beside the output.
		if disk[i] != nil && f.Data != nil && bytes.Equal(disk[i], f.Data) {
			disk[i] = f.Data
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return disk, was, nil
}

// settleFunc prepares for a generator's files (before their headers are
// on) and returns what to do with each once it is rendered: r, whose bytes
// are h joined. It sets r.Data to them unless it lets go of them.
type settleFunc func(files []File) func(i int, r *Rendered, h headed)

// settler marks each file that t holds with the file's very bytes as
// held, with its hash and how it was known when read (see readOutput),
// without joining its bytes. With a stager, a file where t holds no plain
// file is staged (see RenderToApply). Any other file, a path in the way or
// unreadable included, is left for Compare, which says what is wrong with
// it.
func settler(t *tree.Tree, s *stager) settleFunc {
	return func(files []File) func(int, *Rendered, headed) {
		settled := time.Now().Add(-time.Second).UnixNano()
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Path
		}
		stats := t.Stats(names)
		return func(i int, f *Rendered, h headed) {
			st := stats[i]
			if st.Ino == 0 && s != nil {
				// Nothing there, or something in the way, which Compare
				// refuses, and the staged file goes with StagingDir.
				s.stage(f, h)
				return
			}
			if st.Ino == 0 || st.Size != int64(h.len()) || !holds(t, f.Path, h) {
				f.Data = h.bytes()
				return
			}
			f.sum = h.sum()
			f.known = Known{Stat: st, Settled: st.Ctime < settled}
			f.held = true
		}
	}
}

// holds reports whether t holds h's bytes at name, read into a buffer
// kept for the next file.
func holds(t *tree.Tree, name string, h headed) bool {
	buf := readBuffers.Get().(*[]byte)
	data, err := t.ReadFileInto(name, maxFileSize, *buf)
	same := err == nil && h.equal(data)
	if cap(data) <= maxKeptBuffer {
		*buf = data[:0]
	}
	readBuffers.Put(buf)
	return same
}

// readBuffers are what holds reads into; one over maxKeptBuffer is not
// kept.
var readBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxKeptBuffer = 4 << 20

// readIfExists returns a file's bytes, or nil when there is no file. A
// link, a folder or a special file where a file should be is a TreeError.
func readIfExists(t *tree.Tree, name string) ([]byte, error) {
	data, err := t.ReadFile(name, maxFileSize)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		if tree.Hostile(err) {
			return nil, &TreeError{Msg: err.Error() + "; nothing was written"}
		}
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// UnownedError is returned when generate would overwrite files that
// groundwork did not write.
type UnownedError struct{ Paths []string }

func (e *UnownedError) Error() string {
	var b strings.Builder
	for _, p := range e.Paths {
		fmt.Fprintf(&b, "%s: not written by groundwork (no header, not in %s); refusing to overwrite it: move it away, or delete it if the generated file should replace it\n", p, LockFile)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// staged reports whether a killed run left StagingDir. Anything but a plain
// folder there (a link, planted so that staged files land elsewhere) is
// refused.
func staged(t *tree.Tree) (bool, error) {
	there, err := t.Exists(StagingDir)
	if err != nil || !there {
		return false, err
	}
	if dir, err := t.IsDir(StagingDir); err != nil || !dir {
		return false, &TreeError{Msg: fmt.Sprintf("%s: not a plain folder (a link or a file); groundwork stages its files there: remove it, then run again", StagingDir)}
	}
	return true, nil
}

// Lock is the lock file the output needs.
func (p *Plan) Lock() []byte { return p.lock }
