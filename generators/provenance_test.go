package generators_test

import (
	"bytes"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

func renderSpecs(t *testing.T, files map[string][]byte) *engine.Output {
	t.Helper()
	m, err := spec.LoadFiles(spec.NewFiles(files))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	out, err := generators.Render(m)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return out
}

// TestSourcesComplete checks that every generated file lists every spec its
// bytes depend on (the lock's sources, the header, explain and the PR
// summary all come from that list). On the sample organisation it changes
// one spec at a time (removes a service, a release record or a partner;
// adds an environment or a service; edits one field) and renders again: a
// file that does not list the changed spec must come out byte for byte the
// same, or its sources are missing one.
func TestSourcesComplete(t *testing.T) {
	t.Parallel()
	files := generators.SampleSpecs(t)
	full := renderSpecs(t, files)

	type change struct {
		name string
		// edit changes the specs and returns the specs it changed, the
		// first being the one the change is about.
		edit func(files map[string][]byte) []string
		// added: the change adds a spec, so the changed output's files
		// are the ones that must list it.
		added bool
	}
	var changes []change
	for _, p := range slices.Sorted(maps.Keys(files)) {
		switch {
		case strings.HasPrefix(p, "specs/releases/"), strings.HasPrefix(p, "specs/partners/"):
			changes = append(changes, change{"remove " + p, func(f map[string][]byte) []string { delete(f, p); return []string{p} }, false})
		case strings.HasPrefix(p, "specs/services/"):
			changes = append(changes, change{"remove " + p, func(f map[string][]byte) []string {
				delete(f, p)
				name := strings.TrimSuffix(strings.TrimSuffix(path.Base(p), ".yaml"), ".jsonnet")
				touched := append([]string{p}, dropReleaseEntry(f, name)...)
				return append(touched, dropPartnersOf(f, name)...)
			}, false})
		}
	}
	changes = append(changes,
		change{"add an environment", func(f map[string][]byte) []string {
			qa := strings.NewReplacer("name: staging", "name: qa", `"222222222222"`, `"444444444444"`,
				"10.20.0.0/16", "10.50.0.0/16", "acme-staging", "acme-qa", "grafana.staging", "grafana.qa",
				"branch: develop", "branch: qa").Replace(string(f["specs/environments/staging.yaml"]))
			f["specs/environments/qa.yaml"] = []byte(qa)
			return []string{"specs/environments/qa.yaml"}
		}, true},
		change{"add a service", func(f map[string][]byte) []string {
			f["specs/services/queue.yaml"] = []byte("name: queue\nteam: platform\nport: 8080\n")
			return []string{"specs/services/queue.yaml"}
		}, true},
	)
	for _, e := range fieldEdits {
		changes = append(changes, change{"edit " + e.spec + " " + e.field, func(f map[string][]byte) []string {
			data := string(f[e.spec])
			if !strings.Contains(data, e.old) {
				t.Fatalf("%s does not hold %q", e.spec, e.old)
			}
			f[e.spec] = []byte(strings.Replace(data, e.old, e.new, 1))
			return []string{e.spec}
		}, false})
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			changed := maps.Clone(files)
			touched := c.edit(changed)
			out := renderSpecs(t, changed)
			if c.added {
				checkUnlisted(t, out, full, touched)
			} else {
				checkUnlisted(t, full, out, touched)
			}
		})
	}
}

// fieldEdits are one-line spec edits of the sample organisation, those a
// pull request typically makes.
var fieldEdits = []struct{ spec, field, old, new string }{
	{"specs/services/api.yaml", "slos[0].objective", "objective: 99.9,", "objective: 99.5,"},
	{"specs/services/api.yaml", "replicas.prod", "replicas: {dev: 1, prod: 4}", "replicas: {dev: 1, prod: 5}"},
	{"specs/services/api.yaml", "buckets[0].expireDays", "expireDays: 2555", "expireDays: 3650"},
	{"specs/services/api.yaml", "flags[1].default", "default: plain", "default: detailed"},
	{"specs/environments/prod.yaml", "replicas", "replicas: 3", "replicas: 4"},
	{"specs/platform.yaml", "teams.payments.pagerduty", "payments-primary", "payments-secondary"},
}

// TestFieldsComplete checks the fields of origins, which explain sends a
// reader to: a one-field edit may change only files whose origin for that
// spec is the whole spec or names the field, a parent or a child of it.
func TestFieldsComplete(t *testing.T) {
	t.Parallel()
	files := generators.SampleSpecs(t)
	full := renderSpecs(t, files)
	for _, e := range fieldEdits {
		t.Run(e.spec+" "+e.field, func(t *testing.T) {
			t.Parallel()
			changed := maps.Clone(files)
			changed[e.spec] = []byte(strings.Replace(string(files[e.spec]), e.old, e.new, 1))
			out := renderSpecs(t, changed)
			for _, f := range full.Files {
				g := out.File(f.Path)
				if g != nil && bytes.Equal(f.Data, g.Data) {
					continue
				}
				i := slices.IndexFunc(f.Origins, func(o engine.Origin) bool { return o.Spec == e.spec })
				if i < 0 {
					continue // TestSourcesComplete's finding
				}
				if fields := f.Origins[i].Fields; len(fields) > 0 && !slices.ContainsFunc(fields, func(f string) bool { return related(f, e.field) }) {
					t.Errorf("%s: changes when %s %s changes, but its origin names only %v", f.Path, e.spec, e.field, fields)
				}
			}
		})
	}
}

// related reports whether one field path is the other or encloses it.
func related(a, b string) bool {
	in := func(parent, child string) bool {
		return parent == child || strings.HasPrefix(child, parent+".") || strings.HasPrefix(child, parent+"[")
	}
	return in(a, b) || in(b, a)
}

// checkUnlisted fails for every file of full that lists none of the touched
// specs yet differs in, or is missing from, out.
func checkUnlisted(t *testing.T, full, out *engine.Output, touched []string) {
	t.Helper()
	for _, f := range full.Files {
		if slices.ContainsFunc(f.Specs(), func(s string) bool { return slices.Contains(touched, s) }) {
			continue
		}
		g := out.File(f.Path)
		switch {
		case g == nil:
			t.Errorf("%s: gone when %s changes, but its sources %v do not list it", f.Path, touched[0], f.Specs())
		case !bytes.Equal(f.Data, g.Data):
			t.Errorf("%s: changes when %s changes, but its sources %v do not list it", f.Path, touched[0], f.Specs())
		}
	}
}

// dropReleaseEntry removes a service's line from every release record and
// returns the records it changed.
func dropReleaseEntry(files map[string][]byte, svc string) []string {
	var changed []string
	for p, data := range files {
		if !strings.HasPrefix(p, "specs/releases/") {
			continue
		}
		var kept []string
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(line, svc+":") {
				kept = append(kept, line)
			}
		}
		if s := strings.Join(kept, "\n"); s != string(data) {
			files[p] = []byte(s)
			changed = append(changed, p)
		}
	}
	return changed
}

// dropPartnersOf removes the partner specs that reach svc, so that the specs
// stay valid without it.
func dropPartnersOf(files map[string][]byte, svc string) []string {
	var changed []string
	for p, data := range files {
		if strings.HasPrefix(p, "specs/partners/") && bytes.Contains(data, []byte("service: "+svc+"\n")) {
			delete(files, p)
			changed = append(changed, p)
		}
	}
	return changed
}
