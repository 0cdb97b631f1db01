package spec

import (
	"fmt"
	"reflect"
	"unicode/utf8"
)

// Limits on the size of one spec, all in one place.
//
// A spec may come from a hostile pull request, and Jsonnet makes a list of
// four million secrets from a ten-line file. Every list, map and string of a
// spec is therefore bounded, and the bounds are checked before anything looks
// at the items one by one: a list over its bound gets one diagnostic and its
// items are not validated, so refusing it costs no more than counting it.
//
// The bounds are generous: each is several times what the largest real
// organisation we know of writes in one spec, and far below what would slow
// generation down. They are per spec, never per organisation: Groundwork
// targets thousands of services and sets no bound on how many there are.
const (
	// maxTeams: a platform lists every team of the organisation; a few
	// hundred at the largest.
	maxTeams = 1000
	// maxReviewers: GitHub takes 6 required reviewers, which validation
	// says in its own words; this bound only stops a runaway list first.
	maxReviewers = 100
	// maxReplicaOverrides: one override per environment, and organisations
	// have tens of environments, not hundreds.
	maxReplicaOverrides = 100
	// maxSLOs: each SLO makes burn-rate rules, tests and panels; a service
	// with more than a handful is measuring something other than its users.
	maxSLOs = 50
	// maxBuckets, maxSecrets: each makes Terraform resources, IAM statements
	// and an ExternalSecret; AWS's IAM policy size runs out long before.
	maxBuckets = 50
	maxSecrets = 100
	// maxFlags: flags are meant to be removed once rolled out.
	maxFlags = 200
	// maxFlagEnvironments: a flag's enabledIn names environments.
	maxFlagEnvironments = 100
	// maxRequests: a load test cycles through a handful of requests.
	maxRequests = 100
	// maxHeaders: a load-test request names a few headers.
	maxHeaders = 20
	// maxAlerts: each spec alert makes a rule, a promtool test, a runbook
	// and a panel.
	maxAlerts = 200
	// maxClasses: there are four data classes.
	maxClasses = 4
	// maxScopes, maxExamples, maxPartnerServices: a partner API has a few
	// scopes and a playbook a few worked examples; a partner calls a few
	// services.
	maxScopes          = 50
	maxExamples        = 20
	maxPartnerServices = 20
	// maxReleaseEntries: a release record has one line per service deployed
	// in the environment; we target thousands of services, so this is the
	// only bound counted in tens of thousands.
	maxReleaseEntries = 50000

	// maxString bounds every string that has no bound of its own below:
	// names, paths, URLs and queries are all far shorter.
	maxString = 1024
	// maxQuery bounds PromQL: parsing is linear but not free, and a rule
	// longer than this is not read by anyone at 3 a.m.
	maxQuery = 16 << 10
	// maxText bounds free text that generators copy into Markdown,
	// annotations and scripts: runbooks and load-test bodies.
	maxText = 64 << 10
)

// bound is the limit of one list, map or string of a spec.
type bound struct {
	max  int
	what string // what the limit counts, after "at most N"
}

// listBounds are the bounds of every list and map of the spec types, by
// field path with [] for any index and * for any key. TestEveryListBounded
// makes sure that a list added to the types gets a bound here.
var listBounds = map[string]bound{
	"teams":                             {maxTeams, "teams in a platform"},
	"delivery.reviewers":                {maxReviewers, "reviewers in an environment"},
	"replicas":                          {maxReplicaOverrides, "replica overrides in a service"},
	"slos":                              {maxSLOs, "SLOs in a service"},
	"buckets":                           {maxBuckets, "buckets in a service"},
	"secrets":                           {maxSecrets, "secrets in a service"},
	"flags":                             {maxFlags, "flags in a service"},
	"flags[].enabledIn":                 {maxFlagEnvironments, "environments in a flag's enabledIn"},
	"flags[].variants":                  {maxFlagVariants, "variants in a flag"},
	"flags[].environments":              {maxFlagEnvironments, "environments in a flag"},
	"flags[].environments.*.rules":      {maxFlagRules, "rules in a flag's environment"},
	"flags[].environments.*.rules[].in": {maxFlagRuleValues, "values in a flag rule"},
	"flags[].environments.*.rollout":    {maxFlagVariants, "variants in a rollout"},
	"loadtest.requests":                 {maxRequests, "requests in a load test"},
	"alerts":                            {maxAlerts, "alerts in a service"},
	"database.classification":           {maxClasses, "classes in a classification"},
	"buckets[].classification":          {maxClasses, "classes in a classification"},
	"partnerApi.scopes":                 {maxScopes, "scopes in a partner API"},
	"partnerApi.examples":               {maxExamples, "examples in a partner API"},
	"access":                            {maxPartnerServices, "services a partner calls"},
	"access[].scopes":                   {maxScopes, "scopes of a partner"},
	"environments":                      {maxFlagEnvironments, "environments of a partner"},

	"loadtest.requests[].headers": {maxHeaders, "headers in a load-test request"},
}

