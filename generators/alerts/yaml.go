package alerts

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// marshal writes the rule and test files as YAML. They are made of structs
// with yaml tags, string maps, slices and strings only, which this small
// writer covers: yaml.v3 took most of the generator's time (15 MB/s), and
// a service's tests are tens of kilobytes in every environment. The output
// is what yaml.v3 writes with an indent of 2 for these types; a test holds it
// to decoding back into the same values.
func marshal(v any) ([]byte, error) {
	var b strings.Builder
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
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		fields := make([]field, len(keys))
		for i, k := range keys {
			fields[i] = field{k, v.MapIndex(reflect.ValueOf(k))}
		}
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
			b.WriteString(strings.Repeat(" ", indent) + "-")
			if err := writeValue(b, v.Index(i), indent+2, afterDash); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("alerts: cannot write a %s as YAML", v.Kind())
	}
	return nil
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
			b.WriteString("\n" + strings.Repeat(" ", indent))
		case i > 0:
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(f.key + ":")
		if err := writeValue(b, f.value, indent+2, afterKey); err != nil {
			return err
		}
	}
	return nil
}

var (
	// plainRE is what may stay unquoted: no leading indicator, no ": " or
	// " #", no trailing space.
	plainRE = regexp.MustCompile(`^[A-Za-z0-9_/.(][^\n\t]*$`)
	// Values YAML would read as something other than a string.
	typedRE = regexp.MustCompile(`^(?i:true|false|yes|no|on|off|y|n|null|~|[-+]?(\.?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0x[0-9a-f_]+|0o?[0-7_]+|\.inf|\.nan|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?))$`)
)

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
				b.WriteString(strings.Repeat(" ", indent) + line)
			}
			b.WriteString("\n")
		}
	case typedRE.MatchString(s):
		// yaml.v3 double-quotes what would read as another type.
		b.WriteString(strconv.Quote(s) + "\n")
	case plainOK(s):
		b.WriteString(s + "\n")
	case printable(s):
		b.WriteString("'" + strings.ReplaceAll(s, "'", "''") + "'\n")
	default:
		b.WriteString(strconv.Quote(s) + "\n")
	}
}

func plainOK(s string) bool {
	return plainRE.MatchString(s) && !typedRE.MatchString(s) &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") &&
		!strings.HasSuffix(s, " ") && !strings.HasSuffix(s, ":") && printable(s)
}

// literalOK: a block keeps every line as written if none but the last is
// empty at the end, the first does not start with a space, and all print.
func literalOK(s string) bool {
	return !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, "\n") && printable(strings.ReplaceAll(s, "\n", "")) &&
		!strings.Contains(s, " \n") && !strings.Contains(s, "\t")
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
