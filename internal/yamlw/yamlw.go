// Package yamlw writes YAML for the generated files made of structs with
// yaml tags, string maps, slices, strings and integers: Prometheus rule
// files, their promtool tests, PrometheusRules and YACE's configuration.
// yaml.v3 took most of a generate's time on these (about 15 MB/s); this
// writer gives the bytes yaml.v3 gives with an indent of 2 for the strings
// rule files hold (generators/alerts tests it on the sample organisation,
// TestWordsAreYAMLv3 on words), many times faster. Other strings, and map
// keys, which it writes as they are, keep the bytes testdata/strings.golden
// holds.
package yamlw

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Marshal writes v, a struct, as a YAML document.
func Marshal(v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.out = e.out[:0]
	if err := e.value(reflect.ValueOf(v), 0, top); err != nil {
		return nil, err
	}
	return bytes.Clone(e.out), nil
}

// encoders keep their buffers between documents, so that a document costs
// one allocation of its own size.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

type encoder struct {
	out    []byte
	keys   []string // of the maps being written, a stack
	fields []field  // the same, for maps of other types
}

// Where a value is written: at the start of the document, after "key:" (a
// scalar follows on the line, a collection below it) or after "- " (a
// mapping's first key follows on the line).
type position int

const (
	top position = iota
	afterKey
	afterDash
)

// value writes v at indent.
func (e *encoder) value(v reflect.Value, indent int, at position) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		e.scalar(v.String(), indent, at != top)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if at != top {
			e.out = append(e.out, ' ')
		}
		e.out = strconv.AppendInt(e.out, v.Int(), 10)
		e.out = append(e.out, '\n')
	case reflect.Struct:
		return e.structFields(v, indent, at)
	case reflect.Map:
		if m, ok := stringMap(v); ok {
			e.stringMap(m, indent, at)
			return nil
		}
		return e.mapFields(v, indent, at)
	case reflect.Slice:
		if v.Len() == 0 {
			e.out = append(e.out, " []\n"...)
			return nil
		}
		if at != top {
			e.out = append(e.out, '\n')
		}
		for i := range v.Len() {
			e.out = append(e.out, spaces(indent)...)
			e.out = append(e.out, '-')
			if err := e.value(v.Index(i), indent+2, afterDash); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("yamlw: cannot write a %s", v.Kind())
	}
	return nil
}

// spaces returns n spaces without allocating for the usual depths.
func spaces(n int) string {
	const blank = "                                                                "
	if n <= len(blank) {
		return blank[:n]
	}
	return strings.Repeat(" ", n)
}

// key starts the i-th key of a mapping: on the line after "- ", on the
// next line after "key:".
func (e *encoder) key(name string, i, indent int, at position) {
	switch {
	case i == 0 && at == afterDash:
		e.out = append(e.out, ' ')
	case i == 0 && at == afterKey:
		e.out = append(e.out, '\n')
		e.out = append(e.out, spaces(indent)...)
	case i > 0:
		e.out = append(e.out, spaces(indent)...)
	}
	e.out = append(e.out, name...)
	e.out = append(e.out, ':')
}

func (e *encoder) emptyMapping() { e.out = append(e.out, " {}\n"...) }

// fieldInfo is a struct field with a yaml tag.
type fieldInfo struct {
	name      string
	index     int
	omitEmpty bool
}

// fieldsOf are the fields of struct type t that have a yaml tag, read once
// per type.
func fieldsOf(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("yaml")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fs = append(fs, fieldInfo{name: name, index: i, omitEmpty: opts == "omitempty"})
	}
	fieldCache.Store(t, fs)
	return fs
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

// structFields writes the fields with a yaml tag, omitempty honoured.
func (e *encoder) structFields(v reflect.Value, indent int, at position) error {
	i := 0
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && (fv.IsZero() || (fv.Kind() == reflect.Map || fv.Kind() == reflect.Slice) && fv.Len() == 0) {
			continue
		}
		e.key(f.name, i, indent, at)
		if err := e.value(fv, indent+2, afterKey); err != nil {
			return err
		}
		i++
	}
	if i == 0 {
		e.emptyMapping()
	}
	return nil
}

// stringMap is v as a map[string]string, which most maps written are
// (labels and annotations), to be read without reflection.
func stringMap(v reflect.Value) (map[string]string, bool) {
	if !v.CanInterface() {
		return nil, false
	}
	m, ok := v.Interface().(map[string]string)
	return m, ok
}

// stringMap writes m by sorted keys.
func (e *encoder) stringMap(m map[string]string, indent int, at position) {
	if len(m) == 0 {
		e.emptyMapping()
		return
	}
	base := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys[base:])
	for i := base; i < len(e.keys); i++ {
		e.key(e.keys[i], i-base, indent, at)
		e.scalar(m[e.keys[i]], indent+2, true)
	}
	e.keys = e.keys[:base]
}

type field struct {
	key   string
	value reflect.Value
}

