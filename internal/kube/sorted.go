package kube

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Sorted layout is what yaml.v2 writes for the object's JSON decoded
// into maps (sortedByLibrary). Going through maps and yaml.v2's emitter
// made most of the flux generator's time and allocations, so the usual
// objects are written here, from the JSON straight to the same bytes: the
// API types' json tags and marshalers still decide every field and value,
// and only the YAML layout is ours. A string this writer does not know to
// write exactly as yaml.v2 would (not printable ASCII, a line yaml.v2
// would fold at 80 columns, a block scalar needing an indentation or keep
// indicator, a key yaml.v2 would not write as a simple key) sends the
// whole object to sortedByLibrary; FuzzSorted holds the two to the same
// bytes.

// sorted gives the Sorted layout of obj.
func sorted(obj any) ([]byte, error) {
	w := writers.Get().(*writer)
	defer writers.Put(w)
	w.json.Reset()
	if err := json.NewEncoder(&w.json).Encode(obj); err != nil {
		return nil, err
	}
	if out, ok := w.document(strings.TrimSuffix(w.json.String(), "\n")); ok {
		return out, nil
	}
	return sortedByLibrary(obj)
}

// writers keep their scratch space between objects.
var writers = sync.Pool{New: func() any { return new(writer) }}

// writer parses one object's JSON into nodes and writes them as YAML.
type writer struct {
	json  bytes.Buffer
	src   string // the JSON being parsed
	pos   int
	nodes []node // every parsed child, each node's together
	stack []node // children of the objects and arrays being parsed
	out   []byte
}

type kind uint8

const (
	null kind = iota
	boolean
	number
	str
	object
	array
)

// node is a JSON value: text holds a scalar (a string unescaped, a number
// or literal as written), nodes[first:first+n] the members of an object
// or the elements of an array.
type node struct {
	key      string // the member's name, in an object
	text     string
	kind     kind
	first, n int
}

// document writes the JSON object src as a document, without its status
// or an empty spec, as sortedByLibrary does. It reports false for what it
// leaves to the library.
func (w *writer) document(src string) ([]byte, bool) {
	w.src, w.pos = src, 0
	w.nodes, w.stack, w.out = w.nodes[:0], w.stack[:0], w.out[:0]
	if !w.peek('{') {
		return nil, false
	}
	root, ok := w.value()
	if !ok || w.pos != len(src) {
		return nil, false
	}
	members := w.nodes[root.first : root.first+root.n]
	members = slices.DeleteFunc(members, func(m node) bool {
		return m.key == "status" || m.key == "spec" && m.kind == object && m.n == 0
	})
	root.n = len(members)
	if root.n == 0 {
		return []byte("{}\n"), true
	}
	if !w.sort(root) || !w.mapping(root, 0, false) {
		return nil, false
	}
	return bytes.Clone(w.out), true
}

func (w *writer) peek(c byte) bool { return w.pos < len(w.src) && w.src[w.pos] == c }

// value parses the JSON value at pos. The JSON comes from encoding/json:
// compact and valid; anything unexpected is left to the library.
func (w *writer) value() (node, bool) {
	if w.pos >= len(w.src) {
		return node{}, false
	}
	switch c := w.src[w.pos]; c {
	case '{', '[':
		return w.collection(c)
	case '"':
		s, ok := w.string()
		return node{kind: str, text: s}, ok
	case 't':
		return w.word("true", boolean)
	case 'f':
		return w.word("false", boolean)
	case 'n':
		return w.word("null", null)
	}
	start := w.pos
	for w.pos < len(w.src) && strings.IndexByte("+-.0123456789eE", w.src[w.pos]) >= 0 {
		w.pos++
	}
	return node{kind: number, text: w.src[start:w.pos]}, w.pos > start
}

func (w *writer) word(word string, k kind) (node, bool) {
	if !strings.HasPrefix(w.src[w.pos:], word) {
		return node{}, false
	}
	w.pos += len(word)
	return node{kind: k, text: word}, true
}

// collection parses an object or an array, its children onto the stack
// first, then together into nodes.
func (w *writer) collection(open byte) (node, bool) {
	k, end := object, byte('}')
	if open == '[' {
		k, end = array, ']'
	}
	w.pos++
	base := len(w.stack)
	for !w.peek(end) {
		if len(w.stack) > base {
			if !w.peek(',') {
				return node{}, false
			}
			w.pos++
		}
		var key string
		if k == object {
			var ok bool
			if key, ok = w.string(); !ok || !w.peek(':') {
				return node{}, false
			}
			w.pos++
		}
		v, ok := w.value()
		if !ok {
			return node{}, false
		}
		v.key = key
		w.stack = append(w.stack, v)
	}
	w.pos++
	n := node{kind: k, first: len(w.nodes), n: len(w.stack) - base}
	w.nodes = append(w.nodes, w.stack[base:]...)
	w.stack = w.stack[:base]
	return n, true
}