// stringBounds are the strings allowed more than maxString bytes.
var stringBounds = map[string]bound{
	"slos[].sli.errors":        {maxQuery, "bytes (16 KiB) in a query"},
	"slos[].sli.total":         {maxQuery, "bytes (16 KiB) in a query"},
	"alerts[].expr":            {maxQuery, "bytes (16 KiB) in a query"},
	"alerts[].runbook":         {maxText, "bytes (64 KiB) in a runbook; link a longer document from it"},
	"loadtest.requests[].body": {maxText, "bytes (64 KiB) in a request body"},
}

var defaultStringBound = bound{maxString, "bytes (1 KiB) in this field"}

// limits checks the size of every list, map and string of one spec, before
// anything else looks at them. It reports whether the spec is within them:
// when it is not, the spec's other checks are skipped, since they would walk
// the oversized values.
func (c *checker) limits(src *Source, v any) bool {
	n := len(c.diags)
	c.walkLimits(src, reflect.ValueOf(v), "", "")
	return len(c.diags) == n
}

func (c *checker) walkLimits(src *Source, v reflect.Value, path, generic string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			c.walkLimits(src, v.Elem(), path, generic)
		}
	case reflect.Struct:
		if v.Type() == sliType {
			c.stringLimit(src, at{path, false}, path, generic, v.Interface().(SLI).Builtin)
		}
		fields := fieldsOf(v.Type())
		for _, name := range fields.names {
			c.walkLimits(src, v.Field(fields.index[name]), joinPath(path, name), joinPath(generic, name))
		}
	case reflect.Slice:
		if !c.listLimit(src, path, generic, v.Len()) {
			return
		}
		for i := range v.Len() {
			c.walkLimits(src, v.Index(i), fmt.Sprintf("%s[%d]", path, i), generic+"[]")
		}
	case reflect.Map:
		if !c.listLimit(src, path, generic, v.Len()) {
			return
		}
		for it := v.MapRange(); it.Next(); {
			key := it.Key().String()
			kp := joinPath(path, key)
			if c.stringLimit(src, at{kp, true}, path, "", key) {
				c.walkLimits(src, it.Value(), kp, joinPath(generic, "*"))
			}
		}
	case reflect.String:
		c.stringLimit(src, at{path, false}, path, generic, v.String())
	}
}

// at is where a value was written, looked up only for a diagnostic: the
// value at path, or the key of the mapping entry at path.
type at struct {
	path string
	key  bool
}

func (a at) pos(src *Source) Pos {
	if a.key {
		return src.KeyPos(a.path)
	}
	return src.Pos(a.path)
}

// listLimit reports a list or map longer than its bound, once.
func (c *checker) listLimit(src *Source, path, generic string, n int) bool {
	b, ok := listBounds[generic]
	if !ok {
		panic("spec: no bound for the list " + generic + " in listBounds")
	}
	if n <= b.max {
		return true
	}
	c.errorf(src, KindValue, path, "%d entries; Groundwork takes at most %d %s: a list this long is a mistake or a generated runaway, so none of its entries were checked",
		n, b.max, b.what)
	return false
}

// stringLimit reports a string longer than its bound, quoting only its start.
func (c *checker) stringLimit(src *Source, where at, path, generic, s string) bool {
	b, ok := stringBounds[generic]
	if !ok {
		b = defaultStringBound
	}
	if len(s) <= b.max {
		return true
	}
	c.report(src, where.pos(src), KindValue, path, "%s is %d bytes; Groundwork takes at most %d %s", clip(s), len(s), b.max, b.what)
	return false
}

// clip quotes the start of a long value for a diagnostic.
func clip(s string) string {
	const keep = 40
	if len(s) <= keep {
		return fmt.Sprintf("%q", s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", s[:cut])
}

// releaseLimits bounds a release record, which is a plain map.
func (c *checker) releaseLimits(r *Release) bool {
	src := r.Source
	if n := len(r.Digests); n > maxReleaseEntries {
		c.report(src, Pos{}, KindValue, "", "%d entries; Groundwork takes at most %d services in a release record: a record this long is a mistake or a generated runaway, so none of its entries were checked",
			n, maxReleaseEntries)
		return false
	}
	ok := true
	for name, d := range r.Digests {
		if !c.stringLimit(src, at{name, true}, "", "", name) {
			ok = false
		} else if !c.stringLimit(src, at{name, false}, name, "", d) {
			ok = false
		}
	}
	return ok
}
