//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// DatasourceVariable is the one template variable of every dashboard. Each
// cluster's Grafana provisions its own Prometheus, with a uid of its own;
// a variable of type prometheus picks it up wherever the dashboard is loaded.
const DatasourceVariable = "datasource"

// Grafana's units, as its unit picker names them.
const (
	unitRatio     = "percentunit" // 0.01 shows as 1%
	unitSeconds   = "s"
	unitReqps     = "reqps"
	unitBurnRate  = "suffix:x" // 14.4x: how many times the sustainable rate
	unitCount     = "short"
	unitBytes     = "bytes" // IEC: 1 KiB is 1024 bytes
	unitPerSecond = "ops"   // evaluations per second
)

// Colours of thresholds: a page-severity line is red, a ticket one orange,
// so the panel says how bad crossing it is.
const (
	colorOK     = "green"
	colorTicket = "orange"
	colorPage   = "red"
	colorWarn   = "yellow"
)

// Panel sizes on Grafana's 24-column grid.
const (
	gridWidth   = 24
	graphHeight = 8
	statHeight  = 5
)

// datasource is the reference every panel and query carries.
func datasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${" + DatasourceVariable + "}")}
}

// datasourceVariable lets the viewer pick the Prometheus; the default is the
// Grafana's default Prometheus, which kube-prometheus-stack provisions.
func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder(DatasourceVariable).
		Label("Prometheus").
		Type("prometheus")
}

// query is one PromQL target and the name of its series in the legend;
// without one, Grafana names each series by its labels.
type query struct {
	expr   string
	legend string
}

// targets turns queries into Prometheus range queries over the panel's
// time range (a stat shows the last value, and the range as a sparkline),
// with refIds A, B, C… in panel order, as Grafana names them.
func targets(qs []query) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(qs))
	for i, q := range qs {
		t := prometheus.NewDataqueryBuilder().
			Datasource(datasource()).
			RefId(string(rune('A' + i))).
			Expr(q.expr).
			Range()
		if q.legend != "" {
			t.LegendFormat(q.legend)
		}
		out = append(out, t)
	}
	return out
}

// threshold is a line on a graph, or a colour change of a stat, at a value.
type threshold struct {
	value float64
	color string
}

// thresholds are Grafana's steps: the base colour below every value, then
// each value's colour from that value up. Values must ascend.
func thresholds(base string, ts ...threshold) *dashboard.ThresholdsConfigBuilder {
	steps := []dashboard.Threshold{{Value: nil, Color: base}}
	for _, t := range ts {
		steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(t.value), Color: t.color})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

// graph is a time series panel of queries. Lines are drawn at its
// thresholds, when it has any, so that a panel an alert sends on-call to
// shows where the alert fires.
func graph(title, description, unit string, qs []query, ts ...threshold) *timeseries.PanelBuilder {
	g := timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource()).
		Targets(targets(qs)).
		Height(graphHeight).
		Span(gridWidth / 2).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
	if unit != "" { // a spec alert's query has no unit we know
		g.Unit(unit)
	}
	if len(ts) > 0 {
		g.Thresholds(thresholds(colorOK, ts...)).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
	}
	return g
}

// single is a stat panel of one query's last value, coloured by thresholds.
func single(title, description, unit string, q query, base string, ts ...threshold) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource()).
		Targets(targets([]query{q})).
		Unit(unit).
		Height(statHeight).
		Span(gridWidth / 4).
		Thresholds(thresholds(base, ts...)).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeArea).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
}

// platformLinks is the dashboard link, in every dashboard's controls, to
// every other dashboard of the platform: Grafana lists them by tag.
func platformLinks(p *spec.Platform) []cog.Builder[dashboard.DashboardLink] {
	return []cog.Builder[dashboard.DashboardLink]{
		dashboard.NewDashboardLinkBuilder(p.Name + " dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{p.Name}).
			AsDropdown(true).
			KeepTime(true).
			IncludeVars(true),
	}
}

// newDashboard starts a dashboard with what every generated one shares: a
// stable uid, the datasource variable, six hours of data refreshed every
// minute, and no editing in Grafana, where changes would be lost at the next
// sync; its description says where to change it instead.
func newDashboard(p *spec.Platform, uid, title, description string, tags []string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags(tags).
		Readonly().
		Timezone("utc").
		Time("now-6h", "now").
		Refresh("1m").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		Links(platformLinks(p))
}

// build finishes a dashboard and numbers its panels and rows from 1 in grid
// order: ids are unique within the dashboard and depend only on its content.
func build(b *dashboard.DashboardBuilder) (dashboard.Dashboard, error) {
	d, err := b.Build()
	if err != nil {
		return d, err
	}
	id := uint32(0)
	for _, p := range d.Panels {
		id++
		switch {
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		}
	}
	return d, nil
}
