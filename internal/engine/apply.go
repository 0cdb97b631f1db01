package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// ErrInterrupted is returned by Apply when its context ends (SIGINT or
// SIGTERM) before the new tree is in place: the tree is as it was.
var ErrInterrupted = errors.New("interrupted; every file is as it was before the run")

// Apply writes the plan, or nothing: nothing when any path is unowned, and
// nothing when it fails or is interrupted part-way.
//
// Every new file is first written, exclusively and with no link on the way,
// into StagingDir. Then each change takes the place of its file one rename
// at a time, the file it replaces moved into StagingDir, so that every step
// can be undone; the lock is the last. Until the lock is in place, an error
// or ctx ending undoes every step taken, newest first. A run that is killed
// (SIGKILL, a power cut) leaves a mix of old and new files, the old lock and
// StagingDir: verify says so, and the next generate removes StagingDir and
// completes the tree, since every file is judged by its bytes.
//
// Files RenderToApply staged are put in place like the others; when the
// plan is not applied, they are removed with StagingDir.
func (p *Plan) Apply(ctx context.Context) error {
	t := p.tree
	if len(p.Unowned) > 0 {
		return p.unstage(&UnownedError{Paths: p.Unowned})
	}
	// Every folder a file goes into is opened once, not once a file.
	defer t.HoldFolders()()
	if _, err := staged(t); err != nil {
		return err
	}
	nothing := len(p.Changes) == 0 && !p.LockChanged()
	if !p.prestaged() || nothing {
		if err := t.RemoveAll(StagingDir); err != nil {
			return err
		}
	}
	if nothing {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return p.unstage(ErrInterrupted)
	}
	s := &staging{plan: p}
	if err := s.stage(ctx); err != nil {
		return errors.Join(err, s.discard(false))
	}
	if err := s.swap(ctx); err != nil {
		if uerr := s.undo(); uerr != nil {
			return fmt.Errorf("%w; undoing it failed: %v; %s still holds the files it replaced", err, uerr, StagingDir)
		}
		return errors.Join(err, s.discard(false))
	}
	// The new tree is in place: what is left is tidying up, never undone.
	// Every file written so far changed before the clock read now (see
	// Known), while StagingDir is there to read it in.
	p.clock = clockAfter(t, p.LockChanged())
	return s.discard(true)
}

