package runbooks_test

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators/runbooks"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// relative lists the links of Markdown text that lead to a file of the
// repository: not a URL, not an anchor of the page itself.
func relative(text string) []string {
	var out []string
	for _, l := range parseMarkdown(text).links {
		if !strings.Contains(l, "://") && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// checkIndexLinks holds the index of the services to link every service's
// index and nothing else, and each service's index to link back to it and
// to every runbook of the service (its alerts', its database's recovery
// page), and to no other file. It returns the runbooks the service indexes
// link.
func checkIndexLinks(t *testing.T, m *spec.Model, out *engine.Output) map[string]bool {
	t.Helper()
	top := out.File(runbooks.IndexPath)
	if top == nil {
		t.Fatalf("%s is not generated", runbooks.IndexPath)
	}
	fromTop := map[string]bool{}
	for _, l := range relative(string(top.Data)) {
		p := path.Join(path.Dir(runbooks.IndexPath), l)
		if !slices.ContainsFunc(m.Services, func(s *spec.Service) bool { return runbooks.ServiceIndexPath(s) == p }) {
			t.Errorf("%s links %s, which is no service's index", runbooks.IndexPath, l)
		}
		fromTop[p] = true
	}
	listed := map[string]bool{}
	am := alerting.New(m)
	for _, s := range m.Services {
		ip := runbooks.ServiceIndexPath(s)
		if !fromTop[ip] {
			t.Errorf("%s does not link %s", runbooks.IndexPath, ip)
		}
		f := out.File(ip)
		if f == nil {
			t.Errorf("%s: %s is not generated", s.Name, ip)
			continue
		}
		if f.Kind != "runbooks" || f.Service != s.Name {
			t.Errorf("%s: made by %s for service %q, want runbooks for %q", ip, f.Kind, f.Service, s.Name)
		}
		back := false
		for _, l := range relative(string(f.Data)) {
			target := path.Join(path.Dir(ip), l)
			switch g := out.File(target); {
			case target == runbooks.IndexPath:
				back = true
			case g == nil || g.Kind != "runbooks" || path.Dir(target) != path.Dir(ip) || target == ip:
				t.Errorf("%s links %s, which is no runbook of %s", ip, l, s.Name)
			default:
				listed[target] = true
			}
		}
		if !back {
			t.Errorf("%s does not link %s", ip, runbooks.IndexPath)
		}
		for _, a := range am.Alerts(s) {
			if !listed[spec.RunbookPath(s, a.Name)] {
				t.Errorf("%s: the runbook of %s is not reachable from %s", s.Name, a.Name, ip)
			}
		}
		if s.Database != nil && !listed[spec.DatabaseRunbookPath(s)] {
			t.Errorf("%s does not link the database's recovery page", ip)
		}
	}
	return listed
}

// The index of the services is a row per service, in spec order, with its
// team and spec, and names no alert; each service's index has its team's
// channels and a row per alert saying what the alert is in every
// environment.
func TestIndexes(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			out := render(t, m)
			am := alerting.New(m)
			top := string(out.File(runbooks.IndexPath).Data)
			d := parseMarkdown(top)
			for _, p := range d.problems {
				t.Errorf("%s: %s", runbooks.IndexPath, p)
			}
			if len(d.headings) != 1 || d.headings[0].level != 1 {
				t.Errorf("%s: headings %v, want the title alone", runbooks.IndexPath, d.headings)
			}
			if n := strings.Count(top, "\n| ["); n != len(m.Services) {
				t.Errorf("%s: %d rows, want one per service, %d", runbooks.IndexPath, n, len(m.Services))
			}
			at := -1
			for _, s := range m.Services {
				row := fmt.Sprintf("| [%s](%s/README.md) | %s | `%s` |\n", s.Name, s.Name, s.Team, s.Source.Path)
				i := strings.Index(top, row)
				if i < 0 {
					t.Errorf("%s: no row %q", runbooks.IndexPath, row)
					continue
				}
				if i < at {
					t.Errorf("%s: %s is not in spec order", runbooks.IndexPath, s.Name)
				}
				at = i
				for _, a := range am.Alerts(s) {
					if strings.Contains(top, a.Name) {
						t.Errorf("%s names alert %s: the alerts are in %s", runbooks.IndexPath, a.Name, runbooks.ServiceIndexPath(s))
					}
				}
			}

			for _, s := range m.Services {
				f := out.File(runbooks.ServiceIndexPath(s))
				if f == nil {
					t.Errorf("%s: no index", s.Name)
					continue
				}
				text := string(f.Data)
				d := parseMarkdown(text)
				for _, p := range d.problems {
					t.Errorf("%s: %s", f.Path, p)
				}
				if len(d.headings) != 1 || d.headings[0].text != "Runbooks of "+s.Name {
					t.Errorf("%s: headings %v, want the title alone, Runbooks of %s", f.Path, d.headings, s.Name)
				}
				team := m.Platform.Teams[s.Team]
				for _, want := range []string{"**" + s.Team + "**", "`" + team.Slack + "`", "`" + team.PagerDuty + "`", "`" + s.Source.Path + "`"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s does not name %s", f.Path, want)
					}
				}
				alerts := am.Alerts(s)
				if n := strings.Count(text, "\n| ["); n != len(alerts) {
					t.Errorf("%s: %d rows, want one per alert, %d", f.Path, n, len(alerts))
				}
				for _, a := range alerts {
					row := fmt.Sprintf("| [%s](%s.md) |", a.Name, a.Name)
					for _, e := range m.Environments {
						var sevs []string
						for _, r := range a.RulesIn(e) {
							sevs = append(sevs, alerting.Severity(e, r.Severity))
						}
						switch {
						case slices.Contains(sevs, spec.SeverityPage) && slices.Contains(sevs, spec.SeverityTicket):
							row += " page, ticket |"
						case len(sevs) > 0:
							row += " " + sevs[0] + " |"
						default:
							row += "  |"
						}
					}
					row += " " + markdown.Esc(a.Summary) + " |\n"
					if !strings.Contains(text, row) {
						t.Errorf("%s: no row %q", f.Path, row)
					}
				}
				recovery := strings.Contains(text, "[its recovery page](database-recovery.md)")
				if recovery != (s.Database != nil) {
					t.Errorf("%s: links the database's recovery page: %t, has a database: %t", f.Path, recovery, s.Database != nil)
				}
			}
		})
	}
}

