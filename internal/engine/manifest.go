package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Manifest is what a run that left the tree clean knows of every generated
// file: its lock entry, the service it is made for alone (File.Service), and
// its Stat once it held the lock's bytes. The run cache keeps it outside the
// tree, where a pull request cannot reach; the lock in the tree is taken for
// the one a manifest describes only when it hashes to LockSHA256, and a
// file for the one it lists only when its Stat is the same or its bytes hash
// to the entry's. A partial render (RenderPartial) takes the files it does
// not render from it.
type Manifest struct {
	LockSHA256 string
	Lock       Known
	Files      []ManifestFile // sorted by path

	// read is the encoded manifest its files' lines (ManifestFile.line)
	// were read from, nil when it was not read from one.
	read *encoded
	// early is the check CheckSoon started, until taken.
	early *earlyCheck
}

// encoded is what a manifest read from its encoding keeps of it: the
// table of sources its lines number theirs in, for the lines to be copied
// (AppendUnsummed), and its paths, for a delta to say which are gone
// (AppendDelta).
type encoded struct {
	table []string
	paths []string
}

// ManifestFile is one generated file of a Manifest.
type ManifestFile struct {
	Path, Kind, Service string
	PlatformOwned       bool // see File.PlatformOwned
	Sources             []string
	SHA256              string
	Known

	// line is the line of an encoded manifest the file was read from,
	// while the file is as read; "" once its Known changes (know), and
	// for a file not read from one. Encoding a manifest whose files keep
	// their lines copies them (see AppendEncode).
	line string
}

// know sets how the file is known now.
func (f *ManifestFile) know(k Known) {
	if f.Known != k {
		f.Known, f.line = k, ""
	}
}

// Known is how a file was on disk when it held the bytes a run expected.
type Known struct {
	Stat tree.Stat
	// Settled: the file had last changed before the Stat was taken, on the
	// file system's own clock, so that any later change moves its change
	// time. Only then does an equal Stat prove the same bytes: a file
	// changed twice within one tick of the clock keeps its change time.
	Settled bool
}

// unchanged reports whether a file whose Stat is now st still holds the
// bytes it held when k was taken.
func (k Known) unchanged(st tree.Stat) bool { return k.Settled && k.Stat.Same(st) }

