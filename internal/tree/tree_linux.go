package tree

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Tree is an open repository root.
type Tree struct {
	dir string
	fd  int
	// held keeps the folders opened while HoldFolders holds them.
	held *folders
}

// folders are folders of the tree opened once for a stretch of work, by
// path. A folder removed or renamed through the tree is retired, not
// closed: a writer may still be in it, and its descriptor must not be
// reused under it.
type folders struct {
	mu  sync.Mutex
	fds map[string]int
	// under counts, for every path, the folders held at it or beneath
	// it: a name none is under is forgotten at once.
	under   map[string]int
	retired []int
}

// HoldFolders keeps every folder the tree opens to write, rename or remove
// in open until release: at a thousand services a first generate puts
// 81,000 files into 5,000 folders, and opening the folders again, with no
// link on the way, for every file took 362,000 openat2 calls and 265,000
// closes; held, 190,000 and 92,000. A folder is reached with
// no link on the way when first opened; a folder moved or replaced after
// that by another process than this run is not seen. Holding twice holds
// once: the inner release does nothing.
func (t *Tree) HoldFolders() (release func()) {
	if t.held != nil {
		return func() {}
	}
	t.held = &folders{fds: map[string]int{}, under: map[string]int{}}
	return func() {
		h := t.held
		t.held = nil
		for _, fd := range h.fds {
			unix.Close(fd)
		}
		for _, fd := range h.retired {
			unix.Close(fd)
		}
	}
}

// folder opens the folder dir, with no link on the way, or takes it from
// the folders held; done lets go of it.
func (t *Tree) folder(op, dir string) (fd int, done func(), err error) {
	h := t.held
	if h == nil {
		fd, err := t.open(op, dir, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return -1, nil, err
		}
		return fd, func() { unix.Close(fd) }, nil
	}
	h.mu.Lock()
	fd, ok := h.fds[dir]
	h.mu.Unlock()
	if ok {
		return fd, func() {}, nil
	}
	if fd, err = t.open(op, dir, unix.O_PATH|unix.O_DIRECTORY, 0); err != nil {
		return -1, nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if was, ok := h.fds[dir]; ok {
		unix.Close(fd)
		return was, func() {}, nil
	}
	h.fds[dir] = fd
	for d := dir; ; d = path.Dir(d) {
		h.under[d]++
		if d == "." || d == "/" {
			break
		}
	}
	return fd, func() {}, nil
}

// forget retires the held folder name and every folder beneath it, once
// it is removed or moved.
func (t *Tree) forget(name string) {
	h := t.held
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.under[name] == 0 {
		return
	}
	for d, fd := range h.fds {
		if d != name && !strings.HasPrefix(d, name+"/") {
			continue
		}
		h.retired = append(h.retired, fd)
		delete(h.fds, d)
		for u := d; ; u = path.Dir(u) {
			if h.under[u]--; h.under[u] == 0 {
				delete(h.under, u)
			}
			if u == "." || u == "/" {
				break
			}
		}
	}
}

// Open opens the repository at dir. dir itself may be reached through links:
// it is what the user named; nothing beneath it is.
func Open(dir string) (*Tree, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return &Tree{dir: dir, fd: fd}, nil
}

// Close releases the root, and with it the lock Lock took.
func (t *Tree) Close() error { return unix.Close(t.fd) }

// Lock takes the tree for this process: exclusively for a run that writes,
// shared for one that only reads. It never waits: a second run on the same
// tree learns at once that another is going. The kernel drops the lock when
// the process ends, however it ends.
func (t *Tree) Lock(exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(t.fd, how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return ErrBusy
		}
		return &os.PathError{Op: "lock", Path: t.dir, Err: err}
	}
}

const resolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// open resolves name beneath the root with no link on the way.
func (t *Tree) open(op, name string, flags int, mode uint32) (int, error) {
	if err := checkName(op, name); err != nil {
		return -1, err
	}
	if name == "" {
		name = "."
	}
	return openBeneath(t.fd, op, name, name, flags, mode)
}

// openBeneath opens rel beneath the folder dirfd with no link on the way;
// name is what errors call it.
func openBeneath(dirfd int, op, name, rel string, flags int, mode uint32) (int, error) {
	// RESOLVE_NO_SYMLINKS refuses a link anywhere, the last element included
	// (no O_NOFOLLOW: with O_PATH it would return the link itself).
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: uint64(mode), Resolve: resolve}
	for range 16 {
		fd, err := unix.Openat2(dirfd, rel, &how)
		if err == nil {
			return fd, nil
		}
		// EAGAIN: a rename raced the lookup; the kernel asks to retry.
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		return -1, &Error{Op: op, Path: name, Err: cause(err)}
	}
	return -1, &Error{Op: op, Path: name, Err: unix.EAGAIN}
}

