package cli

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Generators are pure: the same specs and the same groundwork binary make the
// same files. So after a clean generate or verify, the command records, in
// the user's cache folder (never in the tree), what went in and what came
// out: the binary, the specs (the bytes of every file under specs/, and a
// fingerprint of each service's and of everything shared), and the manifest
// of the output (engine.Manifest: every generated file's lock entry, the
// service it is made for, its Stat). The next run compares:
//
//   - the same binary and specs, and a tree that still holds exactly the
//     manifest's files and lock: nothing to render (the no-op);
//   - the same binary and shared specs, some services' specs edited, added
//     or removed: render those services' files and the shared ones, take
//     every other file from the manifest (engine.RenderPartial), after
//     checking that each is on disk as the manifest knows it;
//   - anything else, or any doubt (no record, a record cut short, a file
//     edited or deleted, the lock not the one the manifest describes, a
//     staging folder): render in full, as without a cache.
//
// The lock in the tree is never trusted for this: it may come from a
// hostile pull request. The record is the run's own, outside the tree.
//
// Beside the record, a clean run keeps the YAML trees of the specs it
// loaded (spec.ParseCache), by the hash of each file's bytes, so that the
// next run parses only the specs that changed. An edit's record is most
// often a delta against the last record written whole (see record). While
// the specs load, the files the record lists are stat'ed
// (engine.Manifest.CheckSoon); and a service whose fingerprint and the
// shared one are the record's is not validated again (checkedBefore):
// validation, like the generators, is a function of those bytes.

// cacheDirEnv names another folder for the cache, e.g. in tests.
const cacheDirEnv = "GROUNDWORK_CACHE_DIR"

