package runbooks_test

import (
	"fmt"
	"regexp"
	"strings"
)

// No Markdown parser is in the module graph, so the tests read the runbooks
// with this line-based reader of the CommonMark that the generator writes:
// ATX headings, fenced code blocks, GFM tables, paragraphs and lists. It is
// strict where the generator could go wrong unseen: a fence left open, an
// accidental setext heading or indented code block, a table row with the
// wrong number of cells, a stray backtick, or a "<" that GitHub would take
// for an HTML tag and hide.

type mdHeading struct {
	level int
	text  string
	line  int
}

type mdCode struct {
	lang, body string
	line       int
}

type mdDoc struct {
	headings []mdHeading
	codes    []mdCode
	links    []string // link destinations, outside code
	problems []string // what would not render as meant
}

var (
	mdATX       = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	mdFence     = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})(.*)$")
	mdSetext    = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	mdComment   = regexp.MustCompile(`^<!--.*-->$`)
	mdLink      = regexp.MustCompile(`\]\((<[^<>\n]*>|[^()<>\s]*)\)`)
	mdAutolink  = regexp.MustCompile(`^<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>`)
	mdLinkDest  = regexp.MustCompile(`^\]\(<[^<>\n]*>\)`)
	mdDelimiter = regexp.MustCompile(`^\|(\s*:?-+:?\s*\|)+$`)
)

func parseMarkdown(text string) mdDoc {
	var d mdDoc
	bad := func(line int, format string, args ...any) {
		d.problems = append(d.problems, fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var (
		fence     string // the open fence, or ""
		code      mdCode
		body      []string
		paragraph bool // the previous line is paragraph text
		table     int  // cells of the open table, or 0
		tableRow  int  // rows of the open table so far
	)
	for i, line := range lines {
		n := i + 1
		if fence != "" {
			t := strings.TrimLeft(line, " ")
			if len(line)-len(t) <= 3 && strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]+" ") == "" {
				code.body = strings.Join(body, "\n")
				d.codes = append(d.codes, code)
				fence, body = "", nil
				continue
			}
			body = append(body, line)
			continue
		}
		blank := strings.TrimSpace(line) == ""
		if table > 0 && (blank || !strings.HasPrefix(line, "|")) {
			table, tableRow = 0, 0
		}
		switch {
		case blank:
			paragraph = false
		case n == 1 && mdComment.MatchString(line):
			// the generated-file header
		case mdFence.MatchString(line):
			m := mdFence.FindStringSubmatch(line)
			if m[2][0] == '`' && strings.Contains(m[3], "`") {
				bad(n, "a backtick in the info string of a fence")
			}
			fence, code, paragraph = m[2], mdCode{lang: strings.TrimSpace(m[3]), line: n}, false
		case mdATX.MatchString(line):
			m := mdATX.FindStringSubmatch(line)
			d.headings = append(d.headings, mdHeading{level: len(m[1]), text: m[2], line: n})
			d.inline(m[2], n, bad)
			paragraph = false
		case paragraph && mdSetext.MatchString(line):
			bad(n, "%q under a paragraph makes it a setext heading", line)
		case !paragraph && strings.HasPrefix(line, "    "):
			bad(n, "an indented line after a block is an indented code block")
		case strings.HasPrefix(line, "|"):
			cells := tableCells(line)
			if table == 0 {
				table = cells
			} else if cells != table {
				bad(n, "table row of %d cells in a table of %d", cells, table)
			}
			if tableRow == 1 {
				if !mdDelimiter.MatchString(line) {
					bad(n, "the second row of a table is not its delimiter row")
				}
			} else {
				d.inline(line, n, bad)
			}
			tableRow++
			paragraph = false
		default:
			d.inline(line, n, bad)
			paragraph = true
		}
	}
	if fence != "" {
		bad(code.line, "code fence never closed")
	}
	return d
}

// inline checks one line of inline Markdown and collects its links.
func (d *mdDoc) inline(line string, n int, bad func(int, string, ...any)) {
	rest := stripCodeSpans(line, func() { bad(n, "a backtick that opens no code span: %q", line) })
	for _, m := range mdLink.FindAllStringSubmatch(rest, -1) {
		d.links = append(d.links, strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">"))
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++ // an escaped character
		case '<':
			if a := mdAutolink.FindString(rest[i:]); a != "" {
				d.links = append(d.links, a[1:len(a)-1])
				i += len(a) - 1
				continue
			}
			if i >= 2 && mdLinkDest.MatchString(rest[i-2:]) {
				continue
			}
			bad(n, "raw %q would be read as HTML: %q", "<", line)
		}
	}
}

// stripCodeSpans blanks out code spans, which hold no markup, and reports a
// backtick run that opens none.
func stripCodeSpans(line string, stray func()) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		if line[i] == '\\' && i+1 < len(line) {
			b.WriteString(line[i : i+2])
			i += 2
			continue
		}
		if line[i] != '`' {
			b.WriteByte(line[i])
			i++
			continue
		}
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(line); {
			if line[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(line) && line[j+m] == '`' {
				m++
			}
			if m == n {
				end = j
				break
			}
			j += m
		}
		if end < 0 {
			stray()
			b.WriteString(line[i:])
			break
		}
		b.WriteString("CODE")
		i = end + n
	}
	return b.String()
}

// tableCells counts the cells of a table row: its pipes that are not
// escaped, less the outer ones.
func tableCells(line string) int {
	pipes := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			pipes++
		}
	}
	return pipes - 1
}
