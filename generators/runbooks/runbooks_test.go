package runbooks_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/runbooks"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

const repoRoot = "../.."

func load(t *testing.T, root string) *spec.Model {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func render(t *testing.T, m *spec.Model) *engine.Output {
	t.Helper()
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// orgs are the sample organisation and a synthetic one of another shape:
// four environments of which one pages, three services with a database, a
// custom SLI over a 28-day window and a spec alert without runbook text.
func orgs(t *testing.T) map[string]*spec.Model {
	t.Helper()
	dir := t.TempDir()
	if err := synthetic.Write(dir, 3); err != nil {
		t.Fatal(err)
	}
	return map[string]*spec.Model{"sample": load(t, repoRoot), "synthetic": load(t, dir)}
}

// The cases in testdata/cases: the sample organisation's runbooks are
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		return golden.OfKind(render(t, m), "runbooks")
	})
}

// Generating twice gives the same bytes: no clock, no map order.
func TestDeterministic(t *testing.T) {
	m := load(t, repoRoot)
	a, err := runbooks.Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	b, err := runbooks.Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two runs", a[i].Path)
		}
	}
}

// Every link an alert carries leads somewhere real: its runbook_url to a
// generated runbook of that alert, its dashboard_url to the service's
// dashboard; every runbook is linked by some rule and listed in its
// service's index, which the index of the services links; no relative link
// of any of them leads nowhere.
func TestLinks(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			out := render(t, m)
			dashboards := len(golden.OfKind(out, "dashboards")) > 0
			if !dashboards {
				t.Log("the dashboards generator makes no files yet: dashboard files and panels are not checked")
			}
			prefix := "https://github.com/" + m.Platform.Repository + "/blob/" + spec.DefaultBranch + "/"
			linked := map[string]bool{}
			for _, e := range m.Environments {
				for _, s := range m.Services {
					for _, g := range alerting.New(m).Groups(e, s) {
						for _, r := range g.Rules {
							if r.Alert == "" {
								continue
							}
							where := e.Name + "/" + s.Name + "/" + r.Alert
							url := r.Annotations["runbook_url"]
							p, ok := strings.CutPrefix(url, prefix)
							if !ok {
								t.Errorf("%s: runbook_url %q is not under %s", where, url, prefix)
								continue
							}
							f := out.File(p)
							switch {
							case f == nil:
								t.Errorf("%s: runbook_url %s: %s is not generated", where, url, p)
							case f.Kind != "runbooks":
								t.Errorf("%s: runbook_url %s: %s is made by %s, not runbooks", where, url, p, f.Kind)
							case p != spec.RunbooksDir+"/"+s.Name+"/"+r.Alert+".md":
								t.Errorf("%s: runbook_url %s is not the runbook of %s of %s", where, url, r.Alert, s.Name)
							}
							linked[p] = true
							checkDashboardURL(t, where, r.Annotations, m, e, s)
						}
					}
					if dashboards {
						checkDashboard(t, m, out, s)
					}
				}
			}
			listed := checkIndexLinks(t, m, out)
			// A database's recovery page is linked by its alerts' runbooks
			// rather than by a rule.
			pages := map[string]bool{}
			for _, s := range m.Services {
				if s.Database != nil {
					pages[spec.DatabaseRunbookPath(s)] = true
				}
			}
			indexes := map[string]bool{runbooks.IndexPath: true}
			for _, s := range m.Services {
				indexes[runbooks.ServiceIndexPath(s)] = true
			}
			for _, f := range golden.OfKind(out, "runbooks") {
				checkRelativeLinks(t, out, f)
				if indexes[f.Path] {
					continue
				}
				if !linked[f.Path] && !pages[f.Path] {
					t.Errorf("%s: no alerting rule links it", f.Path)
				}
				if !listed[f.Path] {
					t.Errorf("%s: not in its service's index, %s", f.Path, path.Join(path.Dir(f.Path), "README.md"))
				}
			}
			for p := range pages {
				if out.File(p) == nil {
					t.Errorf("%s is not generated", p)
				}
			}
		})
	}
}

// checkRelativeLinks holds every relative link of generated Markdown f to
// lead to a file: one generated in the same render, or one committed in
// the repository (docs/, which people write).
func checkRelativeLinks(t *testing.T, out *engine.Output, f *engine.Rendered) {
	t.Helper()
	for _, l := range parseMarkdown(string(f.Data)).links {
		if strings.Contains(l, "://") || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "/") {
			t.Errorf("%s: link %s is absolute; GitHub resolves it against itself", f.Path, l)
			continue
		}
		target := path.Join(path.Dir(f.Path), l)
		if strings.HasPrefix(target, "../") {
			t.Errorf("%s: link %s leads out of the repository", f.Path, l)
			continue
		}
		if out.File(target) != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(target))); err != nil {
			t.Errorf("%s: link %s leads to %s, which is neither generated nor in the repository", f.Path, l, target)
		}
	}
}