// string parses a JSON string. Most have no escapes and are a slice of
// src; encoding/json's escapes are all Go's too.
func (w *writer) string() (string, bool) {
	if !w.peek('"') {
		return "", false
	}
	start, escaped := w.pos, false
	for i := start + 1; i < len(w.src); i++ {
		switch w.src[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			w.pos = i + 1
			if !escaped {
				return w.src[start+1 : i], true
			}
			s, err := strconv.Unquote(w.src[start : i+1])
			return s, err == nil
		}
	}
	return "", false
}

// sort orders the members of root and of every object in it as yaml.v2
// orders map keys. Two members of one name (a raw JSON value may repeat
// one, which a map would have kept once) are left to the library.
func (w *writer) sort(root node) bool {
	if !w.sortMembers(root) {
		return false
	}
	for _, n := range w.nodes {
		if n.kind == object && !w.sortMembers(n) {
			return false
		}
	}
	return true
}

func (w *writer) sortMembers(n node) bool {
	members := w.nodes[n.first : n.first+n.n]
	for _, m := range members {
		if !printableASCII(m.key) {
			return false
		}
	}
	slices.SortFunc(members, func(a, b node) int {
		switch {
		case keyLess(a.key, b.key):
			return -1
		case keyLess(b.key, a.key):
			return 1
		}
		return 0
	})
	for i := 1; i < len(members); i++ {
		if members[i].key == members[i-1].key {
			return false
		}
	}
	return true
}

