package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// maxFlagVariants bounds a flag's variants; // maxFlagRules and maxFlagRuleValues bound targeting, which flagd
// evaluates on every call (limits.go applies them).
const (
	maxFlagVariants   = 50
	maxFlagRules      = 20
	maxFlagRuleValues = 100
)

// flags checks every flag of s: unique keys, a known type, variants that
// fit it, and values, environments, rules and rollouts that name what
// exists. Every mistake is reported at its own field.
func (c *checker) flags(m *Model, s *Service) {
	src := s.Source
	seen := map[string]string{}
	for i, f := range s.Flags {
		path := fmt.Sprintf("flags[%d]", i)
		if f.Name == "" {
			c.required(src, path+".name", "the flag key")
		} else if c.dnsLabel(src, path+".name", f.Name) {
			c.unique(src, seen, path+".name", "flag", f.Name)
		}
		c.text(src, path+".description", f.Description)
		if f.Type != "" && !slices.Contains(FlagTypes, f.Type) {
			c.enum(src, path+".type", f.Type, FlagTypes...)
			continue // values cannot be checked against an unknown type
		}
		c.flagVariants(src, f, path)
		if f.Default.Set {
			c.flagValue(src, f, path+".default", f.Default)
		}
		if len(f.EnabledIn) > 0 && f.FlagType() != FlagBoolean {
			c.errorf(src, KindValue, path+".enabledIn", "enabledIn switches boolean flags on; a %s flag sets its variant per environment in environments.<env>.value", f.FlagType())
		}
		for j, env := range f.EnabledIn {
			p := fmt.Sprintf("%s.enabledIn[%d]", path, j)
			c.envRef(m, src, src.Pos(p), p, env)
		}
		for _, env := range slices.Sorted(maps.Keys(f.Environments)) {
			p := path + ".environments." + env
			c.envRef(m, src, src.KeyPos(p), p, env)
			fe := f.Environments[env]
			if fe == nil {
				continue
			}
			if fe.Value.Set {
				c.flagValue(src, f, p+".value", fe.Value)
				if slices.Contains(f.EnabledIn, env) {
					c.errorf(src, KindValue, p+".value", "%s is also in enabledIn; say the value in one place", env)
				}
			}
			for k, r := range fe.Rules {
				rp := fmt.Sprintf("%s.rules[%d]", p, k)
				if r == nil {
					continue
				}
				if r.Attribute == "" {
					c.required(src, rp+".attribute", "the evaluation context attribute the rule tests, e.g. partner")
				} else if !contextAttribute(r.Attribute) {
					c.errorf(src, KindValue, rp+".attribute", "%q is not an attribute name (letters, digits, _ and -, starting with a letter)", r.Attribute)
				}
				if len(r.In) == 0 {
					c.required(src, rp+".in", "the attribute values the rule matches")
				}
				if !r.Variant.Set {
					c.required(src, rp+".variant", "the variant the rule gives")
				} else {
					c.flagValue(src, f, rp+".variant", r.Variant)
				}
			}
			total := 0
			for _, name := range slices.Sorted(maps.Keys(fe.Rollout)) {
				rp := p + ".rollout." + name
				if _, ok := f.VariantValues()[name]; !ok {
					c.report(src, src.KeyPos(rp), KindReference, rp, "%s", c.unknownVariant(f, name))
				}
				if w := fe.Rollout[name]; w < 0 || w > 100 {
					c.errorf(src, KindValue, rp, "weight %d is outside 0 to 100", w)
				} else {
					total += w
				}
			}
			if len(fe.Rollout) > 0 && total == 0 {
				c.errorf(src, KindValue, p+".rollout", "the weights add up to 0; give at least one variant a weight")
			}
		}
	}
}

// flagVariants checks that a boolean flag has no variants of its own and
// that the others have variants whose values have the flag's type.
func (c *checker) flagVariants(src *Source, f *Flag, path string) {
	t := f.FlagType()
	if t == FlagBoolean {
		if len(f.Variants) > 0 {
			c.errorf(src, KindValue, path+".variants", "a boolean flag's variants are on (true) and off (false); set type: string, number or object for variants of your own")
		}
		return
	}
	if len(f.Variants) == 0 {
		c.required(src, path+".variants", "the variants of the "+t+" flag, name to value")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(f.Variants)) {
		p := path + ".variants." + name
		if !contextAttribute(name) {
			c.report(src, src.KeyPos(p), KindValue, p, "%q is not a variant name (letters, digits, _ and -, starting with a letter)", name)
		}
		v := f.Variants[name].V
		ok := false
		switch t {
		case FlagString:
			_, ok = v.(string)
		case FlagNumber:
			_, ok = v.(float64)
		case FlagObject:
			_, ok = v.(map[string]any)
		}
		if !ok {
			c.errorf(src, KindValue, p, "a %s flag's variants are %ss, got %s", t, article(t), describeValue(v))
		}
	}
}

// flagValue checks a value that names a variant: true or false for a
// boolean flag, a variant's name otherwise.
func (c *checker) flagValue(src *Source, f *Flag, path string, v FlagValue) {
	if _, ok := f.VariantOf(v); ok {
		return
	}
	if f.FlagType() == FlagBoolean {
		c.errorf(src, KindValue, path, "want true or false for a boolean flag, got %s", describeValue(v.V))
		return
	}
	name, isString := v.V.(string)
	if !isString {
		c.errorf(src, KindValue, path, "want the name of a variant (%s), got %s", strings.Join(slices.Sorted(maps.Keys(f.Variants)), ", "), describeValue(v.V))
		return
	}
	c.errorf(src, KindReference, path, "%s", c.unknownVariant(f, name))
}

func (c *checker) unknownVariant(f *Flag, name string) string {
	names := slices.Sorted(maps.Keys(f.VariantValues()))
	msg := fmt.Sprintf("variant %q does not exist", name)
	if s := suggest(name, names); s != "" {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + "; variants: " + strings.Join(names, ", ")
}

// contextAttribute reports whether s is a plain name: evaluation context
// attributes and variant names end up in JSONLogic and in metric labels.
func contextAttribute(s string) bool {
	if s == "" || len(s) > 63 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

func article(t string) string {
	if t == FlagObject {
		return "mapping"
	}
	return t
}

func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case string:
		return fmt.Sprintf("the string %q", x)
	case []any:
		return "a sequence"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}
