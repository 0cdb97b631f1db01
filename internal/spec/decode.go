package spec

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// decoder maps a yaml.Node onto the spec types strictly: every unknown key,
// duplicate key and wrong type becomes a diagnostic at its line and column,
// and decoding goes on so that one run reports every mistake of a file.
// yaml.v3's own Decode stops at the first unknown field and gives no column.
type decoder struct {
	src   *Source
	diags Diagnostics
	// locate, when set, finds positions by field path: the nodes are Jsonnet
	// output, whose positions are not the spec's own.
	locate func(path string) Pos
	// aliases counts alias expansions: YAML anchors may be reused, but a
	// "billion laughs" file must not make the loader expand forever.
	aliases int
}

// maxAliases bounds alias expansions per file; real specs use a handful.
const maxAliases = 1000

// at is where the node at path was written in the spec.
func (d *decoder) at(n *yaml.Node, path string) Pos {
	if d.locate != nil {
		return d.locate(path)
	}
	return nodePos(n)
}

// record notes that the spec wrote a value at path, and where.
func (d *decoder) record(m map[string]Pos, path string, n *yaml.Node) {
	m[path] = d.at(n, path)
}

func (d *decoder) errorf(p Pos, kind Kind, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	d.diags = append(d.diags, Diagnostic{File: d.src.Path, Pos: p, Kind: kind, Msg: msg})
}

func nodePos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

var (
	durationType = reflect.TypeFor[Duration]()
	sliType      = reflect.TypeFor[SLI]()
	flagValType  = reflect.TypeFor[FlagValue]()
)

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if d.aliases++; d.aliases > maxAliases {
			if d.aliases == maxAliases+1 {
				d.errorf(d.at(n, path), KindSyntax, path, "more than %d alias expansions; write the values out", maxAliases)
			}
			return
		}
		n = n.Alias
	}
	d.record(d.src.pos, path, n)
	if isNull(n) {
		return // an empty value keeps its zero value, and its default
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == sliType:
		d.decodeSLI(n, v.Addr().Interface().(*SLI), path)
		return
	case v.Type() == flagValType:
		d.decodeFlagValue(n, v.Addr().Interface().(*FlagValue), path)
		return
	case v.Type() == durationType:
		if s, ok := d.scalar(n, path, "!!str", "a duration such as 5m or 26h"); ok {
			v.SetString(s)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

// decodeSlice decodes a sequence; an empty item is a mistake of its own.
func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(d.at(n, path), KindSchema, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if isNull(c) {
			d.errorf(d.at(c, ip), KindSchema, ip, "empty list item; fill it in or remove its '-'")
			continue
		}
		d.decode(c, s.Index(i), ip)
	}
	v.Set(s)
}

// decodeScalar decodes a string, bool, whole number or finite number, by
// its YAML tag: "80" is not a port, and yes is not true.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.scalar(n, path, "!!str", "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n, path, "!!bool", "true or false"); ok {
			b, _ := strconv.ParseBool(s)
			v.SetBool(b)
		}
	case reflect.Int:
		if s, ok := d.scalar(n, path, "!!int", "a whole number"); ok {
			i, err := strconv.ParseInt(s, 0, 64)
			if err != nil || i > math.MaxInt32 || i < math.MinInt32 {
				d.errorf(d.at(n, path), KindSchema, path, "%s is out of range", s)
				return
			}
			v.SetInt(i)
		}
	case reflect.Float64:
		tag := n.ShortTag()
		if n.Kind == yaml.ScalarNode && tag == "!!int" {
			tag = "!!float"
		}
		if n.Kind != yaml.ScalarNode || tag != "!!float" {
			d.errorf(d.at(n, path), KindSchema, path, "want a number, got %s", describe(n))
			return
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(d.at(n, path), KindSchema, path, "want a finite number, got %s", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		panic("spec: no decoding for " + v.Type().String())
	}
}

// scalar returns n's value when it is a scalar of the wanted tag. A number or
// boolean where a string is wanted is refused rather than converted: YAML
// would already have changed "012345678901" or "16.10" on the way.
func (d *decoder) scalar(n *yaml.Node, path, tag, want string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == tag {
		return n.Value, true
	}
	hint := ""
	if tag == "!!str" && n.Kind == yaml.ScalarNode {
		hint = fmt.Sprintf("; quote it: %q", n.Value)
	}
	d.errorf(d.at(n, path), KindSchema, path, "want %s, got %s%s", want, describe(n), hint)
	return "", false
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(d.at(n, path), KindSchema, path, "want a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		idx, ok := fields.index[key]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := suggest(key, fields.names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; known keys: " + strings.Join(fields.names, ", ")
			}
			d.errorf(d.at(k, joinPath(path, key)), KindSchema, path, "%s", msg)
			continue
		}
		fp := joinPath(path, key)
		d.src.keyPos[fp] = d.at(k, fp)
		d.decode(val, v.Field(idx), fp)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(d.at(n, path), KindSchema, path, "want a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		fp := joinPath(path, key)
		d.src.keyPos[fp] = d.at(k, fp)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, fp)
		v.SetMapIndex(reflect.ValueOf(key), elem)
	}
}

// key reads a mapping key and refuses non-string and repeated keys.
func (d *decoder) key(k *yaml.Node, path string, seen map[string]Pos) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		d.errorf(d.at(k, path), KindSchema, path, "want a plain key, got %s", describe(k))
		return "", false
	}
	if first, dup := seen[k.Value]; dup {
		d.errorf(d.at(k, path), KindSchema, path, "key %q repeats the one at line %d", k.Value, first.Line)
		return "", false
	}
	seen[k.Value] = nodePos(k)
	return k.Value, true
}

// decodeSLI accepts a built-in SLI name or a mapping of custom queries.
func (d *decoder) decodeSLI(n *yaml.Node, s *SLI, path string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		s.Builtin = n.Value
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(d.at(n, path), KindSchema, path, "want %q, %q or a mapping with errors and total queries, got %s",
			SLIAvailability, SLILatency, describe(n))
		return
	}
	d.decodeStruct(n, reflect.ValueOf(s).Elem(), path)
}

// decodeFlagValue keeps any scalar, sequence or mapping as plain Go values
// (bool, int, float64, string, []any, map[string]any); which kind a flag
// wants is checked by validation, which knows the flag's type.
func (d *decoder) decodeFlagValue(n *yaml.Node, f *FlagValue, path string) {
	var v any
	if err := n.Decode(&v); err != nil {
		d.errorf(d.at(n, path), KindSchema, path, "want a boolean, number, string or mapping, got %s", describe(n))
		return
	}
	f.V, f.Set = normalizeFlagValue(v), true
}

// normalizeFlagValue makes numbers float64 and maps map[string]any, as
// JSON decoding would, so that YAML and Jsonnet specs give the same values.
func normalizeFlagValue(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeFlagValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeFlagValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalizeFlagValue(e)
		}
		return out
	}
	return v
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind and value for a "want X, got Y" message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "nothing"
		default:
			return strconv.Quote(n.Value)
		}
	}
	return "an unexpected node"
}

// structFields lists a struct's spec keys in declaration order.
type structFields struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: map[string]int{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	slices.Sort(f.names)
	fieldCache.Store(t, f)
	return f
}
