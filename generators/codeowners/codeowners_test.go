package codeowners_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/codeowners"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The cases in testdata/cases: the sample organisation's CODEOWNERS is
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := generators.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		return golden.OfKind(out, "codeowners")
	})
}

// A file made for one service alone belongs to that service's team; a
// shared file stays with the platform owner, even when one service made it.
// A folder named for a service is given at once only while every generated
// file in it, at any depth, is that service's own.
func TestOwnership(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	file := func(p, service string, platform bool) engine.File {
		return engine.File{Path: p, Data: []byte("{}\n"), Service: service, PlatformOwned: platform, Origins: []engine.Origin{{Spec: "specs/platform.yaml"}}}
	}
	files := []engine.File{
		file("dashboards/api.json", "api", false),
		file("dashboards/web.json", "web", false),
		file(".github/workflows/deploy.yml", "", false),
		file("dashboards/overview.json", "", false),
		file("environments/prod/flux/apps/api/a.yaml", "api", false),
		file("environments/prod/flux/apps/api/b.yaml", "api", false),
		file("environments/prod/flux/apps/api/deep/c.yaml", "api", false),
		// web's folder holds a platform-owned file: no folder pattern.
		file("environments/prod/flux/apps/web/a.yaml", "web", false),
		file("environments/prod/flux/apps/web/iam.yaml", "web", true),
		// api's folder under runbooks holds a file of web's.
		file("runbooks/api/a.md", "api", false),
		file("runbooks/api/w.md", "web", false),
		file("runbooks/web/a.md", "web", false),
		// A folder named for no service, and one of the owned roots.
		file("environments/prod/flags/api.flagd.json", "api", false),
		file("loadtests/api.js", "api", false),
	}
	out, err := engine.Render(m, []engine.Generator{&fakeGen{files: files}}, []engine.Indexer{codeowners.Generator{}})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out.File(codeowners.Path).Data)
	rules := parse(t, text)
	want := map[string]string{
		"specs/services/api.yaml": "@acme/payments", "specs/services/web.jsonnet": "@acme/storefront",
		// A hand-written file in a folder given to a team is the team's.
		"environments/prod/flux/apps/api/README.md": "@acme/payments",
		"environments/prod/flux/apps/web/README.md": "@acme/platform",
		"runbooks/README.md":                        "@acme/platform",
		"loadtests/README.md":                       "@acme/platform",
	}
	for _, f := range files {
		switch {
		case f.Service == "" || f.PlatformOwned:
			want[f.Path] = "@acme/platform"
		case f.Service == "api":
			want[f.Path] = "@acme/payments"
		default:
			want[f.Path] = "@acme/storefront"
		}
	}
	for p, owner := range want {
		if got := rules.owner(p); got != owner {
			t.Errorf("%s is owned by %q, want %q, by:\n%s", p, got, owner, text)
		}
	}
	for _, line := range []string{"/environments/prod/flux/apps/api/ @acme/payments", "/runbooks/web/ @acme/storefront"} {
		if !strings.Contains(text, "\n"+line+"\n") {
			t.Errorf("CODEOWNERS lacks the folder pattern %q:\n%s", line, text)
		}
	}
	for _, wide := range []string{"/runbooks/api/ ", "/environments/prod/flux/apps/web/ ", "/loadtests/ ", "/environments/prod/flags/ "} {
		if strings.Contains(text, wide) {
			t.Errorf("CODEOWNERS gives the folder %q to one team:\n%s", wide, text)
		}
	}
}

// GitHub loads no CODEOWNERS of 3 MB or more: at a thousand services, with
// the files every service has today, it stays well under.
func TestSizeAtAThousandServices(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	team := m.Services[0].Team
	var files []engine.File
	m.Services = nil
	for i := range 1000 {
		name := fmt.Sprintf("service-%04d", i)
		m.Services = append(m.Services, &spec.Service{Name: name, Team: team, Source: &spec.Source{Path: "specs/services/" + name + ".yaml"}})
		for _, env := range []string{"dev", "prod", "sandbox", "staging"} {
			for _, kind := range []string{"configmap-flags", "externalsecret-api-key", "externalsecret-signing-key", "externalsecret-" + name + "-database", "featureflag", "featureflagsource", "kustomization", "namespace", "networkpolicy-allow-egress", "networkpolicy-allow-ingress", "networkpolicy-default-deny", "prometheusrule", "serviceaccount-" + name + "-database", "serviceaccount"} {
				files = append(files, engine.File{Path: "environments/" + env + "/flux/apps/" + name + "/" + kind + ".yaml", Service: name})
			}
			files = append(files, engine.File{Path: "environments/" + env + "/flags/" + name + ".flagd.json", Service: name})
		}
		for _, alert := range []string{"AvailabilityErrorBudgetBurn", "BackupTooOld", "DatabasePoolSaturated", "DatabaseStorageLow", "JobsErrorBudgetBurn", "LatencyErrorBudgetBurn", "PodCrashLooping", "RestoreDrillFailed", "RestoreDrillOverdue", "TargetDown"} {
			files = append(files, engine.File{Path: "runbooks/" + name + "/" + alert + ".md", Service: name})
		}
		files = append(files, engine.File{Path: "dashboards/" + name + ".json", Service: name}, engine.File{Path: "loadtests/" + name + ".js", Service: name})
	}
	var listed []engine.Listed
	for _, f := range files {
		listed = append(listed, engine.Listed{Path: f.Path, Service: f.Service})
	}
	slices.SortFunc(listed, func(a, b engine.Listed) int { return strings.Compare(a.Path, b.Path) })
	made, err := codeowners.Generator{}.Index(m, listed)
	if err != nil {
		t.Fatal(err)
	}
	size := len(made[0].Data)
	t.Logf("CODEOWNERS for %d files of 1000 services: %d bytes", len(files), size)
	if size >= 1<<20 {
		t.Errorf("CODEOWNERS is %d bytes at 1000 services; GitHub loads none of 3 MB or more", size)
	}
}

// rules is a CODEOWNERS file read as GitHub reads the patterns groundwork
// writes: "*", a rooted file, or a rooted folder ending in "/" that owns
// everything under it; the last matching pattern wins.
type rules [][2]string

func parse(t *testing.T, text string) rules {
	var r rules
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || (f[0] != "*" && !strings.HasPrefix(f[0], "/")) || strings.ContainsAny(f[0][1:], "*?[!") {
			t.Fatalf("CODEOWNERS line %q is not a pattern groundwork writes", line)
		}
		r = append(r, [2]string{f[0], f[1]})
	}
	return r
}

func (r rules) owner(p string) string {
	owner := ""
	for _, rule := range r {
		pat := rule[0]
		switch {
		case pat == "*", pat == "/"+p, strings.HasSuffix(pat, "/") && strings.HasPrefix("/"+p, pat):
			owner = rule[1]
		}
	}
	return owner
}

type fakeGen struct{ files []engine.File }

func (*fakeGen) Kind() string                                   { return "dashboards" }
func (g *fakeGen) Generate(engine.Input) ([]engine.File, error) { return g.files, nil }