// executableHash names the running binary: a rebuilt generator is another
// generator. It is the Go build ID the linker and the go command put in
// the binary, whose last part hashes the binary's content, when there is
// one; else the SHA-256 of the binary (40 MB, hashed at every run).
var executableHash = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if id := goBuildID(exe); id != "" {
		return "go-build-id " + id
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// goBuildID reads the Go build ID of an ELF binary from its note
// (.note.go.buildid: name "Go", type 4), "" when there is none or it is
// not plain: the binary is then hashed.
func goBuildID(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	nameSize, descSize, typ := f.ByteOrder.Uint32(data), f.ByteOrder.Uint32(data[4:]), f.ByteOrder.Uint32(data[8:])
	if nameSize != 4 || typ != 4 || string(data[12:16]) != "Go\x00\x00" || uint64(descSize) > uint64(len(data)-16) {
		return ""
	}
	id := string(data[16 : 16+descSize])
	// An ID the go command finished has the content's hash after its
	// last slash; and it goes on a line of the record.
	if !strings.Contains(id, "/") || strings.HasSuffix(id, "/") || strings.ContainsAny(id, " \n") {
		return ""
	}
	return id
}

// inputs is what a run renders from: the specs exactly as it read them
// (every file under specs/, read once before anything was rendered), in
// fingerprints. A spec edited while a run renders is not in what the run
// records, so the next run renders it again.
type inputs struct {
	exe, root string
	// specs covers every byte under specs/.
	specs string
	// shared covers every byte that is not one service's own: the
	// platform, environment and partner specs, what they import, any file
	// no service reads, and of each release record its path and every
	// digest but the services'.
	shared string
	// services covers, for each service, its spec, the files it imports
	// and its digest in each release record.
	services map[string]string
}

// inputsOf fingerprints the specs of m as this run read them; ok is false
// when the binary or the root cannot be known.
func (c *command) inputsOf(m *spec.Model) (inputs, bool) {
	// Taken once a model: validation (checkedBefore) takes them from the
	// model as decoded, and validating changes none of what they cover.
	if m != nil && c.inputsFor == m {
		return c.inputs, c.inputsOK
	}
	in, ok := c.fingerprint(m)
	c.inputsFor, c.inputs, c.inputsOK = m, in, ok
	return in, ok
}

// fingerprint is inputsOf, taken anew.
func (c *command) fingerprint(m *spec.Model) (inputs, bool) {
	exe := executableHash()
	root, err := filepath.Abs(c.root)
	if exe == "" || err != nil || c.files == nil || m == nil {
		return inputs{}, false
	}
	in := inputs{exe: exe, root: root, specs: c.files.Hash, services: make(map[string]string, len(m.Services))}
	readByService := map[string]bool{}
	for _, s := range m.Services {
		readByService[s.Source.Path] = true
		for _, p := range s.Source.Imports() {
			readByService[p] = true
		}
	}
	// What the other specs read is shared, whoever else reads it.
	readByOthers := map[string]bool{}
	others := []*spec.Source{m.Platform.Source}
	for _, e := range m.Environments {
		others = append(others, e.Source)
	}
	for _, p := range m.Partners {
		others = append(others, p.Source)
	}
	for _, r := range m.Releases {
		others = append(others, r.Source)
	}
	for _, src := range others {
		for _, p := range src.Imports() {
			readByOthers[p] = true
		}
	}
	releases := slices.Sorted(maps.Keys(m.Releases))
	isRelease := map[string]bool{}
	for _, env := range releases {
		isRelease[m.Releases[env].Source.Path] = true
	}
	shared := sha256.New()
	for _, p := range c.files.Paths() {
		if (readByService[p] || isRelease[p]) && !readByOthers[p] {
			continue
		}
		fmt.Fprintf(shared, "file %q %s\n", p, c.files.Sum(p))
	}
	for _, env := range releases {
		r := m.Releases[env]
		fmt.Fprintf(shared, "release %q %q\n", env, r.Source.Path)
		for _, name := range slices.Sorted(maps.Keys(r.Digests)) {
			if m.Service(name) == nil {
				fmt.Fprintf(shared, "digest %q %q\n", name, r.Digests[name])
			}
		}
	}
	in.shared = hex.EncodeToString(shared.Sum(nil))
	for _, s := range m.Services {
		h := sha256.New()
		fmt.Fprintf(h, "service %q %q %s\n", s.Name, s.Source.Path, c.files.Sum(s.Source.Path))
		for _, p := range s.Source.Imports() {
			fmt.Fprintf(h, "import %q %s\n", p, c.files.Sum(p))
		}
		for _, env := range releases {
			d, ok := m.Releases[env].Digests[s.Name]
			fmt.Fprintf(h, "release %q %t %q\n", env, ok, d)
		}
		in.services[s.Name] = hex.EncodeToString(h.Sum(nil))
	}
	return in, true
}

// record is what a clean run leaves in the cache: its inputs and the
// manifest of its output. It is written whole, or, when its manifest was
// read from a record written whole and differs from it in few files, as a
// delta against that one, beside it (deltaSuffix): at a thousand services
// the whole is 17 MB, an edit's delta a few hundred entries.
type record struct {
	inputs
	manifest *engine.Manifest
	// sum is the checksum of the record written whole that the manifest
	// was read from, "" when it was not: a delta is against that record.
	sum string
}

// recordMagic starts a record written whole, deltaMagic a delta; the
// number changes with their format.
const (
	recordMagic = "groundwork run cache 5\n"
	deltaMagic  = "groundwork run cache delta 5\n"
)

// deltaSuffix names, after the record's file, the file of its delta.
const deltaSuffix = ".delta"

// encode gives the record's bytes whole: the inputs, then the manifest,
// then a checksum of both, so that a record cut short, or edited, is no
// record. nil when a service name cannot be written on its line.
func (r *record) encode() []byte {
	b := r.appendInputs([]byte(recordMagic))
	if b == nil {
		return nil
	}
	// The manifest straight after, in the same buffer, under the record's
	// checksum.
	return appendSum(r.manifest.AppendUnsummed(b))
}

// encodeDelta gives the record's bytes as a delta against the record
// written whole whose checksum is base, which the manifest was read from:
// the inputs whole, then the manifest's delta
// (engine.Manifest.AppendDelta), then a checksum. nil when there is no
// base, or the manifest was not read from one or is too far from it: the
// record is written whole.
func (r *record) encodeDelta(base string) []byte {
	if base == "" {
		return nil
	}
	b := r.appendInputs(fmt.Appendf(nil, "%sbase %s\n", deltaMagic, base))
	if b == nil {
		return nil
	}
	b, ok := r.manifest.AppendDelta(b)
	if !ok {
		return nil
	}
	return appendSum(b)
}

// appendInputs appends the record's inputs to b; nil when a service name
// cannot be written on its line.
func (r *record) appendInputs(b []byte) []byte {
	b = fmt.Appendf(b, "exe %s\nroot %s\nspecs %s\nshared %s\nservices %d\n", r.exe, strconv.Quote(r.root), r.specs, r.shared, len(r.services))
	for _, name := range slices.Sorted(maps.Keys(r.services)) {
		if name == "" || strings.ContainsAny(name, " \n") {
			return nil
		}
		b = fmt.Appendf(b, "%s %s\n", name, r.services[name])
	}
	return b
}

// appendSum ends a record: the checksum of what b holds. nil stays nil.
func appendSum(b []byte) []byte {
	if b == nil {
		return nil
	}
	sum := sha256.Sum256(b)
	b = append(b, "record "...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, '\n')
}

// checked returns what data holds before its checksum, and the checksum,
// when it ends in the checksum of the rest (appendSum) and starts with
// magic, which it cuts.
func checked(data []byte, magic string) (body []byte, sum string, ok bool) {
	i := bytes.LastIndex(data, []byte("record "))
	if i < 0 || !bytes.HasSuffix(data, []byte("\n")) {
		return nil, "", false
	}
	h := sha256.Sum256(data[:i])
	sum = hex.EncodeToString(h[:])
	if string(data[i+len("record "):len(data)-1]) != sum || !bytes.HasPrefix(data, []byte(magic)) {
		return nil, "", false
	}
	return data[len(magic):i], sum, true
}

// decodeRecord reads a record written whole (encode), or returns nil.
func decodeRecord(data []byte) *record {
	body, sum, ok := checked(data, recordMagic)
	if !ok {
		return nil
	}
	r, body := decodeInputs(body)
	if r == nil {
		return nil
	}
	var err error
	if r.manifest, err = engine.DecodeUnsummed(body); err != nil {
		return nil
	}
	r.sum = sum
	return r
}

// decodeDelta reads a delta (encodeDelta) against base, the record written
// whole it was written against, and returns the record they make, or nil.
// base's manifest is the result's to change.
func decodeDelta(data []byte, base *record) *record {
	body, _, ok := checked(data, deltaMagic)
	if !ok {
		return nil
	}
	line, body, _ := bytes.Cut(body, []byte("\n"))
	if string(line) != "base "+base.sum {
		return nil
	}
	r, body := decodeInputs(body)
	if r == nil {
		return nil
	}
	var err error
	if r.manifest, err = base.manifest.ApplyDelta(body); err != nil {
		return nil
	}
	r.sum = base.sum
	return r
}

// decodeInputs reads what appendInputs wrote at the start of data, and
// returns the record of those inputs and the rest of data; nil when there
// are none.
func decodeInputs(data []byte) (*record, []byte) {
	line := func() string {
		l, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			return ""
		}
		data = rest
		return string(l)
	}
	field := func(name string) (string, bool) {
		return strings.CutPrefix(line(), name+" ")
	}
	r := &record{}
	var ok [5]bool
	var root, n string
	r.exe, ok[0] = field("exe")
	root, ok[1] = field("root")
	r.specs, ok[2] = field("specs")
	r.shared, ok[3] = field("shared")
	n, ok[4] = field("services")
	count, err := strconv.Atoi(n)
	if slices.Contains(ok[:], false) || err != nil || count < 0 {
		return nil, nil
	}
	if r.root, err = strconv.Unquote(root); err != nil {
		return nil, nil
	}
	r.services = make(map[string]string, count)
	for range count {
		name, fp, found := strings.Cut(line(), " ")
		if !found {
			return nil, nil
		}
		r.services[name] = fp
	}
	return r, data
}

