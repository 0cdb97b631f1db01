package engine

import (
	"path"
	"regexp"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// productionScope says which generated files are a production
// environment's deployed output, so that a PR summary flags production
// only when production changes. A file in a production environment's own
// folder (environments/<env>/) or named after it
// (release-<env>.yml) is production whatever changes in it. A file shared
// by several environments (deploy.yml, terraform/github, runbooks) is
// production only when a line that changes in it names a production
// environment: adding a staging-like environment adds lines that name it,
// not prod.
type productionScope struct {
	dirs []string
	// others are the other environments' names: a line that changes only
	// in naming them ("dev, prod and staging" becoming "dev, prod, qa
	// and staging") does not change production.
	others map[string]bool
	// names matches a production environment's name as a word, such as
	// prod in "environment: prod" or "acme-prod".
	names *regexp.Regexp
	specs map[string]bool
}

func newProductionScope(m *spec.Model) *productionScope {
	s := &productionScope{specs: map[string]bool{}, others: map[string]bool{}}
	var names []string
	for _, e := range m.Environments {
		if !e.Production {
			s.others[e.Name] = true
			continue
		}
		s.specs[e.Source.Path] = true
		if r := m.Releases[e.Name]; r != nil {
			s.specs[r.Source.Path] = true
		}
		s.dirs = append(s.dirs, "environments/"+e.Name+"/")
		names = append(names, regexp.QuoteMeta(e.Name))
	}
	if len(names) > 0 {
		s.names = regexp.MustCompile(`(^|[^A-Za-z0-9_])(` + strings.Join(names, "|") + `)([^A-Za-z0-9_]|$)`)
	}
	return s
}

// classify sets r.Production for a file of a production folder, and
// r.sharesProduction for a file made from a production environment's specs
// among others'.
func (s *productionScope) classify(r *Rendered) {
	for _, d := range s.dirs {
		if strings.HasPrefix(r.Path, d) {
			r.Production = true
			return
		}
	}
	if s.names != nil {
		base := strings.TrimSuffix(path.Base(r.Path), path.Ext(r.Path))
		if i := strings.LastIndexAny(base, "-."); i >= 0 && s.names.MatchString(base[i:]) {
			r.Production = true
			return
		}
	}
	for _, p := range notDeployed {
		if strings.HasPrefix(r.Path, p) {
			return
		}
	}
	for _, spec := range r.Specs() {
		if s.specs[spec] {
			r.sharesProduction = true
			r.prod = s
			return
		}
	}
}

// notDeployed are the shared files nothing deploys: documentation,
// runbooks, load tests, dependency updates, code owners.
var notDeployed = []string{"docs/", "runbooks/", "loadtests/", "schemas/", ".github/dependabot.yml", ".github/CODEOWNERS"}

// changesProduction reports whether a shared file's change names a
// production environment on a line it adds or removes, other than by
// listing other environments beside it.
func (s *productionScope) changesProduction(old, cur []byte) bool {
	if s == nil || s.names == nil {
		return false
	}
	was, is := s.prodLines(old), s.prodLines(cur)
	if len(was) != len(is) {
		return true
	}
	for l, n := range is {
		if was[l] != n {
			return true
		}
	}
	// A changed line inside a production block (wait_minutes under
	// environments.prod, a step of the deploy-prod job) changes it too.
	return s.underProduction(old, cur) || s.underProduction(cur, old)
}

// underProduction reports whether a line of a that b does not hold sits,
// by indentation, inside a line that names a production environment.
func (s *productionScope) underProduction(a, b []byte) bool {
	lines := strings.Split(string(a), "\n")
	left := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		left[l]++
	}
	for i, l := range lines {
		if left[l] > 0 {
			left[l]--
			continue
		}
		indent := indentOf(l)
		for j := i - 1; j >= 0 && indent > 0; j-- {
			if strings.TrimSpace(lines[j]) == "" || indentOf(lines[j]) >= indent {
				continue
			}
			if s.names.MatchString(lines[j]) {
				return true
			}
			indent = indentOf(lines[j])
		}
	}
	return false
}

func indentOf(l string) int {
	return len(l) - len(strings.TrimLeft(l, " \t"))
}

// prodLines counts the lines that name a production environment, each
// reduced to its words without the other environments' names.
func (s *productionScope) prodLines(data []byte) map[string]int {
	out := map[string]int{}
	for _, l := range strings.Split(string(data), "\n") {
		if !s.names.MatchString(l) {
			continue
		}
		var kept []string
		for _, w := range wordRE.FindAllString(l, -1) {
			if !s.others[w] {
				kept = append(kept, w)
			}
		}
		out[strings.Join(kept, " ")]++
	}
	return out
}

var wordRE = regexp.MustCompile(`[A-Za-z0-9_]+`)
