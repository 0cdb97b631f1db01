// Package markdown writes the CommonMark (with GitHub's tables) of the
// generated documents: runbooks, the data inventory, partner playbooks.
// Text goes in as plain strings escaped by Esc, or as spans made by Code
// and Link, never as raw Markdown, so that a value from a spec cannot
// become markup.
package markdown

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Doc builds a Markdown document block by block. Each block ends with the
// blank line CommonMark needs between blocks, so that no block can run into
// the next one; text goes in as inline Markdown made by esc, code and link,
// never as raw alert text, so that a "<pod>" in a mitigation step cannot
// become an HTML tag that GitHub swallows.
//
// Blocks are written piece by piece into a buffer of a pool, and Bytes
// copies the document out once, at its size: the render writes thousands
// of documents, and the strings built per block, the buffers grown per
// document and the copies of each were most of what it allocated.
type Doc struct{ b *bytes.Buffer }

// buffers are the buffers of the documents being written.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// buf is the document's buffer, taken from the pool on the first write.
func (d *Doc) buf() *bytes.Buffer {
	if d.b == nil {
		d.b = buffers.Get().(*bytes.Buffer)
	}
	return d.b
}

// Heading writes an ATX heading.
func (d *Doc) Heading(level int, inline string) {
	b := d.buf()
	for range level {
		b.WriteByte('#')
	}
	b.WriteByte(' ')
	b.WriteString(inline)
	b.WriteString("\n\n")
}

// Para writes a paragraph of inline Markdown.
func (d *Doc) Para(inline string) {
	b := d.buf()
	d.lead(inline)
	b.WriteString("\n\n")
}

