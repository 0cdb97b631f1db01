package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// fieldChange is one spec field a pull request edits: the value it had on
// the base branch and the value it has now, defaults applied, so that a
// reviewer reads "slos[0].objective 99.9 → 99.95" before any generated file.
type fieldChange struct {
	spec, field   string
	before, after string // "" when the field (or the whole spec) is added or removed
}

// specValues flattens every spec of a model into its fields' values, by
// spec path and field path (slos[0].objective), as JSON scalars.
func specValues(m *spec.Model) map[string]map[string]string {
	out := map[string]map[string]string{}
	add := func(src *spec.Source, v any) {
		if src == nil {
			return
		}
		data, err := json.Marshal(v)
		if err != nil {
			return
		}
		var generic any
		if json.Unmarshal(data, &generic) != nil {
			return
		}
		fields := map[string]string{}
		flatten("", generic, fields)
		out[src.Path] = fields
	}
	add(m.Platform.Source, m.Platform)
	for _, e := range m.Environments {
		add(e.Source, e)
	}
	for _, s := range m.Services {
		add(s.Source, s)
	}
	for _, p := range m.Partners {
		add(p.Source, p)
	}
	for _, r := range m.Releases {
		add(r.Source, r.Digests)
	}
	return out
}

// flatten writes the scalar leaves of v under their field paths.
func flatten(prefix string, v any, into map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v["V"]; ok && len(v) == 2 && v["Set"] != nil {
			// spec.FlagValue: a value and whether it was written
			flatten(prefix, x, into)
			return
		}
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, into)
		}
	case []any:
		for i, x := range v {
			flatten(prefix+"["+strconv.Itoa(i)+"]", x, into)
		}
	case nil:
	case string:
		into[prefix] = strconv.Quote(v)
	default:
		data, _ := json.Marshal(v)
		into[prefix] = string(data)
	}
}

// specChanges lists the fields that differ between two models. A spec
// file added or removed is one row, not one per field.
func specChanges(base, cur *spec.Model) []fieldChange {
	before, after := specValues(base), specValues(cur)
	var out []fieldChange
	all := map[string]bool{}
	for s := range before {
		all[s] = true
	}
	for s := range after {
		all[s] = true
	}
	for _, s := range slices.Sorted(maps.Keys(all)) {
		b, hadOld := before[s]
		a, hasNew := after[s]
		switch {
		case !hadOld:
			out = append(out, fieldChange{spec: s, before: "(none)", after: "(added)"})
			continue
		case !hasNew:
			out = append(out, fieldChange{spec: s, before: "(removed)", after: "(none)"})
			continue
		}
		fields := map[string]bool{}
		for f := range b {
			fields[f] = true
		}
		for f := range a {
			fields[f] = true
		}
		for _, f := range slices.SortedFunc(maps.Keys(fields), compareFieldPaths) {
			if b[f] != a[f] {
				out = append(out, fieldChange{spec: s, field: f, before: b[f], after: a[f]})
			}
		}
	}
	return out
}

// compareFieldPaths sorts slos[2] before slos[10].
func compareFieldPaths(x, y string) int {
	xs, ys := splitPath(x), splitPath(y)
	for i := 0; i < len(xs) && i < len(ys); i++ {
		if xs[i] == ys[i] {
			continue
		}
		xn, xerr := strconv.Atoi(xs[i])
		yn, yerr := strconv.Atoi(ys[i])
		if xerr == nil && yerr == nil {
			return xn - yn
		}
		return strings.Compare(xs[i], ys[i])
	}
	return len(xs) - len(ys)
}

func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
}

const maxFieldRows = 40

// writeSpecChanges writes the spec edits, the first thing a reviewer reads.
func writeSpecChanges(w io.Writer, changes []fieldChange) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintf(w, "\n**Spec changes** (%d):\n\n| spec | field | before | after |\n|---|---|---|---|\n", len(changes))
	for i, c := range changes {
		if i == maxFieldRows {
			fmt.Fprintf(w, "| … | and %d more | | |\n", len(changes)-maxFieldRows)
			break
		}
		field := ""
		if c.field != "" {
			field = "`" + c.field + "`"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", c.spec, field, cell(c.before), cell(c.after))
	}
}

// cell is a value as a table cell: code, cut short, pipes escaped.
func cell(v string) string {
	switch v {
	case "":
		return "(unset)"
	case "(added)", "(removed)", "(none)":
		return v
	}
	return "`" + strings.ReplaceAll(truncate(v, 80), "|", `\|`) + "`"
}