// cacheFile is where the record of this root's last clean run is kept.
func (c *command) cacheFile() string {
	dir := os.Getenv(cacheDirEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "groundwork")
	}
	root, err := filepath.Abs(c.root)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, hex.EncodeToString(sum[:8]))
}

// lastRunSoon starts reading the record of the last clean run on this
// root, and hashing the binary, then checking the files the record lists
// against the tree (engine.Manifest.CheckSoon), while the specs load: none
// of it needs them, and at a thousand services the record is megabytes and
// the files 80,000. The function it
// returns waits for both and gives the record when it is this binary's
// and this root's, else nil.
func (c *command) lastRunSoon() func(in inputs) *record {
	var r *record
	done := make(chan struct{})
	go func() {
		defer close(done)
		executableHash()
		file := c.cacheFile()
		if file == "" {
			return
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return
		}
		r = decodeRecord(data)
		if r == nil {
			return
		}
		// A delta that is not this record's (a run killed after writing
		// a record whole, before removing the delta), or is damaged,
		// leaves no record.
		delta, err := os.ReadFile(file + deltaSuffix)
		switch {
		case err == nil:
			r = decodeDelta(delta, r)
		case !errors.Is(err, fs.ErrNotExist):
			r = nil
		}
		// The record of this binary on this root: its files are
		// checked against the tree while the specs load.
		if root, err := filepath.Abs(c.root); r != nil && err == nil && r.exe == executableHash() && r.root == root && c.tree != nil {
			r.manifest.CheckSoon(c.tree)
		}
	}()
	return func(in inputs) *record {
		<-done
		if r == nil || r.exe != in.exe || r.root != in.root {
			return nil
		}
		c.recorded = r.sum
		return r
	}
}