// mapFields writes a map of another type by sorted keys.
func (e *encoder) mapFields(v reflect.Value, indent int, at position) error {
	if v.Len() == 0 {
		e.emptyMapping()
		return nil
	}
	base := len(e.fields)
	for it := v.MapRange(); it.Next(); {
		e.fields = append(e.fields, field{it.Key().String(), it.Value()})
	}
	slices.SortFunc(e.fields[base:], func(a, b field) int { return strings.Compare(a.key, b.key) })
	for i := base; i < len(e.fields); i++ {
		f := e.fields[i]
		e.key(f.key, i-base, indent, at)
		if err := e.value(f.value, indent+2, afterKey); err != nil {
			return err
		}
	}
	clear(e.fields[base:])
	e.fields = e.fields[:base]
	return nil
}

// typedRE matches what YAML would read as a number or a timestamp; words
// such as true or null are looked up in typedWords.
var typedRE = regexp.MustCompile(`^[-+]?(\.?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|\.(inf|Inf|INF|nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)$`)

var typedWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "~": true,
}

// typed reports whether s would read back as something other than a string.
func typed(s string) bool {
	if len(s) <= 5 && typedWords[strings.ToLower(s)] {
		return true
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		return mayBeTyped(s) && typedRE.MatchString(s)
	}
	return false
}

// mayBeTyped is false for much of what typedRE cannot match, without
// running it: every form of it but a date with a time ends in a digit,
// '_', '.', a hex digit or the f or n of inf and nan, so a duration such
// as 5m is a string unless it starts as a date.
func mayBeTyped(s string) bool {
	if strings.IndexByte("0123456789_.abcdefABCDEFnN", s[len(s)-1]) >= 0 {
		return true
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	return len(s) > 4 && s[4] == '-'
}

// scalar writes a string plain when YAML reads it back as that string,
// as a literal block when it has several lines, and single-quoted otherwise.
func (e *encoder) scalar(s string, indent int, inline bool) {
	if inline {
		e.out = append(e.out, ' ')
	}
	switch {
	case s == "":
		e.out = append(e.out, "\"\"\n"...)
	case strings.IndexByte(s, '\n') >= 0 && literalOK(s):
		e.out = append(e.out, "|-\n"...)
		for line := range strings.SplitSeq(s, "\n") {
			if line != "" {
				e.out = append(e.out, spaces(indent)...)
				e.out = append(e.out, line...)
			}
			e.out = append(e.out, '\n')
		}
	case typed(s):
		// yaml.v3 double-quotes what would read as another type.
		e.out = strconv.AppendQuote(e.out, s)
		e.out = append(e.out, '\n')
	case plainOK(s):
		e.out = append(e.out, s...)
		e.out = append(e.out, '\n')
	case printable(s):
		e.out = append(e.out, '\'')
		for i := 0; i < len(s); i++ {
			if s[i] == '\'' {
				e.out = append(e.out, '\'')
			}
			e.out = append(e.out, s[i])
		}
		e.out = append(e.out, "'\n"...)
	default:
		e.out = strconv.AppendQuote(e.out, s)
		e.out = append(e.out, '\n')
	}
}

// Word reports whether s is written plain, as it is, both by Marshal and
// by yaml.v3 (Encode): a letter, then letters, digits and "-_./", and not
// a boolean or null in any case. Where every string is a word, Marshal
// gives Encode's bytes for the shapes it writes.
func Word(s string) bool {
	if s == "" || !letter(s[0]) || len(s) <= 5 && typedWords[strings.ToLower(s)] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !letter(c) && !(c >= '0' && c <= '9') && strings.IndexByte("-_./", c) < 0 {
			return false
		}
	}
	return true
}

func letter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// plainOK: no leading indicator, no ": " or " #", no trailing space or
// colon, nothing but printable characters on one line.
func plainOK(s string) bool {
	c := s[0]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '/' || c == '.' || c == '(') {
		return false
	}
	if last := s[len(s)-1]; last == ' ' || last == ':' {
		return false
	}
	return !pair(s, ':', ' ') && !pair(s, ' ', '#') && printable(s)
}

// pair is strings.Contains(s, string(a)+string(b)), found by looking for
// the one of a and b that is not a space: in expressions and
// descriptions spaces are everywhere, colons and hashes are not.
func pair(s string, a, b byte) bool {
	rare, at := a, 0
	if a == ' ' {
		rare, at = b, 1
	}
	for i := 0; ; {
		j := strings.IndexByte(s[i:], rare)
		if j < 0 {
			return false
		}
		i += j
		if k := i - at; k >= 0 && k+1 < len(s) && s[k] == a && s[k+1] == b {
			return true
		}
		i++
	}
}

// literalOK: a block keeps every line as written if none but the last is
// empty at the end, the first does not start with a space, and all print.
func literalOK(s string) bool {
	return s[0] != ' ' && s[len(s)-1] != '\n' && printableLines(s) &&
		!pair(s, ' ', '\n') && strings.IndexByte(s, '\t') < 0
}

// printableLines is printable for s without its line breaks. A break
// taken out of text that is not ASCII may join bytes into a character,
// so there they are taken out.
func printableLines(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c-0x20 >= 0x7f-0x20 && c != '\n' {
			return printable(strings.ReplaceAll(s, "\n", ""))
		}
	}
	return true
}

// printable reports whether every character of s prints. Printable ASCII,
// nearly every string, takes one comparison a byte.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]-0x20 >= 0x7f-0x20 { // a control character, DEL or not ASCII
			for _, r := range s[i:] {
				if (r < 0x20 || r >= 0x7f) && !unicode.IsPrint(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}