// file returns the entry of path, or nil.
func (m *Manifest) file(path string) *ManifestFile {
	i, ok := slices.BinarySearchFunc(m.Files, path, func(f ManifestFile, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return nil
	}
	return &m.Files[i]
}

// Manifest is what the tree holds once the plan is applied (or, for a
// plan that is Clean, what it holds now): call it right after Apply. A
// file the run did not write is known as Compare found it; one it wrote is
// stat'ed now, and has settled when it changed before the clock Apply read
// once it had written, or a second ago (see Known). A file changed by someone else while
// the run wrote is taken for what the run wrote, as git takes a file
// changed while it checks out: the race is the run's writing, not later.
func (p *Plan) Manifest() *Manifest {
	settled := max(p.clock, time.Now().Add(-time.Second).UnixNano())
	written := map[string]bool{}
	for _, c := range p.Changes {
		if c.Status != Removed {
			written[c.Path] = true
		}
	}
	var lockSum string
	if p.lockSum != nil {
		lockSum = p.lockSum()
	} else {
		lockSum = hash(p.lock)
	}
	m := &Manifest{LockSHA256: lockSum, Files: p.entries}
	if p.out.prev != nil {
		// The files kept from the last run's manifest keep their lines.
		m.read = p.out.prev.read
	}
	if m.Files == nil {
		m.Files = make([]ManifestFile, len(p.out.Files))
		parallel.Split(len(p.out.Files), func(_, i int) {
			r := p.out.Files[i]
			m.Files[i] = ManifestFile{Path: r.Path, Kind: r.Kind, Service: r.Service, PlatformOwned: r.PlatformOwned, Sources: r.Specs(), SHA256: r.sha256(), Known: p.known[i]}
		})
	}
	var names []string
	var at []int // the index in m.Files of names[i], -1 for the lock
	for i, f := range m.Files {
		if written[f.Path] {
			names = append(names, f.Path)
			at = append(at, i)
		}
	}
	names = append(names, LockFile)
	at = append(at, -1)
	for i, st := range p.tree.Stats(names) {
		known := Known{Stat: st, Settled: st.Ino != 0 && st.Ctime < settled}
		if at[i] < 0 {
			m.Lock = known
			continue
		}
		m.Files[at[i]].know(known)
	}
	return m
}

// Holds reports whether the tree holds, untouched, what the run that
// recorded m left: every file m lists, and the lock, with the bytes m
// records (see verifyKnown), and no staging folder. It returns m as it is
// to be recorded now: m itself, or, when it had to read files, a copy that
// knows them anew.
func (m *Manifest) Holds(t *tree.Tree) (*Manifest, bool) {
	if staged, err := staged(t); err != nil || staged {
		return nil, false
	}
	lock := ManifestFile{Path: LockFile, SHA256: m.LockSHA256, Known: m.Lock}
	var known []Known
	if early := m.checked(t); early != nil {
		lockKnown, ok := verifyKnown(t, 1, func(int) *ManifestFile { return &lock })
		if !ok || slices.Contains(early.held, false) {
			return nil, false
		}
		known = append(slices.Clip(early.known), lockKnown[0])
	} else {
		files := append(slices.Clip(m.Files), lock)
		var ok bool
		if known, ok = verifyKnown(t, len(files), func(i int) *ManifestFile { return &files[i] }); !ok {
			return nil, false
		}
	}
	same := m.Lock == known[len(m.Files)]
	for i := 0; same && i < len(m.Files); i++ {
		same = m.Files[i].Known == known[i]
	}
	if same {
		return m, true
	}
	out := &Manifest{LockSHA256: m.LockSHA256, Lock: known[len(m.Files)], Files: slices.Clone(m.Files), read: m.read}
	for i := range out.Files {
		out.Files[i].know(known[i])
	}
	return out, true
}

// manifestMagic starts an encoded manifest; the number changes with the
// format.
const manifestMagic = "groundwork manifest 2\n"

// Encode gives the manifest's bytes: lines of fields, sources numbered
// once (a shared file lists every service spec), and a checksum, so that a
// cache file cut short is no manifest. It returns nil when a field cannot
// be written in this format; the run then simply records none.
func (m *Manifest) Encode() []byte { return m.AppendEncode(nil) }

// AppendEncode appends what Encode gives to b, or returns nil as Encode
// does: a record that holds the manifest after lines of its own is one
// buffer, not two of 17 MB at a thousand services.
func (m *Manifest) AppendEncode(b []byte) []byte {
	start := len(b)
	b = m.AppendUnsummed(b)
	if b == nil {
		return nil
	}
	sum := sha256.Sum256(b[start:])
	b = append(b, "sum "...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, '\n')
}

// AppendUnsummed is AppendEncode without the checksum, for a file whose
// writer checksums it whole (the run record): at a thousand services the
// manifest is 17 MB, hashed once on the way out and once on the way in
// instead of twice. DecodeUnsummed reads it.
func (m *Manifest) AppendUnsummed(b []byte) []byte {
	// The table the files' lines number their sources in serves when it
	// holds every source of the files without a line: their lines are
	// copied (at a thousand services an edit keeps 80,000 files of
	// 80,000), the others numbered in it. Else every source is numbered
	// anew, in the order the files name them.
	var sources []string
	if m.read != nil {
		sources = m.read.table
	}
	reuse := len(sources) > 0
	ids := make(map[string]int, len(sources))
	for i, s := range sources {
		ids[s] = i
	}
	for i := 0; reuse && i < len(m.Files); i++ {
		if m.Files[i].line != "" {
			continue
		}
		for _, s := range m.Files[i].Sources {
			if _, ok := ids[s]; !ok {
				reuse = false
				break
			}
		}
	}
	if !reuse {
		ids, sources = map[string]int{}, nil
		for _, f := range m.Files {
			for _, s := range f.Sources {
				if _, ok := ids[s]; !ok {
					ids[s] = len(sources)
					sources = append(sources, s)
				}
			}
		}
	}
	// A line is about 210 bytes at a thousand services: room for the
	// whole, and the record's checksum after it, without copying 17 MB.
	b = slices.Grow(b, 64+len(m.Files)*lineRoom)
	b = append(b, manifestMagic...)
	b = append(b, "lock "...)
	b = append(b, m.LockSHA256...)
	b = appendKnown(b, m.Lock)
	b = append(b, '\n')
	b = append(b, "sources "...)
	b = strconv.AppendInt(b, int64(len(sources)), 10)
	b = append(b, '\n')
	for _, s := range sources {
		if !plainField(s) {
			return nil
		}
		b = append(b, s...)
		b = append(b, '\n')
	}
	b = append(b, "files "...)
	b = strconv.AppendInt(b, int64(len(m.Files)), 10)
	b = append(b, '\n')
	// The lines of many files (80,000 at a thousand services, written
	// after every full render) are written in two halves, each on a core:
	// a file's line depends on it and the table alone.
	if len(m.Files) < splitEntries {
		return appendFileLines(b, m.Files, ids, reuse)
	}
	half := len(m.Files) / 2
	var second []byte
	parallel.Do(func() { b = appendFileLines(b, m.Files[:half], ids, reuse) }, func() {
		second = appendFileLines(make([]byte, 0, (len(m.Files)-half)*lineRoom), m.Files[half:], ids, reuse)
	})
	if b == nil || second == nil {
		return nil
	}
	return append(b, second...)
}

// lineRoom is the room made for a file's line of an encoded manifest.
const lineRoom = 256

// appendFileLines appends the lines of files, their sources numbered by
// ids; nil when a field cannot be written (see Encode). Lines read with
// the table of ids are copied when reuse is set.
func appendFileLines(b []byte, files []ManifestFile, ids map[string]int, reuse bool) []byte {
	for _, f := range files {
		if reuse && f.line != "" {
			b = append(b, f.line...)
			b = append(b, '\n')
			continue
		}
		if !plainField(f.Path) || !plainField(f.Kind) || !validSHA256(f.SHA256) || (f.Service != "" && !plainField(f.Service)) {
			return nil
		}
		b = append(b, f.Path...)
		b = append(b, ' ')
		b = append(b, f.Kind...)
		b = append(b, ' ')
		b = append(b, cmpOr(f.Service, "-")...)
		if f.PlatformOwned {
			b = append(b, " platform "...)
		} else {
			b = append(b, " team "...)
		}
		b = append(b, f.SHA256...)
		b = append(b, ' ')
		if len(f.Sources) == 0 {
			b = append(b, '-')
		}
		for i, s := range f.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(ids[s]), 10)
		}
		b = appendKnown(b, f.Known)
		b = append(b, '\n')
	}
	return b
}

func cmpOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// plainField is a string the format writes as it is: no space, no line
// break, not "-", not empty.
func plainField(s string) bool { return s != "-" && plainPath(s) }

func appendKnown(b []byte, k Known) []byte {
	for _, n := range []int64{k.Stat.Size, k.Stat.Mtime, k.Stat.Ctime} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, n, 10)
	}
	for _, n := range []uint64{k.Stat.Ino, k.Stat.Dev} {
		b = append(b, ' ')
		b = strconv.AppendUint(b, n, 10)
	}
	if k.Settled {
		return append(b, " 1"...)
	}
	return append(b, " 0"...)
}

var errManifest = errors.New("not a manifest groundwork wrote")

// DecodeManifest reads what Encode wrote. Anything else, a file cut short
// or changed included, is an error: the caller renders in full.
//
// The manifest's strings are slices of data, not copies (at a thousand
// services data is 17 MB, and copying it was a third of an edit's peak
// memory): the caller hands data over and never changes it again.
func DecodeManifest(data []byte) (*Manifest, error) {
	body, sumLine, ok := cutLastLine(data)
	if !ok || !strings.HasPrefix(sumLine, "sum ") {
		return nil, errManifest
	}
	sum := sha256.Sum256(body)
	if sumLine[len("sum "):] != hex.EncodeToString(sum[:]) {
		return nil, errManifest
	}
	return DecodeUnsummed(body)
}

