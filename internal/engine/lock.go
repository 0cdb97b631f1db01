package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// LockFile records every generated path, so that files without a comment
// syntax (JSON) are owned too, and so that hand edits and orphans can be told
// apart from stale output.
const LockFile = "groundwork.lock"

// lockVersion changes when the lock's format does.
const lockVersion = 1

// maxLockSize bounds the lock: about 300 bytes per generated file, so 256
// MiB is far beyond ten thousand services.
const maxLockSize = 256 << 20

// maxFileSize bounds what groundwork reads of a file at a generated path: a
// generated file is at most a few MiB.
const maxFileSize = 64 << 20

// Lock is the content of the lock file.
type Lock struct {
	Version int                   `json:"version"`
	Files   map[string]*LockEntry `json:"files"`
}

// LockEntry is what the lock knows of one generated file.
type LockEntry struct {
	Kind    string   `json:"kind"`
	Sources []string `json:"sources"`
	SHA256  string   `json:"sha256"`
}

func hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// encode gives the lock's bytes: indented, keys sorted, as encoding/json
// writes them, so that a review diff of the lock shows one line per
// changed file. It writes them itself: a lock of tens of thousands of
// files takes encoding/json most of a second, which a one-service edit
// cannot afford. TestLockEncoding holds the two to the same bytes.
func (l *Lock) encode() []byte {
	paths := slices.Sorted(maps.Keys(l.Files))
	return encodeLock(l.Version, len(paths), func(i int) (string, *LockEntry) { return paths[i], l.Files[paths[i]] })
}

// encodeLock writes a lock of n entries, which entry gives in the order of
// their paths; entry is called from two goroutines at once.
func encodeLock(version, n int, entry func(i int) (string, *LockEntry)) []byte {
	// A lock of many entries (80,000 at a thousand services, every run) is
	// written in two halves, each on a core of its own: an entry's text
	// depends on it alone, and on whether it is the last.
	half := n
	if n >= splitEntries {
		half = n / 2
	}
	// Room for each half, reckoned on its core too.
	sizeOf := func(from, to int) int {
		size := 0
		for i := from; i < to; i++ {
			p, e := entry(i)
			size += len(p) + 80
			if e != nil {
				size += len(e.Kind) + len(e.SHA256)
				for _, s := range e.Sources {
					size += len(s) + 12
				}
			}
		}
		return size
	}
	var first, rest int
	parallel.Do(func() { first = sizeOf(0, half) }, func() { rest = sizeOf(half, n) })
	b := make([]byte, 0, 64+first+rest)
	b = append(b, "{\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(version), 10)
	b = append(b, ",\n  \"files\": "...)
	if n == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, '{')
		var second []byte
		parallel.Do(func() {
			for i := range half {
				p, e := entry(i)
				b = appendLockEntry(b, p, e, i == n-1)
			}
		}, func() {
			if half == n {
				return
			}
			second = make([]byte, 0, rest)
			for i := half; i < n; i++ {
				p, e := entry(i)
				second = appendLockEntry(second, p, e, i == n-1)
			}
		})
		b = append(b, second...)
		b = append(b, "\n  }"...)
	}
	return append(b, "\n}\n"...)
}

// splitEntries is how many entries a list has (a lock's, a manifest's
// lines, a render's files) before it is worked on in two halves, each on a
// core.
const splitEntries = 4096

// appendLockEntry writes one entry of the files mapping; a nil entry is
// null, as encoding/json writes it.
func appendLockEntry(b []byte, p string, e *LockEntry, last bool) []byte {
	b = append(b, lockEntryOpen...)
	b = appendJSONString(b, p)
	if e == nil {
		b = append(b, ": null"...)
	} else {
		b = append(b, lockKindKey...)
		b = appendJSONString(b, e.Kind)
		b = append(b, lockSourcesKey...)
		switch {
		case e.Sources == nil:
			b = append(b, "null"...)
		case len(e.Sources) == 0:
			b = append(b, "[]"...)
		default:
			b = append(b, '[')
			for i, s := range e.Sources {
				b = append(b, lockSourceItem...)
				b = appendJSONString(b, s)
				if i < len(e.Sources)-1 {
					b = append(b, ',')
				}
			}
			b = append(b, lockSourcesClose...)
		}
		b = append(b, lockSHAKey...)
		b = appendJSONString(b, e.SHA256)
		b = append(b, lockEntryClose...)
	}
	if !last {
		b = append(b, ',')
	}
	return b
}

// The text around the fields of a lock entry (appendLockEntry).
const (
	lockEntryOpen    = "\n    "
	lockKindKey      = ": {\n      \"kind\": "
	lockSourcesKey   = ",\n      \"sources\": "
	lockSourceItem   = "\n        "
	lockSourcesClose = "\n      ]"
	lockSHAKey       = ",\n      \"sha256\": "
	lockEntryClose   = "\n    }"
)

