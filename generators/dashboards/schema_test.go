//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// registerPlugins teaches the SDK's decoder the panel and query types, so
// that options, field configs and targets decode into their own types.
var registerPlugins = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// uidRE is what Grafana accepts as a dashboard uid.
var uidRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)

// schemaErrors decodes a dashboard into the SDK's dashboard.Dashboard twice:
// with encoding/json refusing unknown fields (which reaches the dashboard's
// own fields; panels decode themselves) and with the SDK's strict decoder,
// which refuses unknown fields in panels, their options, field configs and
// queries too. It then encodes the first result again and expects the same
// JSON: nothing was dropped on the way.
func schemaErrors(data []byte) []error {
	registerPlugins()
	var errs []error
	var d dashboard.Dashboard
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return append(errs, fmt.Errorf("does not decode into dashboard.Dashboard: %w", err))
	}
	if dec.More() {
		errs = append(errs, errors.New("data after the dashboard"))
	}
	// The SDK returns its error list even when it is empty.
	var strict dashboard.Dashboard
	if err := strict.UnmarshalJSONStrict(data); err != nil {
		if list, ok := err.(cog.BuildErrors); !ok || len(list) > 0 {
			errs = append(errs, fmt.Errorf("strict decoding: %w", err))
		}
	}
	again, err := json.Marshal(d)
	if err != nil {
		return append(errs, err)
	}
	var want, got any
	if err := json.Unmarshal(data, &want); err != nil {
		return append(errs, err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		return append(errs, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		errs = append(errs, fmt.Errorf("decoding and encoding again changes the dashboard (-generated +again):\n%s", diff))
	}
	return errs
}

// Every dashboard matches the SDK's types of Grafana's dashboard schema.
func TestDashboardsMatchSchema(t *testing.T) {
	for _, o := range orgs(t) {
		for name, data := range dashboardFiles(o.out) {
			t.Run(o.name+"/"+name, func(t *testing.T) {
				for _, err := range schemaErrors(data) {
					t.Error(err)
				}
			})
		}
	}
}

// The schema check refuses a field Grafana's schema lacks, at the top of a
// dashboard, in a panel, in a panel's options and in a query.
func TestSchemaCheckCatchesUnknownFields(t *testing.T) {
	o := orgs(t)[0]
	data := string(dashboardFiles(o.out)[spec.DashboardPath(o.model.Service("api"))])
	for name, edit := range map[string][2]string{
		"dashboard": {`"schemaVersion": `, `"schemaVersoin": 1, "schemaVersion": `},
		"panel":     {`"transparent": false`, `"transparent": false, "titel": "x"`},
		"options":   {`"showLegend": true`, `"showLegend": true, "shwoLegend": true`},
		"query":     {`"refId": "A"`, `"refId": "A", "exp": "up"`},
	} {
		bad := strings.Replace(data, edit[0], edit[1], 1)
		if bad == data {
			t.Fatalf("%s: %q is not in the dashboard", name, edit[0])
		}
		if errs := schemaErrors([]byte(bad)); len(errs) == 0 {
			t.Errorf("%s: an unknown field went unnoticed", name)
		}
	}
}

// Uids are the ones alert links point to, fit Grafana's limit and are
// unique; panel ids are unique per dashboard; panels fit the 24-column grid
// without overlapping; every query reads the datasource variable; tags name
// the platform and the owning team.
func TestDashboardIdentity(t *testing.T) {
	for _, o := range orgs(t) {
		files := dashboardFiles(o.out)
		wantUID := map[string]string{dashboards.OverviewPath: spec.OverviewDashboardUID}
		wantTags := map[string][]string{dashboards.OverviewPath: {o.model.Platform.Name, o.model.Platform.Owner}}
		for _, s := range o.model.Services {
			wantUID[spec.DashboardPath(s)] = spec.DashboardUID(s)
			wantTags[spec.DashboardPath(s)] = []string{o.model.Platform.Name, s.Team}
		}
		if len(files) != len(wantUID) {
			t.Errorf("%s: %d dashboards, want %d", o.name, len(files), len(wantUID))
		}
		uids := map[string]string{}
		for name, data := range files {
			b := decode(t, name, data)
			if b.UID != wantUID[name] {
				t.Errorf("%s: uid %q, want %q", name, b.UID, wantUID[name])
			}
			if !uidRE.MatchString(b.UID) {
				t.Errorf("%s: uid %q is not 1 to 40 letters, digits, - and _", name, b.UID)
			}
			if prev, dup := uids[b.UID]; dup {
				t.Errorf("%s and %s share uid %q", prev, name, b.UID)
			}
			uids[b.UID] = name
			for _, tag := range wantTags[name] {
				if !slices.Contains(b.Tags, tag) {
					t.Errorf("%s: tags %v lack %q", name, b.Tags, tag)
				}
			}
			checkDatasource(t, name, b)
			checkPanels(t, name, b)
		}
	}
}

// checkDatasource: the dashboard has the datasource variable, of type
// prometheus, and every panel that queries and every query read it.
func checkDatasource(t *testing.T, name string, b board) {
	t.Helper()
	found := false
	for _, v := range b.Templating.List {
		if v.Name == dashboards.DatasourceVariable {
			found = v.Type == "datasource" && v.Query == "prometheus"
		}
	}
	if !found {
		t.Errorf("%s: no variable %s of type datasource for prometheus: %+v", name, dashboards.DatasourceVariable, b.Templating.List)
	}
	want := datasourceRef{Type: "prometheus", UID: "${" + dashboards.DatasourceVariable + "}"}
	for _, p := range b.all() {
		if len(p.Targets) == 0 {
			continue
		}
		if p.Datasource == nil || *p.Datasource != want {
			t.Errorf("%s: panel %q reads datasource %+v, want %+v", name, p.Title, p.Datasource, want)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || *tg.Datasource != want {
				t.Errorf("%s: panel %q, query %s reads datasource %+v, want %+v", name, p.Title, tg.RefID, tg.Datasource, want)
			}
		}
	}
}

// checkPanels: ids unique and set, and every panel inside the grid, with no
// two overlapping.
func checkPanels(t *testing.T, name string, b board) {
	t.Helper()
	ids := map[int]string{}
	ps := b.all()
	for i, p := range ps {
		if p.ID <= 0 {
			t.Errorf("%s: panel %q has no id", name, p.Title)
		}
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("%s: panels %q and %q share id %d", name, prev, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("%s: panel %q at %+v is outside the 24-column grid", name, p.Title, g)
		}
		for _, q := range ps[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("%s: panels %q %+v and %q %+v overlap", name, q.Title, h, p.Title, g)
			}
		}
	}
}