// List writes a bullet list; an item is one line of inline Markdown.
func (d *Doc) List(items ...string) {
	b := d.buf()
	for _, it := range items {
		b.WriteString("- ")
		d.lead(it)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// Steps writes a numbered list, for what is done in order.
func (d *Doc) Steps(items ...string) {
	b := d.buf()
	for i, it := range items {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		d.lead(it)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// Table writes a GitHub-flavoured table. A pipe inside a cell is escaped,
// which GFM honours even inside code spans.
func (d *Doc) Table(header []string, rows [][]string) {
	b := d.buf()
	row := func(cells []string) {
		b.WriteString("| ")
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(strings.ReplaceAll(c, "|", `\|`))
		}
		b.WriteString(" |\n")
	}
	row(header)
	b.WriteByte('|')
	for range header {
		b.WriteString("---|")
	}
	b.WriteByte('\n')
	for _, r := range rows {
		row(r)
	}
	b.WriteByte('\n')
}

// Fence writes a fenced code block, with a fence longer than any run of
// backticks in the body so that the body cannot close it.
func (d *Doc) Fence(lang, body string) {
	b := d.buf()
	fence := max(3, longestRun(body, '`')+1)
	for range fence {
		b.WriteByte('`')
	}
	b.WriteString(lang)
	b.WriteByte('\n')
	b.WriteString(strings.TrimRight(body, "\n"))
	b.WriteByte('\n')
	for range fence {
		b.WriteByte('`')
	}
	b.WriteString("\n\n")
}

// Raw writes Markdown that is already a sequence of blocks, such as the
// runbook text of a spec alert, ending it with a blank line.
func (d *Doc) Raw(md string) {
	b := d.buf()
	b.WriteString(strings.TrimRight(md, "\n"))
	b.WriteString("\n\n")
}

// Bytes ends the document with exactly one newline, and gives its buffer
// back to the pool: a Doc written after Bytes starts a new document.
func (d *Doc) Bytes() []byte {
	b := d.buf()
	text := bytes.TrimRight(b.Bytes(), "\n")
	out := make([]byte, len(text)+1)
	copy(out, text)
	out[len(text)] = '\n'
	b.Reset()
	buffers.Put(b)
	d.b = nil
	return out
}

// Code returns s as a code span. The span is delimited by more backticks
// than s holds in a row, and padded when s starts or ends with a backtick,
// as CommonMark requires.
func Code(s string) string {
	s = oneLine(s)
	n := longestRun(s, '`')
	if n == 0 {
		return "`" + s + "`"
	}
	fence := strings.Repeat("`", n+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// Link is an inline link. A destination with spaces, parentheses or angle
// brackets is bracketed, so that none of them can end it early.
func Link(text, dest string) string {
	if strings.ContainsAny(dest, " ()<>") {
		dest = "<" + angles.Replace(dest) + ">"
	}
	return "[" + text + "](" + dest + ")"
}

// angles percent-encodes the angle brackets of a bracketed destination.
var angles = strings.NewReplacer("<", "%3C", ">", "%3E")

// entity matches what CommonMark would read as an HTML entity.
var entity = regexp.MustCompile(`^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// special are the characters Esc may have to escape or keep apart.
const special = "`_&\\*<>[]~"

// Esc turns plain text into inline Markdown that renders as the same text.
// Code spans the text already holds (alert meanings quote expressions in
// backticks) are kept; elsewhere every character that could start markup is
// escaped. An underscore inside a word cannot start emphasis, so metric
// names such as db_pool_max_connections stay readable in the source.
//
// Invalid UTF-8 comes out as U+FFFD, a replacement per byte; the text
// is then read byte by byte, which is safe since every character that
// matters is ASCII and no byte of a multi-byte character is. Most text
// has nothing to escape and is returned as it is.
func Esc(s string) string {
	s = oneLine(s)
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	first := strings.IndexAny(s, special)
	if first < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:first])
	for i := first; i < len(s); i++ {
		c := s[i]
		switch c {
		case '`':
			n := runLen(s, i)
			if end := closingRun(s, i+n, n); end >= 0 {
				b.WriteString(s[i : end+n])
				i = end + n - 1
				continue
			}
			for range n {
				b.WriteString("\\`")
			}
			i += n - 1
		case '_':
			if i > 0 && i < len(s)-1 && isWord(lastRune(s[:i])) && isWord(firstRune(s[i+1:])) {
				b.WriteByte(c)
			} else {
				b.WriteString(`\_`)
			}
		case '&':
			if entity.MatchString(s[i:]) {
				b.WriteString(`\&`)
			} else {
				b.WriteByte(c)
			}
		case '\\', '*', '<', '>', '[', ']', '~':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// blockStart matches inline text that CommonMark would read as the start of
// another block were it at the start of a line: a heading, a list item, a
// thematic break or setext underline, a quote.
var blockStart = regexp.MustCompile(`^(#|=|-|\+|[0-9]{1,9}[.)])`)

// lead writes inline, escaping its first character when it would start
// another block.
func (d *Doc) lead(inline string) {
	b := d.buf()
	if m := blockStartOf(inline); m != "" {
		b.WriteString(inline[:len(m)-1])
		b.WriteByte('\\')
		inline = inline[len(m)-1:]
	}
	b.WriteString(inline)
}

// blockStartOf is the match of blockStart in inline, which can only begin
// with one of a few characters: most paragraphs skip the expression.
func blockStartOf(inline string) string {
	if inline == "" || !strings.ContainsRune("#=-+0123456789", rune(inline[0])) {
		return ""
	}
	return blockStart.FindString(inline)
}

// oneLine folds whitespace runs that hold a line break into one space: the
// inline text goes into list items and table cells, which are one line.
func oneLine(s string) string {
	if !strings.ContainsRune(s, '\n') && !strings.ContainsRune(s, '\r') {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// runLen is the length of the run of the byte at i.
func runLen(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == s[i] {
		n++
	}
	return n
}

// closingRun finds the backtick run of exactly n that closes a code span
// opened before from, or -1.
func closingRun(s string, from, n int) int {
	for j := from; j < len(s); {
		if s[j] != '`' {
			j++
			continue
		}
		m := runLen(s, j)
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

// Rel is the destination of a link from one file of the repository to
// another, both slash paths from its root: relative, so that it resolves on
// any branch, in any clone and in GitHub's file view.
func Rel(from, to string) string {
	fromDirs := strings.Split(path.Dir(from), "/")
	if path.Dir(from) == "." {
		fromDirs = nil
	}
	toParts := strings.Split(to, "/")
	common := 0
	for common < len(fromDirs) && common < len(toParts)-1 && fromDirs[common] == toParts[common] {
		common++
	}
	return strings.Repeat("../", len(fromDirs)-common) + strings.Join(toParts[common:], "/")
}