// clockAfter reads the file system's clock (tree.Clock) in StagingDir, 0
// when it cannot. When the lock was just put in place, it reads it again,
// for a few milliseconds at most, until it has moved past the lock's
// change: the clock moves in ticks of a few milliseconds, and a lock
// changed within the clock's tick is not known to have settled, so the
// next run would hash its 30 MB (at a thousand services) to prove it.
func clockAfter(t *tree.Tree, lockChanged bool) int64 {
	var lock int64
	if lockChanged {
		lock = t.Stats([]string{LockFile})[0].Ctime
	}
	var c int64
	for range 20 {
		now, err := t.Clock(StagingDir + "/clock")
		if err != nil {
			break
		}
		if c = now; c > lock {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return c
}

// prestaged reports whether RenderToApply staged files for the plan.
func (p *Plan) prestaged() bool { return p.out != nil && p.out.staging }

// unstage returns err of a plan that is not applied, and removes what
// RenderToApply staged for it.
func (p *Plan) unstage(err error) error {
	if p.prestaged() {
		return errors.Join(err, p.tree.RemoveAll(StagingDir))
	}
	return err
}

// staging is one Apply's files in StagingDir and the steps taken so far.
type staging struct {
	plan *Plan
	done []step
}

// step is one rename that put a file in place, and how to take it back.
type step struct {
	path   string // the generated path
	backup string // where the replaced file went, "" when there was none
}

func newName(i int) string { return StagingDir + "/new-" + strconv.Itoa(i) }
func oldName(i int) string { return StagingDir + "/old-" + strconv.Itoa(i) }

const stagedLock = -1

// stage writes every new file, and the new lock, into StagingDir. A
// .gitignore of "*" keeps git from ever adding what a killed run leaves.
func (s *staging) stage(ctx context.Context) error {
	t := s.plan.tree
	if !s.plan.prestaged() {
		if err := t.MkdirAll(StagingDir); err != nil {
			return err
		}
		if err := t.WriteNew(StagingDir+"/.gitignore", []byte("*\n")); err != nil {
			return err
		}
	}
	changes := s.plan.Changes
	errs := make([]error, len(changes))
	parallel.For(len(changes), func(i int) {
		if changes[i].Status == Removed || changes[i].staged != "" || ctx.Err() != nil {
			return
		}
		errs[i] = t.WriteNew(newName(i), changes[i].New)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if s.plan.LockChanged() {
		if err := t.WriteNew(newName(stagedLock), s.plan.lock); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	// Folders for new files, once each: tens of thousands of files go into
	// a few thousand folders.
	made := map[string]bool{}
	for _, c := range changes {
		if dir := path.Dir(c.Path); c.Status == Added && !made[dir] {
			made[dir] = true
			if err := t.MkdirAll(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// swap puts every staged file in its place, then the lock.
func (s *staging) swap(ctx context.Context) error {
	for i, c := range s.plan.Changes {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		from := cmp.Or(c.staged, newName(i))
		if err := s.replace(c.Path, i, from, c.Status != Added, c.Status != Removed); err != nil {
			return err
		}
	}
	// Before the lock, which forgets the orphans: a run killed after it
	// could not know which folders to prune.
	for _, c := range s.plan.Changes {
		if c.Status == Removed {
			s.plan.pruneEmptyDirs(path.Dir(c.Path))
		}
	}
	for _, name := range s.plan.gone {
		s.plan.pruneEmptyDirs(path.Dir(name))
	}
	if !s.plan.LockChanged() {
		return nil
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return s.replace(LockFile, stagedLock, newName(stagedLock), s.plan.hadLock, true)
}

// replace moves the file at name aside (when there is one) as old file i,
// and the staged file from into its place (when there is one), recording
// the step.
func (s *staging) replace(name string, i int, from string, old, staged bool) error {
	t := s.plan.tree
	st := step{path: name}
	if old {
		st.backup = oldName(i)
		if err := t.Rename(name, st.backup); err != nil {
			return err
		}
	}
	if staged {
		if err := t.Rename(from, name); err != nil {
			if st.backup != "" {
				if uerr := t.Rename(st.backup, name); uerr != nil {
					return fmt.Errorf("%w; and putting %s back failed: %v", err, name, uerr)
				}
			}
			return err
		}
	}
	s.done = append(s.done, st)
	return nil
}

// undo takes back every step, newest first.
func (s *staging) undo() error {
	t := s.plan.tree
	var failed []string
	for i := len(s.done) - 1; i >= 0; i-- {
		st := s.done[i]
		var err error
		if st.backup != "" {
			// Its folder may have been pruned with the orphans.
			if err = t.MkdirAll(path.Dir(st.path)); err == nil {
				err = t.Rename(st.backup, st.path)
			}
		} else {
			err = t.Remove(st.path)
			s.plan.pruneEmptyDirs(path.Dir(st.path))
		}
		if err != nil {
			failed = append(failed, st.path)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("these files hold the new content: %s", strings.Join(failed, ", "))
	}
	return nil
}

// discard removes StagingDir and, when the run was undone, the folders
// made for new files.
func (s *staging) discard(committed bool) error {
	err := s.plan.tree.RemoveAll(StagingDir)
	if !committed {
		for _, c := range s.plan.Changes {
			if c.Status == Added {
				s.plan.pruneEmptyDirs(path.Dir(c.Path))
			}
		}
	}
	return err
}

// pruneEmptyDirs removes dir and its parents while they are empty, so that
// removing a service leaves no empty folders behind.
func (p *Plan) pruneEmptyDirs(dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if p.tree.RemoveDir(dir) != nil {
			return
		}
		dir = path.Dir(dir)
	}
}
