package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql/parser"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// checker collects the diagnostics of validation. Every check reports and
// goes on, so one run shows every mistake.
type checker struct {
	diags  Diagnostics
	promql parser.Parser
	// gaps memoises scanGaps by schedule for one validation: organisations
	// use a handful of schedules across thousands of services, and each
	// takes a walk of 28 years of days. Shared by the workers.
	gaps *sync.Map // [5]uint64 (the schedule's fields) -> gapOf
}

func (c *checker) report(src *Source, p Pos, kind Kind, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	c.diags = append(c.diags, Diagnostic{File: src.Path, Pos: p, Kind: kind, Msg: msg})
}

// errorf reports a mistake in the value at path.
func (c *checker) errorf(src *Source, kind Kind, path, format string, args ...any) {
	c.report(src, src.Pos(path), kind, path, format, args...)
}

// required reports a missing value.
func (c *checker) required(src *Source, path, what string) {
	c.errorf(src, KindSchema, parentPath(path), "missing required key %q (%s)", path[strings.LastIndex(path, ".")+1:], what)
}

var (
	accountRE    = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	repositoryRE = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	githubRE     = regexp.MustCompile(`^@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?$`)
	slackRE      = regexp.MustCompile(`^#[a-z0-9_-]{1,80}$`)
	pagerDutyRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	// httpPathRE is an HTTP path the generators may place in probes,
	// PromQL matchers and scripts: no quote, backslash, space or query.
	httpPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)
	// requestPathRE is a load-test request path: it may carry a query.
	requestPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/%-]*(\?[A-Za-z0-9._~%&=+,:-]*)?$`)
	branchRE      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/-]*$`)
	// grafanaRE is an https base URL: host, port and path, nothing else.
	grafanaRE = regexp.MustCompile(`^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$`)
	// registryHostRE and registryPathRE are Docker's reference grammar.
	registryHostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)
	registryPathRE = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
	bucketRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	clusterRE      = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	classRE        = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	alertNameRE    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// validate applies defaults and checks the model, within and across specs.
