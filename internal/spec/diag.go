package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a place in a spec file, 1-based. A zero Line means "the file as a whole".
type Pos struct {
	Line, Col int
}

// Kind classifies a diagnostic so that tools and people can filter them.
type Kind string

const (
	KindSyntax    Kind = "syntax"    // the file does not parse
	KindSchema    Kind = "schema"    // unknown key, wrong type, missing field
	KindValue     Kind = "value"     // a value out of its allowed range or form
	KindReference Kind = "reference" // a name that does not resolve or is not unique
)

// Diagnostic is one mistake in one spec, at the place the engineer must edit.
type Diagnostic struct {
	File string // slash path relative to the repository root, e.g. specs/services/api.yaml
	Pos  Pos
	Kind Kind
	Msg  string
}

func (d Diagnostic) String() string {
	loc := d.File
	if d.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", d.File, d.Pos.Line, d.Pos.Col)
	}
	return fmt.Sprintf("%s: %s [%s]", loc, d.Msg, d.Kind)
}

// Diagnostics is every mistake of a run. It is an error so that callers can
// return it whole; Error prints one diagnostic per line, sorted.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds.Sorted() {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sorted returns the diagnostics ordered by file, line, column and message,
// without duplicates, so that output is stable whatever order checks ran in.
func (ds Diagnostics) Sorted() Diagnostics {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.Compact(out)
}