// cause maps the kernel's refusals to this package's errors.
func cause(err error) error {
	switch {
	case errors.Is(err, unix.ELOOP):
		return ErrLink
	case errors.Is(err, unix.EXDEV):
		return errEscape
	case errors.Is(err, unix.ENOENT):
		return fs.ErrNotExist
	case errors.Is(err, unix.EEXIST):
		return fs.ErrExist
	case errors.Is(err, unix.ENOTDIR):
		return ErrNotFolder
	}
	return err
}

// ReadFile returns the bytes of the plain file name. A missing file is an
// error that errors.Is(err, fs.ErrNotExist) reports; a folder, pipe or device
// is ErrNotRegular (opened without blocking, so a planted pipe cannot hang
// the run); a file over limit bytes is ErrTooLarge.
func (t *Tree) ReadFile(name string, limit int64) ([]byte, error) {
	return t.ReadFileInto(name, limit, nil)
}

// ReadFileInto is ReadFile, reading into buf when the file fits in its
// capacity: a caller that compares tens of thousands of files and lets go
// of their bytes at once reads them all into one buffer.
func (t *Tree) ReadFileInto(name string, limit int64, buf []byte) ([]byte, error) {
	fd, err := t.open("read", name, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &Error{Op: "read", Path: name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, &Error{Op: "read", Path: name, Err: ErrNotRegular}
	}
	if st.Size > limit {
		return nil, &Error{Op: "read", Path: name, Err: ErrTooLarge}
	}
	// Read with the fd itself, into a buffer of the file's size (plus one
	// byte to see it grow): tens of thousands of files are read per run,
	// and an os.File would register each with the poller.
	data := buf[:cap(buf)]
	if int64(len(data)) < st.Size+1 {
		data = make([]byte, st.Size+1)
	}
	n := 0
	for {
		m, err := unix.Read(fd, data[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &Error{Op: "read", Path: name, Err: err}
		}
		if m == 0 {
			return data[:n], nil
		}
		n += m
		if int64(n) > limit {
			return nil, &Error{Op: "read", Path: name, Err: ErrTooLarge}
		}
		if n == len(data) {
			data = append(data, make([]byte, len(data))...)
		}
	}
}

// ReadDir lists the folder name. Entries keep their own type: a link is
// reported as a link, never as what it points to.
func (t *Tree) ReadDir(name string) ([]Entry, error) {
	fd, err := t.open("list", name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, &Error{Op: "list", Path: name, Err: err}
	}
	return entries(des), nil
}

// IsDir reports whether name is a folder, reached with no link on the way.
func (t *Tree) IsDir(name string) (bool, error) {
	fd, err := t.open("stat", name, unix.O_PATH, 0)
	if err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false, &Error{Op: "stat", Path: name, Err: err}
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

// Exists reports whether anything (a file, a folder, a link) is at name.
func (t *Tree) Exists(name string) (bool, error) {
	parent, base, done, err := t.parent("stat", name)
	if err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, err
	}
	defer done()
	var st unix.Stat_t
	err = unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, &Error{Op: "stat", Path: name, Err: err}
	}
	return true, nil
}

// parent opens the folder that holds name, with no link on the way (or
// takes it from the folders held), and returns it with name's last
// element; done lets go of it.
func (t *Tree) parent(op, name string) (fd int, base string, done func(), err error) {
	if err := checkName(op, name); err != nil || name == "" || name == "." {
		if err == nil {
			err = &Error{Op: op, Path: name, Err: errEscape}
		}
		return -1, "", nil, err
	}
	fd, done, err = t.folder(op, path.Dir(name))
	if err != nil {
		return -1, "", nil, err
	}
	return fd, path.Base(name), done, nil
}

// MkdirAll makes the folder name and its parents. An existing component
// that is a link or a file is refused, not followed.
func (t *Tree) MkdirAll(name string) error {
	if name == "" || name == "." {
		return nil
	}
	_, done, err := t.folder("mkdir", name)
	if err == nil {
		done()
		return nil
	}
	if !isNotExist(err) {
		return err
	}
	if err := t.MkdirAll(path.Dir(name)); err != nil {
		return err
	}
	parent, base, done, err := t.parent("mkdir", name)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Mkdirat(parent, base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return &Error{Op: "mkdir", Path: name, Err: cause(err)}
	}
	// Made now or by a racing writer: either way it must be a real folder.
	_, made, err := t.folder("mkdir", name)
	if err != nil {
		return err
	}
	made()
	return nil
}

// WriteNew creates name, which must not exist (not even as a link), and
// writes data to it: the pieces given one after the other, in one call
// where it can (a generated file and its header need not be joined).
func (t *Tree) WriteNew(name string, data ...[]byte) error {
	fd, err := t.create(name)
	if err != nil {
		return err
	}
	pieces := make([][]byte, 0, len(data))
	for _, d := range data {
		if len(d) > 0 {
			pieces = append(pieces, d)
		}
	}
	for len(pieces) > 0 {
		n, werr := unix.Writev(fd, pieces)
		if errors.Is(werr, unix.EINTR) {
			continue
		}
		if werr != nil {
			err = werr
			break
		}
		for n > 0 {
			if n < len(pieces[0]) {
				pieces[0] = pieces[0][n:]
				break
			}
			n -= len(pieces[0])
			pieces = pieces[1:]
		}
	}
	if err := errors.Join(err, unix.Close(fd)); err != nil {
		t.Remove(name)
		return &Error{Op: "write", Path: name, Err: err}
	}
	return nil
}

// create makes the plain file name, which must not exist, for writing: in
// its folder when the folders are held, else from the root.
func (t *Tree) create(name string) (int, error) {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL
	if t.held == nil {
		return t.open("write", name, flags, 0o644)
	}
	parent, base, done, err := t.parent("write", name)
	if err != nil {
		return -1, err
	}
	defer done()
	return openBeneath(parent, "write", name, base, flags, 0o644)
}

// Rename moves oldname to newname, replacing what newname holds; a link at
// newname is replaced, never followed.
func (t *Tree) Rename(oldname, newname string) error {
	op, ob, odone, err := t.parent("rename", oldname)
	if err != nil {
		return err
	}
	defer odone()
	np, nb, ndone, err := t.parent("rename", newname)
	if err != nil {
		return err
	}
	defer ndone()
	if err := unix.Renameat(op, ob, np, nb); err != nil {
		return &Error{Op: "rename", Path: oldname + " -> " + newname, Err: cause(err)}
	}
	// Were it a folder held, it is elsewhere now.
	t.forget(oldname)
	return nil
}

// Remove deletes the file (or link) name; a missing file is no error.
func (t *Tree) Remove(name string) error {
	return t.unlink(name, 0)
}

// RemoveDir deletes the empty folder name.
func (t *Tree) RemoveDir(name string) error {
	return t.unlink(name, unix.AT_REMOVEDIR)
}

func (t *Tree) unlink(name string, flags int) error {
	parent, base, done, err := t.parent("remove", name)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Unlinkat(parent, base, flags); err != nil && !errors.Is(err, unix.ENOENT) {
		return &Error{Op: "remove", Path: name, Err: cause(err)}
	}
	if flags&unix.AT_REMOVEDIR != 0 {
		t.forget(name)
	}
	return nil
}

// RemoveAll deletes name and everything beneath it; links are removed, not
// followed.
func (t *Tree) RemoveAll(name string) error {
	entries, err := t.ReadDir(name)
	switch {
	case isNotExist(err):
		return nil
	case errors.Is(err, ErrLink) || errors.Is(err, ErrNotFolder):
		return t.Remove(name) // a file or a link: unlink it, whatever it points to
	case err != nil:
		return err
	}
	for _, e := range entries {
		child := path.Join(name, e.Name)
		if e.Type.IsDir() {
			err = t.RemoveAll(child)
		} else {
			err = t.Remove(child)
		}
		if err != nil {
			return err
		}
	}
	return t.RemoveDir(name)
}

// Stats returns the Stat of each plain file named, the zero Stat for one
// that is missing, is not a plain file (a link is not followed) or cannot
// be reached with no link on the way. Each folder is opened once.
func (t *Tree) Stats(names []string) []Stat {
	out := make([]Stat, len(names))
	// The names, in runs of one folder: in a sorted list (a manifest's)
	// each folder is one run, opened once; a folder whose names are apart
	// is opened once a run.
	type run struct {
		dir        string
		start, end int // its names' indices, idx[start:end]
	}
	var runs []run
	idx := make([]int, 0, len(names))
	for i, n := range names {
		if checkName("stat", n) != nil || n == "" || n == "." {
			continue
		}
		d := "." // n is clean: its folder is what comes before its last slash
		if k := strings.LastIndexByte(n, '/'); k >= 0 {
			d = n[:k]
		}
		if len(runs) == 0 || runs[len(runs)-1].dir != d {
			runs = append(runs, run{dir: d, start: len(idx)})
		}
		idx = append(idx, i)
		runs[len(runs)-1].end = len(idx)
	}
	statRun := func(r run) {
		fd, err := t.open("stat", r.dir, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		for _, i := range idx[r.start:r.end] {
			var st unix.Stat_t
			base := names[i][strings.LastIndexByte(names[i], '/')+1:]
			if err := unix.Fstatat(fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
				continue
			}
			out[i] = Stat{Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: st.Ino, Dev: st.Dev}
		}
	}
	parallel.For(len(runs), func(i int) { statRun(runs[i]) })
	return out
}

// Clock returns the time the file system stamps a file changed now with,
// in nanoseconds since the epoch: a file whose change time is before it was
// last changed before now. It creates and removes name, a plain file that
// must not exist.
func (t *Tree) Clock(name string) (int64, error) {
	parent, base, done, err := t.parent("write", name)
	if err != nil {
		return 0, err
	}
	defer done()
	fd, err := unix.Openat(parent, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return 0, &Error{Op: "write", Path: name, Err: cause(err)}
	}
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	unix.Close(fd)
	if rerr := unix.Unlinkat(parent, base, 0); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return 0, &Error{Op: "write", Path: name, Err: err}
	}
	return st.Ctim.Nano(), nil
}