// checkDashboardURL holds an alert's dashboard_url to be
// <grafana>/d/<uid>/<service> where the environment names its Grafana, and
// to be absent where it does not (a bare /d/... leads nowhere outside
// Grafana), the dashboard annotation naming the dashboard instead.
func checkDashboardURL(t *testing.T, where string, ann map[string]string, m *spec.Model, e *spec.Environment, s *spec.Service) {
	t.Helper()
	url, linked := ann[alerting.AnnotationDashboardURL]
	words, named := ann[alerting.AnnotationDashboard]
	if e.Alerting.Grafana == "" {
		if linked {
			t.Errorf("%s: dashboard_url %q in an environment that names no Grafana", where, url)
		}
		for _, want := range []string{spec.DashboardTitle(m.Platform, s), spec.DashboardUID(s), spec.EnvironmentFile(e), "alerting.grafana"} {
			if !strings.Contains(words, want) {
				t.Errorf("%s: dashboard annotation %q does not name %s", where, words, want)
			}
		}
		return
	}
	if named {
		t.Errorf("%s: dashboard annotation %q beside a dashboard_url", where, words)
	}
	grafana := strings.TrimSuffix(e.Alerting.Grafana, "/")
	rest, ok := strings.CutPrefix(url, grafana+"/d/")
	if !ok || !strings.HasPrefix(url, "https://") {
		t.Errorf("%s: dashboard_url %q is not under %s/d/", where, url, grafana)
		return
	}
	uid, svc, _ := strings.Cut(rest, "/")
	if uid != spec.DashboardUID(s) || svc != s.Name {
		t.Errorf("%s: dashboard_url %q: want uid %s and name %s", where, url, spec.DashboardUID(s), s.Name)
	}
	if len(uid) > 40 {
		t.Errorf("%s: dashboard uid %s is longer than Grafana's 40 characters", where, uid)
	}
}

// checkDashboard holds the service's dashboard file to exist, to carry the
// uid its alerts link and to hold every panel its runbooks send on-call to.
func checkDashboard(t *testing.T, m *spec.Model, out *engine.Output, s *spec.Service) {
	t.Helper()
	f := out.File(spec.DashboardPath(s))
	if f == nil {
		t.Errorf("%s: alerts link its dashboard, but %s is not generated", s.Name, spec.DashboardPath(s))
		return
	}
	var v any
	if err := json.Unmarshal(f.Data, &v); err != nil {
		t.Errorf("%s: %v", f.Path, err)
		return
	}
	strs := map[string]bool{} // every string value, wherever the schema puts it
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			strs[v] = true
		}
	}
	walk(v)
	if !strs[spec.DashboardUID(s)] {
		t.Errorf("%s: no uid %s", f.Path, spec.DashboardUID(s))
	}
	if title, ok := v.(map[string]any)["title"]; title != spec.DashboardTitle(m.Platform, s) {
		t.Errorf("%s: title %v (%t), but alerts without a dashboard_url name it %q", f.Path, title, ok, spec.DashboardTitle(m.Platform, s))
	}
	for _, a := range alerting.New(m).Alerts(s) {
		if a.Panel != "" && !strs[a.Panel] {
			t.Errorf("%s: the runbook of %s sends on-call to panel %q, which %s lacks", s.Name, a.Name, a.Panel, f.Path)
		}
	}
}

var promql = parser.NewParser(parser.Options{})

