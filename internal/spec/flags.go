package spec

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
)

// Flag types, and the two variants every boolean flag has.
const (
	FlagBoolean = "boolean"
	FlagString  = "string"
	FlagNumber  = "number"
	FlagObject  = "object"

	FlagOnVariant  = "on"
	FlagOffVariant = "off"
)

// FlagTypes are the types a flag may have, in the order messages list them.
var FlagTypes = []string{FlagBoolean, FlagString, FlagNumber, FlagObject}

// FlagdSchema is the JSON Schema flagd publishes for its flag files.
const FlagdSchema = "https://flagd.dev/schema/v0/flags.json"

// FlagsFile is the flagd file of service s in environment e, beside the
// environment's terraform/ and flux/: what flagd's evaluator is tested on,
// and what the Flux tree's ConfigMap and FeatureFlag carry.
func FlagsFile(e *Environment, s *Service) string {
	return "environments/" + e.Name + "/flags/" + s.Name + ".flagd.json"
}

// MarshalFlagd encodes a flagd file as every generator writes it: indented,
// keys sorted, no HTML escaping, a final newline.
func MarshalFlagd(f *FlagdFile) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// FlagsConfigMap names the ConfigMap that carries the service's flagd file
// into its pods, and FlagsMountDir where it is mounted; FlagsFileKey is
// the file's name there. The reference service reads FLAGS_FILE.
const (
	FlagsMountDir = "/etc/flags"
	FlagsFileKey  = "flags.flagd.json"
	FlagsFileEnv  = "FLAGS_FILE"
)

// MetricFlagEvaluations counts a service's flag evaluations by flag,
// variant and reason (backend/metrics, counted by backend/flags' hook).
const MetricFlagEvaluations = "feature_flag_evaluations_total"

// FlagsConfigMap is the ConfigMap of service s's flagd file.
func FlagsConfigMap(s *Service) string { return s.Name + "-flags" }

// FlagType is the flag's type, boolean unless it says otherwise.
func (f *Flag) FlagType() string {
	if f.Type == "" {
		return FlagBoolean
	}
	return f.Type
}

// VariantValues maps each variant name to its value: on and off for a
// boolean flag, the spec's variants otherwise.
func (f *Flag) VariantValues() map[string]any {
	if f.FlagType() == FlagBoolean {
		return map[string]any{FlagOnVariant: true, FlagOffVariant: false}
	}
	out := make(map[string]any, len(f.Variants))
	for k, v := range f.Variants {
		out[k] = v.V
	}
	return out
}

// VariantOf is the variant a spec value names: true/false for a boolean
// flag, a variant name otherwise. ok is false when it names none.
func (f *Flag) VariantOf(v FlagValue) (name string, ok bool) {
	if f.FlagType() == FlagBoolean {
		b, isBool := v.V.(bool)
		if !isBool {
			return "", false
		}
		if b {
			return FlagOnVariant, true
		}
		return FlagOffVariant, true
	}
	s, isString := v.V.(string)
	if !isString {
		return "", false
	}
	_, ok = f.Variants[s]
	return s, ok
}

// DefaultVariant is the variant an evaluation in env gets when no rule or
// rollout applies: the environment's value, else on where enabledIn names
// env, else the flag's default, else off (or the first variant by name).
func (f *Flag) DefaultVariant(env string) string {
	if fe := f.Environments[env]; fe != nil && fe.Value.Set {
		if v, ok := f.VariantOf(fe.Value); ok {
			return v
		}
	}
	if f.FlagType() == FlagBoolean && slices.Contains(f.EnabledIn, env) {
		return FlagOnVariant
	}
	if f.Default.Set {
		if v, ok := f.VariantOf(f.Default); ok {
			return v
		}
	}
	if f.FlagType() == FlagBoolean {
		return FlagOffVariant
	}
	names := slices.Sorted(maps.Keys(f.Variants))
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// FlagOn reports whether a boolean flag is on by default in env.
func (f *Flag) FlagOn(env string) bool { return f.DefaultVariant(env) == FlagOnVariant }

// Targeting is the flag's flagd targeting in env as JSONLogic, or nil:
// its rules in order, each an "in" test on a context attribute, then its
// fractional rollout; no match returns null, which flagd answers with the
// default variant.
func (f *Flag) Targeting(env string) any {
	fe := f.Environments[env]
	if fe == nil || (len(fe.Rules) == 0 && len(fe.Rollout) == 0) {
		return nil
	}
	var tail any
	if len(fe.Rollout) > 0 {
		var buckets []any
		for _, name := range slices.Sorted(maps.Keys(fe.Rollout)) {
			buckets = append(buckets, []any{name, fe.Rollout[name]})
		}
		tail = map[string]any{"fractional": buckets}
	}
	for i := len(fe.Rules) - 1; i >= 0; i-- {
		r := fe.Rules[i]
		variant, _ := f.VariantOf(r.Variant)
		in := make([]any, len(r.In))
		for j, v := range r.In {
			in[j] = v
		}
		branch := []any{map[string]any{"in": []any{map[string]any{"var": r.Attribute}, in}}, variant}
		if tail != nil {
			branch = append(branch, tail)
		}
		tail = map[string]any{"if": branch}
	}
	return tail
}

// FlagdFile is flagd's flag definition format.
type FlagdFile struct {
	Schema string                `json:"$schema"`
	Flags  map[string]*FlagdFlag `json:"flags"`
}

// FlagdFlag is one flag of a flagd file.
type FlagdFlag struct {
	State          string         `json:"state"`
	Variants       map[string]any `json:"variants"`
	DefaultVariant string         `json:"defaultVariant"`
	Targeting      any            `json:"targeting,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
}

// Flagd is service s's flags in environment env as a flagd file. Every
// generator that writes flags (the flagd files, the ConfigMap and the
// FeatureFlag in the Flux tree) writes this one value.
func Flagd(s *Service, env string) *FlagdFile {
	out := &FlagdFile{Schema: FlagdSchema, Flags: map[string]*FlagdFlag{}}
	for _, f := range s.Flags {
		ff := &FlagdFlag{
			State:          "ENABLED",
			Variants:       f.VariantValues(),
			DefaultVariant: f.DefaultVariant(env),
			Targeting:      f.Targeting(env),
		}
		if d := strings.TrimSpace(f.Description); d != "" {
			ff.Metadata = map[string]any{"description": d}
		}
		out.Flags[f.Name] = ff
	}
	return out
}

// JSONSchema describes a FlagValue to the schema generator (invopop/jsonschema
// asks a type for its schema): any JSON value but null, whose kind the
// flag's type decides, which validation checks at file:line:col.
func (FlagValue) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "true or false for a boolean flag; otherwise a variant name, or in variants a value of the flag's type.",
		AnyOf: []*jsonschema.Schema{
			{Type: "boolean"}, {Type: "number"}, {Type: "string"}, {Type: "object"},
		},
	}
}
