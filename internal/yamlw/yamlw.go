// Package yamlw writes YAML for the generated files made of structs with
// yaml tags, string maps, slices and strings: Prometheus rule files, their
// promtool tests and PrometheusRules. yaml.v3 took most of a generate's time
// on these (about 15 MB/s); this writer gives the bytes yaml.v3 gives with an
// indent of 2, which a test holds it to, many times faster.
package yamlw

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Marshal writes v, a struct, as a YAML document.
func Marshal(v any) ([]byte, error) {
	var b strings.Builder
	b.Grow(16 << 10)
	if err := writeValue(&b, reflect.ValueOf(v), 0, top); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
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

// writeValue writes v at indent.
func writeValue(b *strings.Builder, v reflect.Value, indent int, at position) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		writeScalar(b, v.String(), indent, at != top)
	case reflect.Struct:
		return writeMapping(b, structFields(v), indent, at)
	case reflect.Map:
		fields := make([]field, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			fields = append(fields, field{it.Key().String(), it.Value()})
		}
		slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.key, b.key) })
		return writeMapping(b, fields, indent, at)
	case reflect.Slice:
		if v.Len() == 0 {
			b.WriteString(" []\n")
			return nil
		}
		if at != top {
			b.WriteString("\n")
		}
		for i := range v.Len() {
			b.WriteString(spaces(indent))
			b.WriteString("-")
			if err := writeValue(b, v.Index(i), indent+2, afterDash); err != nil {
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

type field struct {
	key   string
	value reflect.Value
}

// structFields are the exported fields with a yaml tag, omitempty honoured.
func structFields(v reflect.Value) []field {
	var fs []field
	for i := range v.NumField() {
		tag, ok := v.Type().Field(i).Tag.Lookup("yaml")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if opts == "omitempty" && fv.IsZero() {
			continue
		}
		if (fv.Kind() == reflect.Map || fv.Kind() == reflect.Slice) && fv.Len() == 0 && opts == "omitempty" {
			continue
		}
		fs = append(fs, field{name, fv})
	}
	return fs
}

func writeMapping(b *strings.Builder, fs []field, indent int, at position) error {
	if len(fs) == 0 {
		b.WriteString(" {}\n")
		return nil
	}
	for i, f := range fs {
		switch {
		case i == 0 && at == afterDash:
			b.WriteString(" ")
		case i == 0 && at == afterKey:
			b.WriteString("\n")
			b.WriteString(spaces(indent))
		case i > 0:
			b.WriteString(spaces(indent))
		}
		b.WriteString(f.key)
		b.WriteString(":")
		if err := writeValue(b, f.value, indent+2, afterKey); err != nil {
			return err
		}
	}
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
		return typedRE.MatchString(s)
	}
	return false
}

// writeScalar writes a string plain when YAML reads it back as that string,
// as a literal block when it has several lines, and single-quoted otherwise.
func writeScalar(b *strings.Builder, s string, indent int, inline bool) {
	if inline {
		b.WriteString(" ")
	}
	switch {
	case s == "":
		b.WriteString("\"\"\n")
	case strings.Contains(s, "\n") && literalOK(s):
		b.WriteString("|-\n")
		for line := range strings.SplitSeq(s, "\n") {
			if line != "" {
				b.WriteString(spaces(indent))
				b.WriteString(line)
			}
			b.WriteString("\n")
		}
	case typed(s):
		// yaml.v3 double-quotes what would read as another type.
		b.WriteString(strconv.Quote(s))
		b.WriteString("\n")
	case plainOK(s):
		b.WriteString(s)
		b.WriteString("\n")
	case printable(s):
		b.WriteString("'")
		b.WriteString(strings.ReplaceAll(s, "'", "''"))
		b.WriteString("'\n")
	default:
		b.WriteString(strconv.Quote(s))
		b.WriteString("\n")
	}
}

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
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && printable(s)
}

// literalOK: a block keeps every line as written if none but the last is
// empty at the end, the first does not start with a space, and all print.
func literalOK(s string) bool {
	return !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, "\n") && printable(strings.ReplaceAll(s, "\n", "")) &&
		!strings.Contains(s, " \n") && !strings.Contains(s, "\t")
}

func printable(s string) bool {
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			continue
		}
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