// Each runbook is well-formed Markdown with its sections in order, and each
// of its queries is PromQL that parses, written out for real: no
// placeholder left to fill in.
func TestRunbooks(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			out := render(t, m)
			p := m.Platform
			for _, s := range m.Services {
				team, owner := p.Teams[s.Team], p.Teams[p.Owner]
				for _, a := range alerting.New(m).Alerts(s) {
					f := out.File(spec.RunbookPath(s, a.Name))
					if f == nil {
						t.Errorf("%s: no runbook", a.Name)
						continue
					}
					if f.Service != s.Name {
						t.Errorf("%s: made for service %q, want %q", f.Path, f.Service, s.Name)
					}
					text := string(f.Data)
					d := parseMarkdown(text)
					for _, pr := range d.problems {
						t.Errorf("%s: %s", f.Path, pr)
					}
					checkSections(t, f.Path, a, d)
					for _, c := range d.codes {
						if c.lang != "promql" {
							t.Errorf("%s:%d: a code block tagged %q, not promql", f.Path, c.line, c.lang)
						}
						if _, err := promql.ParseExpr(c.body); err != nil {
							t.Errorf("%s:%d: %v\n%s", f.Path, c.line, err, c.body)
						}
						if strings.Contains(c.body, "<instance>") {
							t.Errorf("%s:%d: a placeholder is left in the query", f.Path, c.line)
						}
					}
					for _, e := range m.Environments {
						for _, r := range a.RulesIn(e) {
							if !slices.ContainsFunc(d.codes, func(c mdCode) bool { return c.body == r.Expr }) {
								t.Errorf("%s: the expression of the rule in %s is not written out:\n%s", f.Path, e.Name, r.Expr)
							}
						}
						if a.Kind == alerting.KindDatabaseStorageLow {
							id := spec.DatabaseIdentifier(p, e, s)
							if !slices.ContainsFunc(d.codes, func(c mdCode) bool { return strings.Contains(c.body, `"`+id+`"`) }) {
								t.Errorf("%s: no query of %s's instance %s", f.Path, e.Name, id)
							}
						}
						if a.Panel != "" && !strings.Contains(text, spec.DashboardURL(e, s)) {
							t.Errorf("%s: no link to the dashboard in %s", f.Path, e.Name)
						}
					}
					names := []string{team.Slack, team.PagerDuty}
					if s.Team != p.Owner {
						names = append(names, owner.Slack, owner.PagerDuty)
					}
					for _, want := range names {
						if !strings.Contains(text, "`"+want+"`") {
							t.Errorf("%s: escalation does not name %s", f.Path, want)
						}
					}
					if a.Kind == alerting.KindBurn {
						checkTiers(t, f.Path, a, text)
					}
				}
			}
		})
	}
}

// checkSections holds the headings to one title, the alert's name, and the
// sections in order.
func checkSections(t *testing.T, file string, a *alerting.Alert, d mdDoc) {
	t.Helper()
	want := []string{"Meaning", "Impact", "Diagnosis", "Mitigation"}
	if a.Spec != nil && a.Spec.Runbook != "" {
		want = append(want, "Notes from the service spec")
	}
	want = append(want, "Signals")
	if a.Signal != nil {
		want = append(want, "When the signal is absent")
	}
	want = append(want, "Escalation")
	var got []string
	for i, h := range d.headings {
		switch {
		case h.level == 1 && (i != 0 || h.text != a.Name):
			t.Errorf("%s:%d: heading %q: the only level-1 heading is the title, %s, first", file, h.line, h.text, a.Name)
		case h.level == 2:
			got = append(got, h.text)
		}
	}
	if len(d.headings) == 0 || d.headings[0].level != 1 {
		t.Errorf("%s: does not start with a title", file)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: sections %q, want %q", file, got, want)
	}
}

// tierFactor is the factor a burn-rate rule compares both windows with,
// times the recorded error budget.
var tierFactor = regexp.MustCompile(`> \(([0-9.]+) \* ` + regexp.QuoteMeta(alerting.RecordErrorBudget) + `\{`)

// checkTiers holds the tier table to the factors the rules use.
func checkTiers(t *testing.T, file string, a *alerting.Alert, text string) {
	t.Helper()
	for _, r := range a.Rules {
		m := tierFactor.FindStringSubmatch(r.Expr)
		if m == nil {
			t.Errorf("%s: no factor in the rule of tier %s: %s", file, r.Tier.Name, r.Expr)
			continue
		}
		row := "| `" + r.Tier.Name + "` | " + alerting.Window(r.Tier.Short) + " | " + alerting.Window(r.Tier.Long) + " | " + m[1] + " | "
		if !strings.Contains(text, row) {
			t.Errorf("%s: no table row %q for tier %s", file, row, r.Tier.Name)
		}
	}
}

// A spec alert's runbook text is in its runbook as its team wrote it, but
// for headings moved down to fit under the runbook's own.
func TestSpecRunbookIncluded(t *testing.T) {
	m := load(t, repoRoot)
	out := render(t, m)
	n := 0
	for _, s := range m.Services {
		for _, sa := range s.Alerts {
			if sa.Runbook == "" {
				continue
			}
			n++
			text := string(out.File(spec.RunbookPath(s, sa.Name)).Data)
			want := strings.Split(strings.TrimRight(sa.Runbook, "\n"), "\n")
			lines := strings.Split(text, "\n")
			at := slices.Index(lines, "## Notes from the service spec")
			if at < 0 {
				t.Errorf("%s: no notes section", sa.Name)
				continue
			}
			start := at + 4 // the heading, a blank line, the paragraph that says where the notes come from, a blank line
			if start+len(want) > len(lines) {
				t.Errorf("%s: the notes are cut short", sa.Name)
				continue
			}
			for i, w := range want {
				got := lines[start+i]
				if got != w && !(strings.HasPrefix(w, "#") && got == "#"+w) {
					t.Errorf("%s: notes line %d is %q, want %q", sa.Name, i+1, got, w)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the sample has no spec alert with runbook text")
	}
}