// The index of the services derives no alert: a render of no service makes
// it with no alerting model at all (were one asked, it would panic), and a
// render of one service makes it and that service's files alone, each as
// the full render does. A partial render, after one service's spec is
// edited, makes the index again, and at a thousand services deriving every
// service's alerts for it took a third of a second.
func TestIndexDerivesNoAlert(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			full, err := runbooks.Generator{}.Generate(engine.NewInput(m))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]engine.File{}
			for _, f := range full {
				want[f.Path] = f
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("a render of no service asks the alerting model: %v", r)
					}
				}()
				files, err := runbooks.Generator{}.Generate(engine.Input{Spec: m, Scope: engine.NewScope()})
				if err != nil {
					t.Fatal(err)
				}
				if len(files) != 1 || files[0].Path != runbooks.IndexPath || files[0].Service != "" {
					t.Fatalf("a render of no service makes %d files, want %s alone", len(files), runbooks.IndexPath)
				}
				if !bytes.Equal(files[0].Data, want[runbooks.IndexPath].Data) {
					t.Errorf("%s differs between a render of no service and a full one", runbooks.IndexPath)
				}
			}()

			s := m.Services[len(m.Services)-1]
			scope := engine.NewScope(s.Name)
			in := engine.NewPartialInput(m, scope)
			files, err := runbooks.Generator{}.Generate(in)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range full {
				if f.Service == s.Name || f.Path == runbooks.IndexPath {
					n++
				}
			}
			if len(files) != n {
				t.Errorf("a render of %s makes %d files, want %d", s.Name, len(files), n)
			}
			for _, f := range files {
				if f.Service != s.Name && f.Path != runbooks.IndexPath {
					t.Errorf("a render of %s makes %s, of %q", s.Name, f.Path, f.Service)
				}
				if !bytes.Equal(f.Data, want[f.Path].Data) {
					t.Errorf("%s differs between a render of %s and a full one", f.Path, s.Name)
				}
			}
		})
	}
}

// A spec alert may not be named as the index of its service's runbooks:
// README would be the index, Readme the same file on a case-insensitive
// file system.
func TestAlertNamedAsIndex(t *testing.T) {
	m := load(t, repoRoot)
	i := slices.IndexFunc(m.Services, func(s *spec.Service) bool { return len(s.Alerts) > 0 })
	if i < 0 {
		t.Fatal("the sample has no spec alert")
	}
	s := m.Services[i]
	alerts := s.Alerts
	defer func() { s.Alerts = alerts }()
	for _, name := range []string{"README", "Readme"} {
		a := *alerts[0]
		a.Name = name
		s.Alerts = append(slices.Clone(alerts), &a)
		_, err := runbooks.Generator{}.Generate(engine.NewInput(m))
		if err == nil || !strings.Contains(err.Error(), "alert "+name) || !strings.Contains(err.Error(), "rename the alert") {
			t.Errorf("alert %s of %s: error %v, want one that asks to rename it", name, s.Name, err)
		}
	}
}