// lockEntryLen is the length of the entry appendLockEntry writes for f,
// without its comma, counted instead of written; ok is false when a string
// of it would need escaping, which a manifest's never do.
func lockEntryLen(f *ManifestFile) (n int, ok bool) {
	n = len(lockEntryOpen) + len(lockKindKey) + len(lockSourcesKey) + len(lockSHAKey) + len(lockEntryClose)
	n += len(f.Path) + len(f.Kind) + len(f.SHA256) + 3*2
	switch {
	case f.Sources == nil:
		n += len("null")
	case len(f.Sources) == 0:
		n += len("[]")
	default:
		n += len("[") + len(lockSourcesClose) + len(f.Sources) - 1 + len(f.Sources)*len(lockSourceItem)
		for _, s := range f.Sources {
			n += len(s) + 2
		}
	}
	// The strings of a file read from an encoded manifest are plain
	// (AppendUnsummed writes no other, under a checksum): at a thousand
	// services 20 MB not scanned again.
	if f.line != "" {
		return n, true
	}
	if !plainJSON(f.Path) || !plainJSON(f.Kind) || !plainJSON(f.SHA256) {
		return 0, false
	}
	for _, s := range f.Sources {
		if !plainJSON(s) {
			return 0, false
		}
	}
	return n, true
}

// appendJSONString writes s as encoding/json does without HTML escaping:
// plain printable ASCII as it is, anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	if !plainJSON(s) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			panic(err) // a string always encodes
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON reports whether s is written in JSON as it is, between quotes:
// plain printable ASCII, no quote, no backslash.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// TreeError is a tree groundwork will not work on as it is: a lock that
// groundwork did not write, a link or a folder where a generated file goes.
// It is bad input, like a wrong spec; nothing has been written.
type TreeError struct{ Msg string }

func (e *TreeError) Error() string { return e.Msg }

// badLock is the one line a user reads about a lock groundwork did not write.
func badLock(format string, args ...any) error {
	return &TreeError{Msg: fmt.Sprintf("%s: %s; the lock is written only by groundwork: restore it with git checkout %s, then run make generate",
		LockFile, fmt.Sprintf(format, args...), LockFile)}
}

// validKind is a generator's kind: a lowercase word, dashes allowed.
func validKind(k string) bool {
	if k == "" || len(k) > 40 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validSHA256 is 64 lowercase hex digits.
func validSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	// Every digit's bits or'ed: one branch for the 64 (a manifest checks
	// 80,000 of them as it is written).
	var bad byte
	for i := 0; i < len(h); i++ {
		bad |= notHex[h[i]]
	}
	return bad == 0
}

// notHex is 1 for every byte but a lowercase hex digit.
var notHex = func() (t [256]byte) {
	for i := range t {
		if c := byte(i); !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			t[i] = 1
		}
	}
	return t
}()

// validSource is a clean relative path of the repository, such as a spec.
func validSource(s string) bool {
	return len(s) <= 250 && plainPath(s) && !path.IsAbs(s) && path.Clean(s) == s && s != ".." && !strings.HasPrefix(s, "../")
}

// ParseLock decodes a lock and checks every entry: the lock comes from the
// tree, and the tree may come from a hostile pull request. A lock that names
// a path outside the owned folders, has unknown fields, null or wrongly
// typed entries, or trailing data is refused whole.
func ParseLock(data []byte) (*Lock, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Lock
	if err := dec.Decode(&l); err != nil {
		return nil, badLock("not a lock groundwork wrote (%s)", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badLock("not a lock groundwork wrote (data after its end)")
	}
	if l.Version != lockVersion {
		return nil, badLock("version %d; this groundwork reads version %d", l.Version, lockVersion)
	}
	if l.Files == nil {
		return nil, badLock(`no "files" mapping`)
	}
	// Aggregate files list every spec: check each distinct source once.
	sourceOK := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(l.Files)) {
		e := l.Files[p]
		if err := CheckPath(p); err != nil {
			return nil, badLock("files: %v", err)
		}
		switch {
		case e == nil:
			return nil, badLock("files[%q] is null", p)
		case !validKind(e.Kind):
			return nil, badLock("files[%q].kind %.60q is not a generator's kind", p, e.Kind)
		case !validSHA256(e.SHA256):
			return nil, badLock("files[%q].sha256 %.80q is not a SHA-256 in hex", p, e.SHA256)
		}
		for _, s := range e.Sources {
			ok, seen := sourceOK[s]
			if !seen {
				ok = validSource(s)
				sourceOK[s] = ok
			}
			if !ok {
				return nil, badLock("files[%q].sources: %.80q is not a path of the repository", p, s)
			}
		}
	}
	return &l, nil
}

// jsonProblem says where the decoder stopped, without echoing the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s holds a JSON %s", typ.Field, typ.Value)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends early"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return msg
}

// readLock takes the lock of the tree as read (r); a tree never generated
// has an empty one (and nil bytes). A lock whose bytes are wantData, the
// lock the output needs, is not parsed: lock is nil then.
func readLock(t *tree.Tree, r lockRead, wantData []byte) (lock *Lock, data []byte, err error) {
	data, err = r.data, r.err
	if isNotExist(err) {
		return &Lock{Version: lockVersion, Files: map[string]*LockEntry{}}, nil, nil
	}
	if err != nil {
		if tree.Hostile(err) {
			return nil, nil, &TreeError{Msg: fmt.Sprintf("%v; restore it with git checkout %s", err, LockFile)}
		}
		return nil, nil, err
	}
	// The lock this run writes, byte for byte: at a thousand services it
	// is tens of megabytes, which need not be parsed again.
	if bytes.Equal(data, wantData) {
		return nil, data, nil
	}
	if lock, err = ParseLock(data); err != nil {
		return nil, nil, err
	}
	return lock, data, nil
}
