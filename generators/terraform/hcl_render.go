package terraform

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// doc is a file of top-level blocks, each kept apart until rendering: terraform
// fmt aligns within a block only, so a block formats as another one laid out
// alike (layouts), and blocks alike in several files are rendered once for
// all of them (doc.shared).
type doc struct{ parts []part }

// part is a top-level block of a doc, or blocks rendered already.
type part struct {
	block *hclwrite.File
	text  []byte
}

// block starts a top-level block and returns its body.
func (d *doc) block(typ string, labels ...string) *hclwrite.Body {
	return d.commentedBlock(nil, typ, labels...)
}

// commentedBlock starts a top-level block below comments (whole lines, each
// starting with #) and returns its body.
func (d *doc) commentedBlock(comments []string, typ string, labels ...string) *hclwrite.Body {
	f := hclwrite.NewEmptyFile()
	d.parts = append(d.parts, part{block: f})
	for _, c := range comments {
		f.Body().AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(c + "\n")}})
	}
	return block(f.Body(), typ, labels...)
}

// shared appends the blocks that build makes, rendered once for every doc
// that has them: key names them, and says all that they depend on.
func (d *doc) shared(r *renderer, key string, build func(*doc)) {
	v, _ := r.shared.LoadOrStore(key, &sharedText{})
	t := v.(*sharedText)
	t.once.Do(func() {
		s := &doc{}
		build(s)
		t.text = bytes.TrimSuffix(s.render(r), []byte{'\n'})
	})
	d.parts = append(d.parts, part{text: t.text})
}

// render formats the blocks as terraform fmt would, a blank line between
// two blocks and one newline at the end.
func (d *doc) render(r *renderer) []byte {
	var b bytes.Buffer
	var toks hclwrite.Tokens // a block's, then the next one's
	for i, p := range d.parts {
		if i > 0 {
			b.WriteString("\n\n")
		}
		if p.block == nil {
			b.Write(p.text)
			continue
		}
		toks = p.block.BuildTokens(toks[:0])
		r.layouts.format(p.block, toks)
		start := b.Len()
		toks.WriteTo(&b)
		block := bytes.Trim(b.Bytes()[start:], "\n")
		b.Truncate(start + copy(b.Bytes()[start:], block))
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// renderer is what the files of a Generate share as they are rendered.
type renderer struct {
	layouts layouts
	shared  sync.Map // key → *sharedText, of doc.shared
}

// sharedText is blocks rendered once for several docs.
type sharedText struct {
	once sync.Once
	text []byte
}

// layouts are the spaces that hclwrite's formatting gave the tokens of a
// block, by the block's layout (layoutOf). Formatting sets every token's
// SpacesBefore from what the layout holds only, so a block laid out as one
// formatted before is formatted by taking its spaces. Formatting was most
// of the work of a root (hclwrite measures every aligned name with a
// bufio.Scanner of its own), and the blocks of a thousand services are laid
// out in a few ways: a database module call differs from another one in its
// label and values only. TestFilesAreFormatted and
// TestLayoutsSpaceAsFormatting fail if a newer hclwrite formats by more
// than a layout holds.
type layouts struct {
	mu sync.Mutex
	m  map[string]*layout
}

// layout is the spaces of a layout's tokens, a SpacesBefore per token, once
// a block of it is formatted: the environments' roots, rendered at once,
// wait for the first of them to format it.
type layout struct {
	once   sync.Once
	spaces []int
}

// format formats toks, the tokens of f.
func (l *layouts) format(f *hclwrite.File, toks hclwrite.Tokens) {
	key := layoutOf(toks)
	l.mu.Lock()
	s := l.m[string(key)]
	if s == nil {
		if l.m == nil {
			l.m = map[string]*layout{}
		}
		s = &layout{}
		l.m[string(key)] = s
	}
	l.mu.Unlock()
	formatted := false
	s.once.Do(func() {
		f.WriteTo(io.Discard) // formats its own tokens, toks
		s.spaces = make([]int, len(toks))
		for i, t := range toks {
			s.spaces[i] = t.SpacesBefore
		}
		formatted = true
	})
	if formatted {
		return
	}
	for i, n := range s.spaces {
		toks[i].SpacesBefore = n
	}
}

// layoutOf is all that hclwrite's formatting of toks reads of them (see
// format.go in hclwrite): every token's type, and the bytes of the tokens
// it measures, which are the names aligned before the equals signs of a
// run of attributes one line each (or, on a line that ends in a comment
// after something else, the whole line); whether a comment ends its line;
// and whether an identifier is "in", the keyword of a for expression.
// Values, labels and comments on lines of their own are laid out alike
// whatever they say.
func layoutOf(toks hclwrite.Tokens) []byte {
	k := make([]byte, 0, 2*len(toks))
	for len(toks) > 0 {
		n := 0
		for n < len(toks) && !endsLine(toks[n]) {
			n++
		}
		line := toks[:min(n+1, len(toks))]
		toks = toks[len(line):]
		measured := alignedName(line)
		if c := line[len(line)-1]; len(line) > 1 && c.Type == hclsyntax.TokenComment {
			measured = len(line)
		}
		for i, t := range line {
			k = utf8.AppendRune(k, rune(t.Type))
			switch {
			case i < measured, t.Type == hclsyntax.TokenIdent && string(t.Bytes) == "in":
				k = strconv.AppendInt(k, int64(len(t.Bytes)), 10)
				k = append(append(k, ':'), t.Bytes...)
			case t.Type == hclsyntax.TokenComment && endsLine(t):
				k = append(k, '\n')
			}
		}
	}
	return k
}

// endsLine reports whether t ends a line, as hclwrite's formatting splits
// them: a newline, or a comment that takes its newline.
func endsLine(t *hclwrite.Token) bool {
	return t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenComment && bytes.HasSuffix(t.Bytes, []byte{'\n'})
}

// alignedName is how many tokens of line hclwrite's formatting aligns the
// equals sign after: those before its first equals sign, when the value
// after it ends on the line (its brackets balance); else none.
func alignedName(line hclwrite.Tokens) int {
	for i, t := range line {
		if i > 0 && t.Type == hclsyntax.TokenEqual {
			depth := 0
			for _, t := range line[i:] {
				depth += bracketChange(t)
			}
			if depth == 0 {
				return i
			}
			return 0
		}
	}
	return 0
}

// bracketChange is how t opens (1) or closes (-1) a bracket, as hclwrite
// counts them.
func bracketChange(t *hclwrite.Token) int {
	switch t.Type {
	case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenTemplateControl, hclsyntax.TokenTemplateInterp:
		return 1
	case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
		return -1
	}
	return 0
}