// checked, when not nil, names the services whose own checks (their size
// limits and checker.service) are known to pass (see Reuse.Checked): those
// are not run again; the checks across services are.
func validate(m *Model, checked func(*Service) bool) Diagnostics {
	c := &checker{promql: parser.NewParser(parser.Options{}), gaps: &sync.Map{}}
	// Sizes first (limits.go): a spec over a limit gets its limit
	// diagnostics and no other check, so that a runaway list costs no more
	// than counting it. A platform over a limit stops validation there,
	// since every other spec is checked against it.
	platformOK := m.Platform == nil || c.limits(m.Platform.Source, m.Platform)
	envOK := make(map[*Environment]bool, len(m.Environments))
	for _, e := range m.Environments {
		envOK[e] = c.limits(e.Source, e)
	}
	serviceOK := c.serviceLimits(m.Services, checked)
	releaseOK := make(map[*Release]bool, len(m.Releases))
	for _, r := range m.Releases {
		releaseOK[r] = c.releaseLimits(r)
	}
	if !platformOK {
		return c.diags
	}

	if m.Platform != nil {
		m.Platform.applyDefaults()
		c.platform(m.Platform)
	}
	for _, e := range m.Environments {
		e.applyDefaults(m.Platform)
		if envOK[e] {
			c.environment(m.Platform, e)
		}
	}
	for _, s := range m.Services {
		s.applyDefaults()
	}
	slices.SortFunc(m.Environments, func(a, b *Environment) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(m.Services, func(a, b *Service) int { return strings.Compare(a.Name, b.Name) })
	c.overlaps(m.Environments)
	// Services are checked in parallel, each worker with its own checker:
	// this is where a large organisation spends its validation time.
	checkers := make([]*checker, parallel.Workers(len(m.Services)))
	for w := range checkers {
		checkers[w] = &checker{promql: parser.NewParser(parser.Options{}), gaps: c.gaps}
	}
	parallel.Split(len(m.Services), func(w, i int) {
		s := m.Services[i]
		if !serviceOK[s] {
			return
		}
		if checked == nil || !checked(s) {
			checkers[w].service(m, s)
		}
		checkers[w].acrossServices(m, s)
	})
	for _, wc := range checkers {
		c.diags = append(c.diags, wc.diags...)
	}
	for _, r := range m.Releases {
		if releaseOK[r] {
			c.release(m, r)
		}
	}
	for _, p := range m.Partners {
		p.applyDefaults()
	}
	slices.SortFunc(m.Partners, func(a, b *Partner) int { return strings.Compare(a.Name, b.Name) })
	withinLimits := !slices.Contains(slices.Collect(maps.Values(envOK)), false) && !slices.Contains(slices.Collect(maps.Values(serviceOK)), false)
	for _, p := range m.Partners {
		if c.limits(p.Source, p) {
			c.partner(m, p)
		} else {
			withinLimits = false
		}
	}
	// Retention walks every store of every service; a spec over a limit
	// has its one diagnostic already and must not be walked.
	if withinLimits {
		c.bucketNames(m)
		c.retention(m)
	}
	return c.diags
}

// serviceLimits checks the sizes of every service spec, in parallel (the
// walk visits every field of a thousand specs), and reports which are
// within them.
func (c *checker) serviceLimits(services []*Service, checked func(*Service) bool) map[*Service]bool {
	ok := make([]bool, len(services))
	checkers := make([]*checker, parallel.Workers(len(services)))
	for w := range checkers {
		checkers[w] = &checker{gaps: c.gaps}
	}
	parallel.Split(len(services), func(w, i int) {
		// A service vouched for was within its limits: they are its own.
		ok[i] = (checked != nil && checked(services[i])) || checkers[w].limits(services[i].Source, services[i])
	})
	for _, wc := range checkers {
		c.diags = append(c.diags, wc.diags...)
	}
	serviceOK := make(map[*Service]bool, len(services))
	for i, s := range services {
		serviceOK[s] = ok[i]
	}
	return serviceOK
}

// dnsLabel checks a name that becomes part of Kubernetes and AWS names.
func (c *checker) dnsLabel(src *Source, path, name string) bool {
	if len(validation.IsDNS1123Label(name)) == 0 {
		return true
	}
	msg := fmt.Sprintf("%q is not a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", name)
	if s := labelFrom(name); s != "" && len(validation.IsDNS1123Label(s)) == 0 {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	c.errorf(src, KindValue, path, "%s", msg)
	return false
}

// labelFrom is the DNS label nearest to name: lowercased, with runs of other
// characters turned into one '-'.
func labelFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// nameMatchesFile checks that a spec's name is the name of its file, so that
// a reader finds the spec of anything generated by its name.
func (c *checker) nameMatchesFile(src *Source, name string) {
	if base := fileBase(src); name != base {
		c.errorf(src, KindValue, "name", "%q does not match the file name %q; rename one of them", name, base)
	}
}

func (c *checker) enum(src *Source, path, got string, allowed ...string) {
	msg := fmt.Sprintf("%q is not one of %s", got, strings.Join(allowed, ", "))
	if s := suggest(got, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	c.errorf(src, KindValue, path, "%s", msg)
}

// teamRef checks a reference to a platform team.
func (c *checker) teamRef(p *Platform, src *Source, path, name string) {
	if _, ok := p.Teams[name]; ok {
		return
	}
	names := slices.Sorted(maps.Keys(p.Teams))
	msg := fmt.Sprintf("team %q is not declared in %s", name, p.Source.Path)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; teams: " + strings.Join(names, ", ")
	}
	c.errorf(src, KindReference, path, "%s", msg)
}

// unknownName says that the kind of thing called name does not exist, with
// the nearest of names as a suggestion, or else all of them.
func unknownName(kind, name string, names []string) string {
	msg := fmt.Sprintf("%s %q does not exist", kind, name)
	if s := suggest(name, names); s != "" {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + "; " + kind + "s: " + strings.Join(names, ", ")
}

// envRef checks a reference to an environment, at the key when it is one.
func (c *checker) envRef(m *Model, src *Source, p Pos, path, name string) {
	if m.Environment(name) != nil || m.unread[kindName(kindEnvironment)+"/"+name] {
		return
	}
	names := make([]string, len(m.Environments))
	for i, e := range m.Environments {
		names[i] = e.Name
	}
	msg := unknownName("environment", name, names)
	c.report(src, p, KindReference, path, "%s", msg)
}

// unique reports a name already used by an earlier element of the same list.
func (c *checker) unique(src *Source, seen map[string]string, path, what, name string) {
	if first, dup := seen[name]; dup {
		c.errorf(src, KindReference, path, "%s %q is already declared at %s", what, name, first)
		return
	}
	seen[name] = path
}

func (c *checker) duration(src *Source, path string, d Duration) (time.Duration, bool) {
	v, err := d.parse()
	if err != nil || v <= 0 {
		c.errorf(src, KindValue, path, "%q is not a positive duration such as 30s, 5m, 26h or 28d", string(d))
		return 0, false
	}
	return v, true
}

// text checks free text that generators copy into Markdown, YAML and
// scripts: it may hold line breaks and tabs, no other control character.
func (c *checker) text(src *Source, path, s string) {
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		c.errorf(src, KindValue, path, "holds the control character %U; remove it", r)
	}
}
