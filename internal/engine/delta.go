package engine

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// A delta is what makes a manifest from the one it was read from: the
// paths that one lists and it does not, and its files that are not as
// read. At a thousand services an edit changes a few hundred entries of
// 80,000, and the run cache writes those instead of 17 MB.

// deltaMagic starts an encoded delta; the number changes with the format.
const deltaMagic = "groundwork manifest delta 1\n"

// maxDeltaShare is the most of a manifest's files a delta holds, as a
// fraction: past it the manifest is written whole, so that deltas stay
// small however many runs follow the one written whole.
const maxDeltaShare = 8

// AppendDelta appends to b the delta that makes m from the manifest its
// files' lines were read from (DecodeUnsummed, and ApplyDelta, whose
// result is read from the same), without a checksum: the caller names the
// manifest it applies to and checksums the whole. ok is false when m was
// not read from an encoded manifest, or more than an eighth of its files
// would go in the delta, or a field cannot be written: the caller writes m
// whole.
func (m *Manifest) AppendDelta(b []byte) (_ []byte, ok bool) {
	if m.read == nil {
		return b, false
	}
	// Both lists are in the order of paths: one walk finds what is gone.
	// A file kept from the encoding holds its very path string, which
	// compares equal at once.
	var gone []string
	j := 0
	for _, p := range m.read.paths {
		if j < len(m.Files) && m.Files[j].Path == p {
			j++
			continue
		}
		for j < len(m.Files) && m.Files[j].Path < p {
			j++
		}
		if j < len(m.Files) && m.Files[j].Path == p {
			j++
			continue
		}
		gone = append(gone, p)
	}
	changed := &Manifest{LockSHA256: m.LockSHA256, Lock: m.Lock}
	for i := range m.Files {
		if m.Files[i].line == "" {
			changed.Files = append(changed.Files, m.Files[i])
		}
	}
	if (len(gone)+len(changed.Files))*maxDeltaShare > len(m.Files) {
		return b, false
	}
	b = append(b, deltaMagic...)
	b = append(b, "removed "...)
	b = strconv.AppendInt(b, int64(len(gone)), 10)
	b = append(b, '\n')
	for _, p := range gone {
		b = append(b, p...)
		b = append(b, '\n')
	}
	// Its files number their sources in a table of their own.
	b = changed.AppendUnsummed(b)
	return b, b != nil
}

// ApplyDelta returns the manifest a delta makes of m, which must be the
// manifest the delta was written against as it was read (the caller
// checks which it is: the run cache names it by checksum). The files the
// delta brings are not as read, so that a delta written from the result
// holds them again. m is the caller's to give: its files may be replaced
// in place. Anything but a delta AppendDelta wrote for m's paths is an
// error.
func (m *Manifest) ApplyDelta(delta []byte) (*Manifest, error) {
	text := unsafe.String(unsafe.SliceData(delta), len(delta))
	rest, ok := strings.CutPrefix(text, deltaMagic)
	if !ok || m.read == nil {
		return nil, errManifest
	}
	l, rest, _ := strings.Cut(rest, "\n")
	num, ok := strings.CutPrefix(l, "removed ")
	n, ok2 := decimal(num)
	if !ok || !ok2 || n > uint64(len(m.Files)) {
		return nil, errManifest
	}
	gone := make([]string, n)
	for i := range gone {
		if gone[i], rest, ok = strings.Cut(rest, "\n"); !ok || !plainField(gone[i]) || (i > 0 && gone[i-1] >= gone[i]) {
			return nil, errManifest
		}
	}
	d, err := DecodeUnsummed(unsafe.Slice(unsafe.StringData(rest), len(rest)))
	if err != nil {
		return nil, err
	}
	for i := range d.Files {
		d.Files[i].line = ""
	}
	out := &Manifest{LockSHA256: d.LockSHA256, Lock: d.Lock, Files: m.Files, read: m.read}
	// Most often every file the delta brings replaces one at its place,
	// and none is gone.
	at := make([]int, len(d.Files))
	inPlace := len(gone) == 0
	for i := range d.Files {
		k, found := slices.BinarySearchFunc(m.Files, d.Files[i].Path, func(f ManifestFile, p string) int { return strings.Compare(f.Path, p) })
		at[i], inPlace = k, inPlace && found
	}
	if inPlace {
		for i, k := range at {
			m.Files[k] = d.Files[i]
		}
		return out, nil
	}
	// Else the three lists, each in the order of paths, are merged: a
	// path gone must be m's, and must not come back in the delta.
	out.Files = make([]ManifestFile, 0, len(m.Files)+len(d.Files))
	i, g := 0, 0
	for _, f := range m.Files {
		for i < len(d.Files) && d.Files[i].Path < f.Path {
			out.Files = append(out.Files, d.Files[i])
			i++
		}
		switch {
		case g < len(gone) && gone[g] == f.Path:
			g++
			if i < len(d.Files) && d.Files[i].Path == f.Path {
				return nil, errManifest
			}
		case i < len(d.Files) && d.Files[i].Path == f.Path:
			out.Files = append(out.Files, d.Files[i])
			i++
		default:
			out.Files = append(out.Files, f)
		}
		if g < len(gone) && gone[g] < f.Path {
			return nil, errManifest
		}
	}
	out.Files = append(out.Files, d.Files[i:]...)
	if g != len(gone) {
		return nil, errManifest
	}
	return out, nil
}
