package dashboards

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The PromQL of the panels. Service series are selected with
// alerting.ServiceSelector and SLO series with alerting.SLOSelector, the
// selectors the alert rules use, so that a panel shows what its alert sees.
// Rates use $__rate_interval, which Grafana keeps at least four scrape
// intervals long whatever the zoom.

// rateInterval is Grafana's range for rate(): never shorter than four
// scrapes, so a zoomed-in graph has no gaps.
const rateInterval = "$__rate_interval"

// requestsByRoute is the request rate of s by route and status code.
func requestsByRoute(s *spec.Service) query {
	return query{
		expr:   fmt.Sprintf("sum by (route, code) (rate(http_requests_total%s[%s]))", alerting.ServiceSelector(s), rateInterval),
		legend: "{{route}} {{code}}",
	}
}

// flagEvaluations is the rate of flag evaluations of s by flag and variant.
func flagEvaluations(s *spec.Service) query {
	return query{
		expr:   fmt.Sprintf("sum by (flag, variant) (rate(%s%s[%s]))", spec.MetricFlagEvaluations, alerting.ServiceSelector(s), rateInterval),
		legend: "{{flag}}: {{variant}}",
	}
}

// flagErrors is the rate of flag evaluations of s that failed, by flag:
// 0 for a flag evaluated without errors, rather than no series, so that the
// panel shows the flags that are fine too.
func flagErrors(s *spec.Service) query {
	errs := fmt.Sprintf("sum by (flag) (rate(%s%s[%s]))", spec.MetricFlagEvaluations, alerting.ServiceSelector(s, `reason="ERROR"`), rateInterval)
	all := fmt.Sprintf("0 * sum by (flag) (rate(%s%s[%s]))", spec.MetricFlagEvaluations, alerting.ServiceSelector(s), rateInterval)
	return query{expr: errs + " or " + all, legend: "{{flag}}"}
}

// errorRatio is the share of s's responses that were 5xx. A service that has
// never failed has no 5xx series at all: "or … * 0" makes that zero rather
// than no data, and "> 0" leaves an idle service empty rather than NaN, as
// the SLO recording rules do.
func errorRatio(s *spec.Service) query {
	all := fmt.Sprintf("sum(rate(http_requests_total%s[%s]))", alerting.ServiceSelector(s), rateInterval)
	bad := fmt.Sprintf("sum(rate(http_requests_total%s[%s]))", alerting.ServiceSelector(s, `code=~"5.."`), rateInterval)
	return query{
		expr:   fmt.Sprintf("(\n  %s\n  or\n  %s * 0\n)\n/\n(%s > 0)", bad, all, all),
		legend: "5xx",
	}
}

// latencyQuantiles are the p50, p90 and p99 of s's response time, from the
// histogram that backend/metrics exports.
func latencyQuantiles(s *spec.Service) []query {
	var qs []query
	for _, q := range []struct {
		value  string
		legend string
	}{{"0.5", "p50"}, {"0.9", "p90"}, {"0.99", "p99"}} {
		qs = append(qs, query{
			expr:   fmt.Sprintf("histogram_quantile(%s, sum by (le) (rate(http_request_duration_seconds_bucket%s[%s])))", q.value, alerting.ServiceSelector(s), rateInterval),
			legend: q.legend,
		})
	}
	return qs
}

// replicas counts the pods of s that Prometheus scrapes: each exports one
// build_info series. By version, a rollout shows as two lines crossing.
func replicas(s *spec.Service) []query {
	return []query{
		{expr: fmt.Sprintf("count(build_info%s)", alerting.ServiceSelector(s)), legend: "replicas"},
		{expr: fmt.Sprintf("count by (version) (build_info%s)", alerting.ServiceSelector(s)), legend: "{{version}}"},
	}
}

// inFlight is how many requests s is serving at once.
func inFlight(s *spec.Service) query {
	return query{expr: fmt.Sprintf("sum(http_requests_in_flight%s)", alerting.ServiceSelector(s)), legend: "in flight"}
}

// budgetRemaining is the share of the error budget of SLO o left in its
// window, as recorded: 1 is untouched, 0 spent, below 0 overspent.
func budgetRemaining(s *spec.Service, o *spec.SLO) query {
	return query{expr: alerting.RecordBudgetRemaining + alerting.SLOSelector(s, o), legend: "remaining"}
}

// sliRatios are SLO o's recorded error ratios over the burn alerts' shortest
// windows and over the whole SLO window, with the error budget as a line
// they should stay under.
func sliRatios(s *spec.Service, o *spec.SLO) []query {
	sel := alerting.SLOSelector(s, o)
	return []query{
		{expr: alerting.RecordErrorRatio(5*time.Minute) + sel, legend: "5m"},
		{expr: alerting.RecordErrorRatio(time.Hour) + sel, legend: "1h"},
		{expr: alerting.RecordPeriodError + sel, legend: string(o.Window)},
		{expr: alerting.RecordErrorBudget + sel, legend: budgetLegend},
	}
}

// budgetLegend names the error budget series, which is drawn apart.
const budgetLegend = "error budget"

// burnWindows are the windows of the SLO's burn tiers that are on, or of
// every tier when none is, shortest first: the ranges its burn alert looks at.
func burnWindows(o *spec.SLO) []time.Duration {
	tiers := o.Tiers()
	if len(tiers) == 0 {
		tiers = spec.BurnTiers
	}
	var ws []time.Duration
	for _, t := range tiers {
		ws = append(ws, t.Short, t.Long)
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// burnRates are SLO o's burn rate over each of its burn windows: the error
// ratio over the error budget, as the burn alerts compute it. 1 spends the
// budget exactly over the SLO window.
func burnRates(s *spec.Service, slo *alerting.SLO) []query {
	o := slo.Spec
	var qs []query
	for _, w := range burnWindows(o) {
		qs = append(qs, query{
			expr:   fmt.Sprintf("%s%s / %s", alerting.RecordErrorRatio(w), alerting.SLOSelector(s, o), alerting.Num(slo.Budget)),
			legend: alerting.Window(w),
		})
	}
	return qs
}

// comparison is an alert expression split as a panel shows it: the query
// plotted and the number it is compared with.
type comparison struct {
	query     string
	op        parser.ItemType
	threshold float64
}

// splitAlert finds the query and threshold of an alert expression, as
// spec.AlertThreshold does for the promtool tests; ok is false for an
// expression that compares nothing with a number (absent(…), a > b), which
// a panel then plots whole. The query keeps the engineer's own spelling.
func splitAlert(expr string) (c comparison, ok bool, err error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return c, false, err
	}
	th, ok := spec.AlertThreshold(e)
	if !ok {
		return c, false, nil
	}
	r := th.Query.PositionRange()
	return comparison{query: expr[r.Start:r.End], op: th.Op, threshold: th.Value}, true, nil
}
