// Package markdown writes the CommonMark (with GitHub's tables) of the
// generated documents: runbooks, the data inventory, partner playbooks.
// Text goes in as plain strings escaped by Esc, or as spans made by Code
// and Link, never as raw Markdown, so that a value from a spec cannot
// become markup.
package markdown

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Doc builds a Markdown document block by block. Each block ends with the
// blank line CommonMark needs between blocks, so that no block can run into
// the next one; text goes in as inline Markdown made by esc, code and link,
// never as raw alert text, so that a "<pod>" in a mitigation step cannot
// become an HTML tag that GitHub swallows.
type Doc struct{ b strings.Builder }

// Heading writes an ATX heading.
func (d *Doc) Heading(level int, inline string) {
	d.b.WriteString(strings.Repeat("#", level) + " " + inline + "\n\n")
}

// Para writes a paragraph of inline Markdown.
func (d *Doc) Para(inline string) { d.b.WriteString(lead(inline) + "\n\n") }

// List writes a bullet list; an item is one line of inline Markdown.
func (d *Doc) List(items ...string) {
	for _, it := range items {
		d.b.WriteString("- " + lead(it) + "\n")
	}
	d.b.WriteString("\n")
}

// Steps writes a numbered list, for what is done in order.
func (d *Doc) Steps(items ...string) {
	for i, it := range items {
		fmt.Fprintf(&d.b, "%d. %s\n", i+1, lead(it))
	}
	d.b.WriteString("\n")
}

// Table writes a GitHub-flavoured table. A pipe inside a cell is escaped,
// which GFM honours even inside code spans.
func (d *Doc) Table(header []string, rows [][]string) {
	row := func(cells []string) {
		for i := range cells {
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		d.b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	row(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	d.b.WriteString("|" + strings.Join(sep, "|") + "|\n")
	for _, r := range rows {
		row(r)
	}
	d.b.WriteString("\n")
}

// Fence writes a fenced code block, with a fence longer than any run of
// backticks in the body so that the body cannot close it.
func (d *Doc) Fence(lang, body string) {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	d.b.WriteString(fence + lang + "\n" + strings.TrimRight(body, "\n") + "\n" + fence + "\n\n")
}

// Raw writes Markdown that is already a sequence of blocks, such as the
// runbook text of a spec alert, ending it with a blank line.
func (d *Doc) Raw(md string) {
	d.b.WriteString(strings.TrimRight(md, "\n") + "\n\n")
}

// Bytes ends the document with exactly one newline.
func (d *Doc) Bytes() []byte { return []byte(strings.TrimRight(d.b.String(), "\n") + "\n") }

// Code returns s as a code span. The span is delimited by more backticks
// than s holds in a row, and padded when s starts or ends with a backtick,
// as CommonMark requires.
func Code(s string) string {
	s = oneLine(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// Link is an inline link. A destination with spaces, parentheses or angle
// brackets is bracketed, so that none of them can end it early.
func Link(text, dest string) string {
	if strings.ContainsAny(dest, " ()<>") {
		dest = "<" + strings.NewReplacer("<", "%3C", ">", "%3E").Replace(dest) + ">"
	}
	return "[" + text + "](" + dest + ")"
}

// entity matches what CommonMark would read as an HTML entity.
var entity = regexp.MustCompile(`^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// Esc turns plain text into inline Markdown that renders as the same text.
// Code spans the text already holds (alert meanings quote expressions in
// backticks) are kept; elsewhere every character that could start markup is
// escaped. An underscore inside a word cannot start emphasis, so metric
// names such as db_pool_max_connections stay readable in the source.
func Esc(s string) string {
	s = oneLine(s)
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '`':
			n := runLen(rs, i)
			if end := closingRun(rs, i+n, n); end >= 0 {
				b.WriteString(string(rs[i : end+n]))
				i = end + n - 1
				continue
			}
			b.WriteString(strings.Repeat("\\`", n))
			i += n - 1
		case '_':
			if i > 0 && i < len(rs)-1 && isWord(rs[i-1]) && isWord(rs[i+1]) {
				b.WriteRune(r)
			} else {
				b.WriteString(`\_`)
			}
		case '&':
			if entity.MatchString(string(rs[i:])) {
				b.WriteString(`\&`)
			} else {
				b.WriteRune(r)
			}
		case '\\', '*', '<', '>', '[', ']', '~':
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blockStart matches inline text that CommonMark would read as the start of
// another block were it at the start of a line: a heading, a list item, a
// thematic break or setext underline, a quote.
var blockStart = regexp.MustCompile(`^(#|=|-|\+|[0-9]{1,9}[.)])`)

// lead escapes the first character of a paragraph or list item when it would
// start another block.
func lead(inline string) string {
	if m := blockStart.FindString(inline); m != "" {
		return inline[:len(m)-1] + `\` + inline[len(m)-1:]
	}
	return inline
}

// oneLine folds whitespace runs that hold a line break into one space: the
// inline text goes into list items and table cells, which are one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func runLen(rs []rune, i int) int {
	n := 0
	for i+n < len(rs) && rs[i+n] == rs[i] {
		n++
	}
	return n
}

// closingRun finds the backtick run of exactly n that closes a code span
// opened before from, or -1.
func closingRun(rs []rune, from, n int) int {
	for j := from; j < len(rs); {
		if rs[j] != '`' {
			j++
			continue
		}
		m := runLen(rs, j)
		if m == n {
			return j
		}
		j += m
	}
	return -1
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