// DecodeUnsummed reads what AppendUnsummed wrote, which its caller has
// checked whole, as DecodeManifest does.
func DecodeUnsummed(body []byte) (*Manifest, error) {
	text := unsafe.String(unsafe.SliceData(body), len(body))
	if !strings.HasPrefix(text, manifestMagic) {
		return nil, errManifest
	}
	lines := text[len(manifestMagic):]
	next := func() (string, bool) {
		l, rest, ok := strings.Cut(lines, "\n")
		if !ok {
			return "", false
		}
		lines = rest
		return l, true
	}
	m := &Manifest{}
	l, _ := next()
	f := strings.Split(l, " ")
	if len(f) != 8 || f[0] != "lock" || !validSHA256(f[1]) {
		return nil, errManifest
	}
	m.LockSHA256 = f[1]
	var err error
	if m.Lock, err = parseKnown(f[2:]); err != nil {
		return nil, err
	}
	n, err := count(next())
	if err != nil {
		return nil, err
	}
	sources := make([]string, n)
	for i := range sources {
		s, ok := next()
		if !ok || !plainField(s) {
			return nil, errManifest
		}
		sources[i] = s
	}
	if n, err = count(next()); err != nil {
		return nil, err
	}
	m.Files = make([]ManifestFile, n)
	// A manifest has tens of thousands of lines: each is cut into its
	// fields in place, and every file's sources, most often one spec, are
	// slices of one array.
	var fl [12]string
	// Every source id but a file's first follows a comma, and no path
	// holds one (plainField): one array for them all, never grown.
	ids := make([]string, 0, n+strings.Count(lines, ","))
	for i := range m.Files {
		l, ok := next()
		if !ok || !fields(l, fl[:]) || (fl[3] != "platform" && fl[3] != "team") {
			return nil, errManifest
		}
		mf := ManifestFile{Path: fl[0], Kind: fl[1], PlatformOwned: fl[3] == "platform", SHA256: fl[4], Sources: []string{}, line: l}
		if fl[2] != "-" {
			mf.Service = fl[2]
		}
		if i > 0 && m.Files[i-1].Path >= mf.Path {
			return nil, errManifest
		}
		if fl[5] != "-" {
			start := len(ids)
			for id := range strings.SplitSeq(fl[5], ",") {
				k, ok := decimal(id)
				if !ok || k >= uint64(len(sources)) {
					return nil, errManifest
				}
				ids = append(ids, sources[k])
			}
			mf.Sources = ids[start:len(ids):len(ids)]
		}
		if mf.Known, err = parseKnown(fl[6:]); err != nil {
			return nil, err
		}
		m.Files[i] = mf
	}
	if lines != "" {
		return nil, errManifest
	}
	paths := make([]string, len(m.Files))
	for i := range m.Files {
		paths[i] = m.Files[i].Path
	}
	m.read = &encoded{table: sources, paths: paths}
	return m, nil
}

// fields cuts l at its spaces into exactly len(f) fields.
func fields(l string, f []string) bool {
	for i := range len(f) - 1 {
		var ok bool
		if f[i], l, ok = strings.Cut(l, " "); !ok {
			return false
		}
	}
	f[len(f)-1] = l
	return !strings.Contains(l, " ")
}

func count(l string, ok bool) (int, error) {
	name, num, found := strings.Cut(l, " ")
	n, err := strconv.Atoi(num)
	if !ok || !found || (name != "sources" && name != "files") || err != nil || n < 0 {
		return 0, errManifest
	}
	return n, nil
}

func parseKnown(f []string) (Known, error) {
	if len(f) != 6 || (f[5] != "0" && f[5] != "1") {
		return Known{}, errManifest
	}
	var k Known
	var ok [5]bool
	k.Stat.Size, ok[0] = signedDecimal(f[0])
	k.Stat.Mtime, ok[1] = signedDecimal(f[1])
	k.Stat.Ctime, ok[2] = signedDecimal(f[2])
	k.Stat.Ino, ok[3] = decimal(f[3])
	k.Stat.Dev, ok[4] = decimal(f[4])
	if ok != [5]bool{true, true, true, true, true} {
		return Known{}, errManifest
	}
	k.Settled = f[5] == "1"
	return k, nil
}

// decimal reads what strconv.AppendUint writes: a manifest holds half a
// million numbers, which strconv.ParseUint took a third of its reading
// to parse.
func decimal(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 {
		// Twenty digits may not fit: rare enough for strconv.
		n, err := strconv.ParseUint(s, 10, 64)
		return n, err == nil && len(s) > 0 && s[0] != '+'
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, true
}

// signedDecimal reads what strconv.AppendInt writes.
func signedDecimal(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	n, ok := decimal(strings.TrimPrefix(s, "-"))
	switch {
	case !ok || n > 1<<63 || (!neg && n == 1<<63):
		return 0, false
	case neg:
		return int64(-n), true
	}
	return int64(n), true
}

// cutLastLine splits data, which ends in a newline, before its last line.
func cutLastLine(data []byte) (body []byte, last string, ok bool) {
	if !bytes.HasSuffix(data, []byte("\n")) {
		return nil, "", false
	}
	i := bytes.LastIndexByte(data[:len(data)-1], '\n')
	if i < 0 {
		return nil, "", false
	}
	return data[:i+1], string(data[i+1 : len(data)-1]), true
}

// String describes the manifest for a test's failure message.
func (m *Manifest) String() string {
	return fmt.Sprintf("manifest of %d files, lock %.12s", len(m.Files), m.LockSHA256)
}