// keyLess is yaml.v2's order of string keys (its sorter.go) for ASCII:
// letters by code, anything else before a letter, and runs of digits by
// their value, so that "a9" comes before "a10".
func keyLess(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		al, bl := isLetter(a[i]), isLetter(b[i])
		if al && bl {
			return a[i] < b[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if a[i] == '0' || b[i] == '0' {
			for j := i - 1; j >= 0 && isDigit(a[j]); j-- {
				if a[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		for ai = i; ai < len(a) && isDigit(a[ai]); ai++ {
			an = an*10 + int64(a[ai]-'0')
		}
		for bi = i; bi < len(b) && isDigit(b[bi]); bi++ {
			bn = bn*10 + int64(b[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// mapping writes the members of object n at indent, the first on the
// current line when inline (after "- ").
func (w *writer) mapping(n node, indent int, inline bool) bool {
	for i := n.first; i < n.first+n.n; i++ {
		m := w.nodes[i]
		if i > n.first || !inline {
			w.indent(indent)
		}
		if !w.scalar(m.key, indent, true) {
			return false
		}
		w.out = append(w.out, ':')
		switch {
		case m.kind == object && m.n > 0:
			w.out = append(w.out, '\n')
			if !w.mapping(m, indent+2, false) {
				return false
			}
		case m.kind == array && m.n > 0:
			// yaml.v2 writes a mapping's sequence flush with its key.
			w.out = append(w.out, '\n')
			if !w.sequence(m, indent, false) {
				return false
			}
		default:
			w.out = append(w.out, ' ')
			if !w.leaf(m, indent) {
				return false
			}
		}
	}
	return true
}

// sequence writes the elements of array n, each after "- " at indent, the
// first on the current line when inline (in a sequence).
func (w *writer) sequence(n node, indent int, inline bool) bool {
	for i := n.first; i < n.first+n.n; i++ {
		e := w.nodes[i]
		if i > n.first || !inline {
			w.indent(indent)
		}
		w.out = append(w.out, "- "...)
		var ok bool
		switch {
		case e.kind == object && e.n > 0:
			ok = w.mapping(e, indent+2, true)
		case e.kind == array && e.n > 0:
			ok = w.sequence(e, indent+2, true)
		default:
			ok = w.leaf(e, indent)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (w *writer) indent(n int) {
	for range n {
		w.out = append(w.out, ' ')
	}
}

// leaf writes a scalar or an empty collection, and ends the line. indent
// is that of the mapping or sequence it is in.
func (w *writer) leaf(n node, indent int) bool {
	switch n.kind {
	case object:
		w.out = append(w.out, "{}\n"...)
	case array:
		w.out = append(w.out, "[]\n"...)
	case null, boolean:
		w.out = append(w.out, n.text...)
		w.out = append(w.out, '\n')
	case number:
		// As sortedByLibrary's numbers: an integer when it is one.
		if i, err := strconv.ParseInt(n.text, 10, 64); err == nil {
			w.out = strconv.AppendInt(w.out, i, 10)
		} else if f, err := strconv.ParseFloat(n.text, 64); err == nil {
			w.out = strconv.AppendFloat(w.out, f, 'g', -1, 64)
		} else {
			return false
		}
		w.out = append(w.out, '\n')
	case str:
		return w.scalar(n.text, indent, false)
	}
	return true
}

// scalar writes the string s as yaml.v2 does in block context (its
// encoder's stringv, then its emitter's choice of style): a mapping key
// when key, else a value that ends its line. It reports false for a
// string it leaves to the library.
func (w *writer) scalar(s string, indent int, key bool) bool {
	if s == "" {
		// Plain, it would read back as null.
		w.out = append(w.out, `""`...)
		return key || w.newline()
	}
	if strings.IndexByte(s, '\n') >= 0 {
		return !key && w.block(s, indent)
	}
	if !printableASCII(s) || key && len(s) > 128 {
		// Non-ASCII is escaped or not by character class; a long key
		// becomes a complex key ("? ").
		return false
	}
	quote := byte(0)
	switch {
	case !plainString(s):
		quote = '"'
	case !plainAllowed(s):
		quote = '\''
	}
	if !key && strings.IndexByte(s, ' ') >= 0 {
		// yaml.v2 folds a value's line at a space past column 80.
		width := len(s)
		if quote != 0 {
			width = 2*len(s) + 2
		}
		if w.column()+width > 80 {
			return false
		}
	}
	switch quote {
	case 0:
		w.out = append(w.out, s...)
	case '\'':
		w.out = append(w.out, '\'')
		w.out = append(w.out, strings.ReplaceAll(s, "'", "''")...)
		w.out = append(w.out, '\'')
	case '"':
		// What reads as a number, a date, a boolean or null has no
		// character to escape.
		w.out = append(w.out, '"')
		w.out = append(w.out, s...)
		w.out = append(w.out, '"')
	}
	return key || w.newline()
}

func (w *writer) newline() bool {
	w.out = append(w.out, '\n')
	return true
}

// column is where the current line has got to.
func (w *writer) column() int { return len(w.out) - bytes.LastIndexByte(w.out, '\n') - 1 }

// block writes a string of several lines as a literal block, indented
// below its key or dash, with "-" when it does not end with a line break.
func (w *writer) block(s string, indent int) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	// yaml.v2 double-quotes a block with trailing spaces on a line or at
	// the end, and adds an indicator to one that starts with a space or a
	// line break or ends with two line breaks.
	last := s[len(s)-1]
	if last == ' ' || strings.Contains(s, " \n") || s[0] == ' ' || s[0] == '\n' || strings.HasSuffix(s, "\n\n") {
		return false
	}
	w.out = append(w.out, '|')
	if last != '\n' {
		w.out = append(w.out, '-')
	}
	w.out = append(w.out, '\n')
	for line := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		if line != "" {
			w.indent(indent + 2)
			w.out = append(w.out, line...)
		}
		w.out = append(w.out, '\n')
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// plainAllowed: yaml.v2's emitter writes the one-line printable string s
// plain in block context (yaml_emitter_analyze_scalar): no space at
// either end, no document marker, indicator or comment.
func plainAllowed(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' || strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		return false
	}
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	// After the first character: a colon before a space or at the end,
	// a hash after a space.
	return !strings.Contains(s[1:], ": ") && !(len(s) > 1 && s[len(s)-1] == ':') && !strings.Contains(s, " #")
}

// plainString reports whether yaml.v2 reads the non-empty s, written
// plain, back as a string: its resolve (resolve.go) and isBase60Float
// (encode.go), which make its encoder double-quote s otherwise.
func plainString(s string) bool {
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		return !resolveWords[s]
	case c == '.':
		if resolveWords[s] {
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case c == '+' || c == '-' || isDigit(c):
		if resolveWords[s] || yamlTimestamp(s) {
			return false
		}
		plain := strings.ReplaceAll(s, "_", "")
		if integerChars(plain) {
			if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
				return false
			}
			if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
				return false
			}
			if b, ok := strings.CutPrefix(plain, "0b"); ok {
				if _, err := strconv.ParseInt(b, 2, 64); err == nil {
					return false
				}
				if _, err := strconv.ParseUint(b, 2, 64); err == nil {
					return false
				}
			} else if b, ok := strings.CutPrefix(plain, "-0b"); ok {
				if _, err := strconv.ParseInt("-"+b, 2, 64); err == nil {
					return false
				}
			}
		}
		if onlyChars(plain, "0123456789+-.eE") && yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return false
			}
		}
		return !(strings.IndexByte(s, ':') >= 0 && base60Float.MatchString(s))
	}
	return true
}

// integerChars reports whether s has only what an integer of any base
// with its prefix and sign is written with, the only strings strconv's
// integer parsers may read (and whose errors would cost an allocation
// for every duration, quantity or address).
func integerChars(s string) bool { return onlyChars(s, "0123456789abcdefABCDEFxXoObB+-") }

// onlyChars reports whether every byte of s is one of chars.
func onlyChars(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}

// resolveWords are the plain scalars yaml.v2 reads as a boolean, null or
// special float.
var resolveWords = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"true": true, "True": true, "TRUE": true,
	"on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"false": true, "False": true, "FALSE": true,
	"off": true, "Off": true, "OFF": true,
	"~": true, "null": true, "Null": true, "NULL": true,
	".nan": true, ".NaN": true, ".NAN": true,
	".inf": true, ".Inf": true, ".INF": true,
	"+.inf": true, "+.Inf": true, "+.INF": true,
	"-.inf": true, "-.Inf": true, "-.INF": true,
}

var (
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60Float    = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// yamlTimestamp is yaml.v2's parseTimestamp: a date, alone or with a time.
func yamlTimestamp(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range []string{
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
