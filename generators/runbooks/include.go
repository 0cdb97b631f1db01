package runbooks

import (
	"regexp"
	"strings"
)

// notesLevel is the heading level the included runbook text of a spec alert
// may start at: it sits under the runbook's own level-2 section, so a level-2
// heading in it would read as a section of the runbook (and a "## Diagnosis"
// would stand beside the generated one).
const notesLevel = 3

// included is the runbook text of a spec alert, as it goes into the runbook.
// It is kept byte for byte, but for two things that keep the runbook
// whole: when a heading in it is shallower than notesLevel, every heading is
// moved down by the same number of levels, so the text keeps its own outline
// (a setext heading becomes an ATX heading, the only form with more than two
// levels); and a code fence the text leaves open is closed, so that it
// cannot swallow the Escalation section that follows.
func included(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	blocks, open := scan(lines)
	shift := 0
	for _, b := range blocks {
		if b.level > 0 {
			shift = max(shift, notesLevel-b.level)
		}
	}
	var out []string
	for _, b := range blocks {
		switch {
		case b.level > 0 && shift > 0 && b.setext:
			var words []string
			for _, l := range b.lines[:len(b.lines)-1] {
				words = append(words, strings.TrimSpace(l))
			}
			out = append(out, strings.Repeat("#", min(b.level+shift, 6))+" "+strings.Join(words, " "))
		case b.level > 0 && shift > 0:
			m := atx.FindStringSubmatch(b.lines[0])
			out = append(out, m[1]+strings.Repeat("#", min(b.level+shift, 6))+b.lines[0][len(m[1])+len(m[2]):])
		default:
			out = append(out, b.lines...)
		}
	}
	if open != "" {
		out = append(out, open)
	}
	return strings.Join(out, "\n") + "\n"
}

var (
	// atx is an ATX heading: up to three spaces, one to six #, then a space
	// or the end of the line.
	atx = regexp.MustCompile(`^( {0,3})(#{1,6})([ \t]|$)`)
	// setext is the underline of a setext heading (= for level 1, - for 2).
	setext = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	// opensFence is the opening line of a fenced code block.
	opensFence = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	// container is a line that starts something other than a plain
	// paragraph: a list item, a quote, a table row or HTML. A setext
	// underline after it is a thematic break or text, never a heading.
	container = regexp.MustCompile("^ {0,3}([-+*][ \t]|[0-9]{1,9}[.)][ \t]|>|\\||<)")
)

// block is a run of lines scan keeps together: a heading (one ATX line, or a
// paragraph and its setext underline) or any other line alone.
type block struct {
	lines  []string
	level  int  // heading level, 0 for anything else
	setext bool // a setext heading
}

// scan splits Markdown lines into headings and other lines, with just
// enough of CommonMark to tell a heading from a "#" in a code block or a
// "---" that is a thematic break. It returns the fence a code block left
// open at the end, or "".
func scan(lines []string) (blocks []block, open string) {
	para := -1 // index in blocks of the open paragraph's first line
	for _, line := range lines {
		if open != "" {
			if closesFence(line, open) {
				open = ""
			}
			blocks = append(blocks, block{lines: []string{line}})
			continue
		}
		if m := opensFence.FindStringSubmatch(line); m != nil && !(m[1][0] == '`' && strings.Contains(line[len(m[0]):], "`")) {
			open, para = m[1], -1
			blocks = append(blocks, block{lines: []string{line}})
			continue
		}
		if m := atx.FindStringSubmatch(line); m != nil {
			para = -1
			blocks = append(blocks, block{lines: []string{line}, level: len(m[2])})
			continue
		}
		if m := setext.FindStringSubmatch(line); m != nil && para >= 0 {
			h := block{level: 2, setext: true}
			if m[1][0] == '=' {
				h.level = 1
			}
			for _, b := range blocks[para:] {
				h.lines = append(h.lines, b.lines...)
			}
			h.lines = append(h.lines, line)
			blocks, para = append(blocks[:para], h), -1
			continue
		}
		switch {
		case strings.TrimSpace(line) == "" || container.MatchString(line):
			para = -1 // a list item or a quote ends the paragraph
		case para < 0 && !strings.HasPrefix(line, "    "):
			para = len(blocks)
		}
		blocks = append(blocks, block{lines: []string{line}})
	}
	return blocks, open
}

// closesFence reports whether line closes a fence opened with open: the same
// character, at least as many, and nothing else.
func closesFence(line, open string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	n := 0
	for n < len(t) && t[n] == open[0] {
		n++
	}
	return n >= len(open) && strings.TrimSpace(t[n:]) == ""
}