// checkedBefore gives spec.Reuse.Checked for the specs this run read: a
// service passed its own checks when the last clean run on this root, with
// this binary (lastRun), loaded it with the same fingerprint, beside the
// same shared specs (inputsOf: its spec's and imports' bytes, its digests,
// every byte that is not one service's own). Its checks read nothing else,
// so they pass again. The fingerprints are taken once, from the model as
// decoded; when they cannot be, nothing is vouched for.
func (c *command) checkedBefore(lastRun func(inputs) *record) func(*spec.Model, *spec.Service) bool {
	var once sync.Once
	var in inputs
	var last *record
	return func(m *spec.Model, s *spec.Service) bool {
		once.Do(func() {
			if m.Platform == nil || m.Platform.Source == nil {
				return
			}
			var ok bool
			if in, ok = c.inputsOf(m); ok {
				last = lastRun(in)
			}
		})
		if last == nil || last.shared != in.shared {
			return false
		}
		fp, ok := last.services[s.Name]
		return ok && fp == in.services[s.Name]
	}
}

// parsedSoon starts reading the YAML trees of the specs the last clean
// run on this root loaded (spec.ParseCache), while the specs are read. The
// function it returns waits for them: an empty cache when there are none,
// or they are another binary's.
func (c *command) parsedSoon() func() *spec.ParseCache {
	var cache *spec.ParseCache
	done := make(chan struct{})
	go func() {
		defer close(done)
		var data []byte
		if file := c.cacheFile(); file != "" {
			data, _ = os.ReadFile(file + parsedSuffix)
		}
		cache = spec.DecodeParseCache(data, executableHash())
	}()
	return func() *spec.ParseCache {
		<-done
		return cache
	}
}

// parsedSuffix names, after the record's file, the file of the specs'
// YAML trees.
const parsedSuffix = ".specs"

// unchanged reports whether the last clean run read these very specs and
// the tree still holds exactly what it left, and how many files that is.
// Any doubt (no record, a file off its hash, a staging folder) means no.
func (c *command) unchanged(last *record, in inputs) (int, bool) {
	if last == nil || last.specs != in.specs {
		return 0, false
	}
	m, ok := last.manifest.Holds(c.tree)
	if !ok {
		return 0, false
	}
	if m != last.manifest {
		c.remember(in, m)
	}
	return len(m.Files), true
}

// scope returns the services to render when only some services' specs
// changed since the last clean run: those whose fingerprint changed, and
// those added or removed. nil when the last run cannot serve (no record,
// or a shared spec changed): render in full.
func scope(last *record, in inputs) *engine.Scope {
	if last == nil || last.shared != in.shared {
		return nil
	}
	var names []string
	for name, fp := range in.services {
		if last.services[name] != fp {
			names = append(names, name)
		}
	}
	for name := range last.services {
		if _, ok := in.services[name]; !ok {
			names = append(names, name)
		}
	}
	return engine.NewScope(names...)
}

// remember records a clean run: its inputs, and the manifest of the tree
// it left. Failing to is no error: the next run renders in full.
func (c *command) remember(in inputs, m *engine.Manifest) {
	file := c.cacheFile()
	if file == "" || in.exe == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	r := &record{inputs: in, manifest: m}
	if data := r.encodeDelta(c.recorded); data == nil || !writeCache(file+deltaSuffix, data) {
		// Written whole, the record needs no delta; a delta left
		// beside it by a run killed in between names another record,
		// and makes none.
		if data := r.encode(); data == nil || !writeCache(file, data) {
			os.Remove(file)
		}
		os.Remove(file + deltaSuffix)
	}
	if c.parsed != nil && c.parsed.Stale() {
		writeCache(file+parsedSuffix, c.parsed.Encode(in.exe))
	}
}

// writeCache writes a file of the cache beside, then renames it: a run
// killed while writing leaves the old file or the new one, and a file cut
// short fails its checksum. Failing to is no error: it reports whether it
// wrote.
func writeCache(file string, data []byte) bool {
	tmp := fmt.Sprintf("%s.%d.tmp", file, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return false
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return false
	}
	return true
}
