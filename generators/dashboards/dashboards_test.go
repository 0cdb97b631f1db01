package dashboards_test

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

const repoRoot = "../.."

// org is an organisation the checks run on, with its generated files.
type org struct {
	name  string
	model *spec.Model
	out   *engine.Output
}

// orgs are the sample organisation of this repository and a synthetic one
// of another shape: three services with a database, three SLOs (one of
// custom queries over a 28d window) and a spec alert each.
func orgs(t *testing.T) []org {
	t.Helper()
	syntheticDir := t.TempDir()
	if err := synthetic.Write(syntheticDir, 3); err != nil {
		t.Fatal(err)
	}
	var out []org
	for _, o := range []struct{ name, root string }{{"sample", repoRoot}, {"synthetic", syntheticDir}} {
		m, err := spec.Load(o.root)
		if err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
		out = append(out, org{name: o.name, model: m, out: render(t, m)})
	}
	return out
}

// render runs this generator alone through the engine, so the files carry
// the headers they ship with and a broken generator elsewhere does not
// fail these tests.
func render(t *testing.T, m *spec.Model) *engine.Output {
	t.Helper()
	out, err := engine.Render(m, []engine.Generator{dashboards.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dashboardFiles are the generated dashboards, by path.
func dashboardFiles(out *engine.Output) map[string][]byte {
	files := map[string][]byte{}
	for _, f := range out.Files {
		if path.Ext(f.Path) == ".json" && strings.HasPrefix(f.Path, spec.DashboardsDir+"/") {
			files[f.Path] = f.Data
		}
	}
	return files
}

// panel is what the checks read of a panel: Grafana's JSON, decoded
// loosely so that a check reads exactly what Grafana will.
type panel struct {
	Type        string           `json:"type"`
	ID          int              `json:"id"`
	Title       string           `json:"title"`
	Datasource  *datasourceRef   `json:"datasource"`
	GridPos     gridPos          `json:"gridPos"`
	Targets     []target         `json:"targets"`
	Panels      []panel          `json:"panels"`
	Links       []map[string]any `json:"links"`
	FieldConfig struct {
		Defaults struct {
			Thresholds struct {
				Steps []step `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

// step is a threshold step: a colour from a value up (no value: the base).
type step struct {
	Value *float64 `json:"value"`
	Color string   `json:"color"`
}

// thresholdValues are the values of a panel's threshold steps.
func (p panel) thresholdValues() []float64 {
	var vs []float64
	for _, s := range p.FieldConfig.Defaults.Thresholds.Steps {
		if s.Value != nil {
			vs = append(vs, *s.Value)
		}
	}
	return vs
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct{ X, Y, W, H int }

type target struct {
	Expr       string         `json:"expr"`
	RefID      string         `json:"refId"`
	Datasource *datasourceRef `json:"datasource"`
}

type board struct {
	UID        string   `json:"uid"`
	Title      string   `json:"title"`
	Tags       []string `json:"tags"`
	Panels     []panel  `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func decode(t *testing.T, name string, data []byte) board {
	t.Helper()
	var b board
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// all lists the panels of a dashboard, those of collapsed rows included.
func (b board) all() []panel {
	var out []panel
	for _, p := range b.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

// The cases in testdata/cases: the sample organisation's dashboards are
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := generators.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		return golden.OfKind(out, "dashboards")
	})
}

// Generating twice gives the same bytes: map order or a clock in the
// output would rewrite every dashboard on every run.
func TestDeterministic(t *testing.T) {
	for _, o := range orgs(t) {
		again := render(t, o.model)
		if len(again.Files) != len(o.out.Files) {
			t.Fatalf("%s: %d files, then %d", o.name, len(o.out.Files), len(again.Files))
		}
		for i, f := range o.out.Files {
			if g := again.Files[i]; g.Path != f.Path || !bytes.Equal(g.Data, f.Data) {
				t.Errorf("%s: %s differs between two runs", o.name, f.Path)
			}
		}
	}
}

// Each service gets its dashboard, made for it alone, and the overview and
// the kustomization are shared.
func TestFiles(t *testing.T) {
	for _, o := range orgs(t) {
		want := map[string]string{dashboards.OverviewPath: "", dashboards.KustomizationPath: ""}
		for _, s := range o.model.Services {
			want[spec.DashboardPath(s)] = s.Name
		}
		for _, f := range o.out.Files {
			svc, ok := want[f.Path]
			if !ok {
				t.Errorf("%s: unexpected file %s", o.name, f.Path)
				continue
			}
			delete(want, f.Path)
			if f.Service != svc {
				t.Errorf("%s: %s is made for service %q, want %q", o.name, f.Path, f.Service, svc)
			}
			if len(f.Origins) == 0 {
				t.Errorf("%s: %s names no origin", o.name, f.Path)
			}
		}
		for p := range want {
			t.Errorf("%s: %s not generated", o.name, p)
		}
	}
}
