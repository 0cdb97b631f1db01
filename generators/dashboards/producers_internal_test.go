//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The producer check reads the queries of the dashboard as built: they are
// every query of its JSON, in the JSON's order, rows' panels included.
func TestQueriesAreTheJSONs(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	am := alerting.New(m)
	boards := map[string]dashboard.Dashboard{}
	for _, s := range m.Services {
		d, err := serviceDashboard(m, am.Service(s))
		if err != nil {
			t.Fatal(err)
		}
		boards[spec.DashboardPath(s)] = d
	}
	d, err := overviewDashboard(m)
	if err != nil {
		t.Fatal(err)
	}
	boards[OverviewPath] = d
	for path, d := range boards {
		data, err := marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := queries(path, d)
		if err != nil {
			t.Fatal(err)
		}
		if want := jsonQueries(t, path, data); !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("%s: the queries of the dashboard are\n%v\nthose of its JSON\n%v", path, got, want)
		}
	}
}

// jsonPanel is what jsonQueries reads of a panel.
type jsonPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []jsonPanel `json:"panels"`
}

// jsonQueries reads the queries of a dashboard's JSON.
func jsonQueries(t *testing.T, path string, data []byte) []alerting.CheckedQuery {
	t.Helper()
	var b struct {
		Panels []jsonPanel `json:"panels"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	var qs []alerting.CheckedQuery
	var walk func(ps []jsonPanel)
	walk = func(ps []jsonPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				qs = append(qs, alerting.CheckedQuery{
					Where: fmt.Sprintf("%s: panel %q, query %s", path, p.Title, tg.RefID),
					Expr:  strings.ReplaceAll(tg.Expr, rateInterval, rateIntervalValue),
				})
			}
			walk(p.Panels)
		}
	}
	walk(b.Panels)
	return qs
}
