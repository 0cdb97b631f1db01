package cli

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/groundwork-dev/groundwork/internal/engine"
)

// writeUnified writes one file's change as git would, with two differences
// that keep a review short: a file added or removed whole is named with its
// size, not printed (its path says what it is; the summary says why), and
// each hunk header names the block the hunk sits in, as git's funcname
// does: the HCL block, the YAML or JSON keys that enclose it, the Markdown
// heading.
func writeUnified(w io.Writer, ch engine.Change) {
	switch {
	case ch.Status == engine.Removed && ch.Old == nil:
		fmt.Fprintf(w, "--- a/%s\n+++ /dev/null\n(contents not shown: not what groundwork wrote there)\n", ch.Path)
		return
	case ch.Status == engine.Added:
		fmt.Fprintf(w, "--- /dev/null\n+++ b/%s\n(new file: %s; not shown)\n", ch.Path, size(ch.New))
		return
	case ch.Status == engine.Removed:
		fmt.Fprintf(w, "--- a/%s\n+++ /dev/null\n(deleted file: %s; not shown)\n", ch.Path, size(ch.Old))
		return
	}
	a, b := splitLines(ch.Old), splitLines(ch.New)
	groups := difflib.NewMatcher(a, b).GetGroupedOpCodes(3)
	if len(groups) == 0 {
		return
	}
	fmt.Fprintf(w, "--- a/%s\n+++ b/%s\n", ch.Path, ch.Path)
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		// Named by the first line that changes, not by the context.
		at := first.I1
		if first.Tag == 'e' {
			at = first.I2
		}
		header := ""
		if name := enclosing(ch.Path, a, at); name != "" {
			header = " " + name
		}
		fmt.Fprintf(w, "@@ -%s +%s @@%s\n", hunkRange(first.I1, last.I2), hunkRange(first.J1, last.J2), header)
		for _, op := range g {
			if op.Tag == 'e' {
				writeLines(w, " ", a[op.I1:op.I2])
				continue
			}
			if op.Tag == 'r' || op.Tag == 'd' {
				writeLines(w, "-", a[op.I1:op.I2])
			}
			if op.Tag == 'r' || op.Tag == 'i' {
				writeLines(w, "+", b[op.J1:op.J2])
			}
		}
	}
}

func writeLines(w io.Writer, mark string, lines []string) {
	for _, l := range lines {
		fmt.Fprint(w, mark, l)
		if !strings.HasSuffix(l, "\n") {
			fmt.Fprint(w, "\n\\ No newline at end of file\n")
		}
	}
}

// splitLines splits data after each newline; a last line without one is
// kept (and marked as such when shown).
func splitLines(data []byte) []string {
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunkRange is a unified diff's start,length of lines [i1, i2).
func hunkRange(i1, i2 int) string {
	n := i2 - i1
	start := i1 + 1
	if n == 0 {
		start = i1
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// size says how big a file is, in lines and bytes.
func size(data []byte) string {
	lines := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	return fmt.Sprintf("%d %s, %d bytes", lines, plural(lines, "line", "lines"), len(data))
}

var (
	hclBlockLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\s+"[^"]*")*\s*\{\s*$`)
	yamlKeyLine  = regexp.MustCompile(`^(\s*)(- )?("[^"]*"|'[^']*'|[^\s#:][^:#]*?):(\s|$)`)
	jsonKeyLine  = regexp.MustCompile(`^(\s*)"([^"]*)"\s*:\s*[\[{]`)
	mdHeading    = regexp.MustCompile(`^#{1,6} `)
)

// maxHeader keeps a hunk header on one line of a terminal.
const maxHeader = 80

// enclosing names the block that line at (0-based, in lines) sits in.
func enclosing(name string, lines []string, at int) string {
	if at > len(lines) {
		at = len(lines)
	}
	var out string
	switch path.Ext(name) {
	case ".tf", ".hcl":
		for i := at - 1; i >= 0; i-- {
			if hclBlockLine.MatchString(strings.TrimRight(lines[i], "\n")) {
				out = strings.TrimSuffix(strings.TrimSpace(strings.TrimRight(lines[i], "\n")), "{")
				break
			}
		}
	case ".yaml", ".yml":
		out = keyChain(lines, at, yamlKeyLine, 3, 3)
	case ".json":
		out = keyChain(lines, at, jsonKeyLine, 2, 3)
	case ".md":
		for i := at - 1; i >= 0; i-- {
			if mdHeading.MatchString(lines[i]) {
				out = strings.TrimSpace(lines[i])
				break
			}
		}
	}
	out = strings.TrimSpace(out)
	if len(out) > maxHeader {
		out = out[:maxHeader] + "…"
	}
	return out
}

// keyChain walks back from line at and names the keys that enclose it,
// outermost first (jobs > deploy-qa > steps), the innermost depth of them.
// A YAML list item "- name: x" is named by its value, and the key of the
// list it is in (groups, rules) is left out: the item's name says more.
func keyChain(lines []string, at int, re *regexp.Regexp, keyGroup, depth int) string {
	type link struct {
		key  string
		item bool
	}
	var chain []link
	indent := -1
	if at < len(lines) {
		indent = indentOf(lines[at])
	}
	for i := at - 1; i >= 0 && indent != 0; i-- {
		l := strings.TrimRight(lines[i], "\n")
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := re.FindStringSubmatch(l)
		ind := indentOf(l)
		if m == nil || (indent >= 0 && ind >= indent) {
			continue
		}
		k := link{key: strings.Trim(m[keyGroup], `"'`)}
		if re == yamlKeyLine && m[2] != "" {
			// a list item: name it by the value of its first key
			_, v, _ := strings.Cut(l, ":")
			if v = strings.TrimSpace(v); v != "" && !strings.HasPrefix(v, "|") && !strings.HasPrefix(v, ">") {
				k = link{key: v, item: true}
			}
		}
		chain = append([]link{k}, chain...)
		indent = ind
	}
	var names []string
	for i, k := range chain {
		if !k.item && i+1 < len(chain) && chain[i+1].item {
			continue
		}
		names = append(names, k.key)
	}
	if len(names) > depth {
		names = names[len(names)-depth:]
	}
	return strings.Join(names, " > ")
}

func indentOf(l string) int {
	return len(l) - len(strings.TrimLeft(l, " "))
}
