package alerting

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Kinds of alert, which runbooks and dashboards explain differently.
const (
	KindBurn                  = "burn-rate"
	KindTargetDown            = "target-down"
	KindPodCrashLooping       = "pod-crash-looping"
	KindBackupTooOld          = "backup-too-old"
	KindDatabaseStorageLow    = "database-storage-low"
	KindDatabasePoolSaturated = "database-pool-saturated"
	KindRestoreDrillFailed    = "restore-drill-failed"
	KindRestoreDrillOverdue   = "restore-drill-overdue"
	KindSpec                  = "spec" // written in the service spec
)

// Label names every generated alert carries; Alertmanager routes and
// inhibits on them.
const (
	LabelSeverity  = "severity"  // page or ticket, after the environment's alerting.page
	LabelTeam      = "team"      // the owning team: the receiver
	LabelService   = "service"   // the service
	LabelNamespace = "namespace" // the service's namespace
	LabelSLO       = "slo"       // burn-rate alerts: the SLO
	LabelTier      = "tier"      // burn-rate alerts: page-1h, page-6h, ticket-1d, ticket-3d
	LabelSignal    = "signal"    // the rule of an alert that fires when its signal is absent: SignalAbsent
)

// Annotation names every generated alert carries; notifications and
// runbooks show them.
const (
	AnnotationSummary     = "summary"
	AnnotationDescription = "description"
	AnnotationRunbookURL  = "runbook_url"
	// AnnotationDashboardURL links the service's dashboard in the
	// environment's Grafana; only an environment that names its Grafana
	// (alerting.grafana) has one, since a path alone leads nowhere outside
	// Grafana.
	AnnotationDashboardURL = "dashboard_url"
	// AnnotationDashboard names the dashboard in words, in an environment
	// that names no Grafana: an alert carries this or
	// AnnotationDashboardURL, never both.
	AnnotationDashboard = "dashboard"
)

// SignalAbsent is the value of LabelSignal on the rule that fires when an
// alert's signal has been absent for longer than its producer's period.
const SignalAbsent = "absent"

// Names of the SLO recording rules, as Sloth users know them. Every series
// carries the labels service and slo.
const (
	recordBadEvents   = "slo:sli_events_bad:rate5m"   // bad events per second over 5m
	recordTotalEvents = "slo:sli_events_total:rate5m" // all events per second over 5m
	recordObjective   = "slo:objective:ratio"         // 0.999 for 99.9
	RecordErrorBudget = "slo:error_budget:ratio"      // 0.001 for 99.9
	// RecordPeriodError is the error ratio over the SLO's whole window, from
	// event counts; RecordBudgetRemaining the share of the budget left.
	RecordPeriodError     = "slo:sli_error:ratio_period"
	RecordBudgetRemaining = "slo:error_budget:remaining_ratio"
)

// RecordErrorRatio names the error ratio over a window: slo:sli_error:ratio_rate5m.
func RecordErrorRatio(w time.Duration) string { return "slo:sli_error:ratio_rate" + Window(w) }

// Windows are the ranges the error ratio is recorded over: every burn tier's
// two windows, recorded whether or not the tier is on so that dashboards can
// rely on them.
func Windows() []time.Duration {
	return []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}
}

// Window formats a duration as PromQL writes ranges: 5m, 1h, 1d, 3d.
func Window(d time.Duration) string { return model.Duration(d).String() }

// SLOSelector selects the recorded series of one SLO.
func SLOSelector(s *spec.Service, o *spec.SLO) string {
	return fmt.Sprintf(`{service=%q, slo=%q}`, s.Name, o.Name)
}

// ServiceSelector selects the scraped series of service s: the ServiceMonitor
// sets job to the Service's name, and each service has a namespace.
func ServiceSelector(s *spec.Service, extra ...string) string {
	ms := append([]string{fmt.Sprintf("job=%q", s.Name), fmt.Sprintf("namespace=%q", spec.Namespace(s))}, extra...)
	return "{" + strings.Join(ms, ", ") + "}"
}

// SLI is an SLO's events as PromQL, for any range.
type SLI struct {
	// Bad and Total return the events per second over a window.
	Bad, Total func(window string) string
	// Events says in words what is counted bad, for descriptions.
	Events string
}

// SLIOf returns the SLI of SLO o of service s.
func SLIOf(s *spec.Service, o *spec.SLO) SLI {
	probes := probeRoutes(s)
	switch o.SLI.Builtin {
	case spec.SLIAvailability:
		sel := ServiceSelector(s, probes)
		bad := ServiceSelector(s, probes, `code=~"5.."`)
		return SLI{
			Bad:    func(w string) string { return fmt.Sprintf("sum(rate(http_requests_total%s[%s]))", bad, w) },
			Total:  func(w string) string { return fmt.Sprintf("sum(rate(http_requests_total%s[%s]))", sel, w) },
			Events: "requests answered with a 5xx status",
		}
	case spec.SLILatency:
		sel := ServiceSelector(s, probes)
		fast := ServiceSelector(s, probes, leMatcher(o.Threshold.Value()))
		return SLI{
			Bad: func(w string) string {
				return fmt.Sprintf("sum(rate(http_request_duration_seconds_count%s[%s])) - sum(rate(http_request_duration_seconds_bucket%s[%s]))", sel, w, fast, w)
			},
			Total: func(w string) string {
				return fmt.Sprintf("sum(rate(http_request_duration_seconds_count%s[%s]))", sel, w)
			},
			Events: "requests slower than " + string(o.Threshold),
		}
	}
	render := func(q string) func(string) string {
		return func(w string) string {
			out, err := spec.RenderSLIQuery(q, w)
			if err != nil { // validation has rendered every custom query
				panic(fmt.Sprintf("alerting: SLI query %q: %v", q, err))
			}
			return out
		}
	}
	return SLI{Bad: render(o.SLI.Errors), Total: render(o.SLI.Total), Events: "bad events, as the SLO's errors query counts them"}
}

// probeRoutes leaves the kubelet's probes and Prometheus's scrapes out of the
// built-in SLIs: they are served fast and fine while real users fail, and at
// low traffic they would hide an outage. backend/metrics labels a request
// with its ServeMux pattern, which is "GET /healthz" for a method pattern.
func probeRoutes(s *spec.Service) string {
	paths := []string{regexp.QuoteMeta(s.Health), regexp.QuoteMeta(s.Metrics.Path)}
	return fmt.Sprintf(`route!~"(GET )?(%s)"`, strings.Join(paths, "|"))
}

// leMatcher selects the histogram bucket of a latency threshold. Prometheus 3
// writes whole-number bounds as "1.0" where client libraries wrote "1".
func leMatcher(threshold time.Duration) string {
	le := strconv.FormatFloat(threshold.Seconds(), 'f', -1, 64)
	if !strings.Contains(le, ".") {
		return fmt.Sprintf(`le=~"%s(\\.0)?"`, le)
	}
	return fmt.Sprintf("le=%q", le)
}

// Num prints a number as rules write it: ten significant digits, so that
// (100-99.9)/100 prints 0.001.
func Num(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

// round10 rounds x to the ten significant digits Num prints, so that the
// number a rule is computed with is the number it shows.
func round10(x float64) float64 {
	v, err := strconv.ParseFloat(Num(x), 64)
	if err != nil {
		panic(err) // Num prints a number ParseFloat reads
	}
	return v
}

// BurnFactor is the burn-rate factor of tier t for an SLO window, rounded
// to four places to stay readable (0.9333 rather than 0.9333333333): 14.4,
// 6, 3 and 1 over 30 days. It is rounded here once; rules, tests, panels and
// runbooks all use Rule.Factor.
func BurnFactor(t spec.BurnTier, window spec.Duration) float64 {
	const places = 1e4
	return math.Round(t.Factor(window.Value())*places) / places
}

// HumanDuration prints a duration as on-call reads it: 2d 2h, 50m.
func HumanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if len(parts) == 0 {
		return "0m"
	}
	return strings.Join(parts, " ")
}

// PrometheusRulePath is the PrometheusRule that deploys service s's rules
// in environment e, which runbooks and messages name.
func PrometheusRulePath(e *spec.Environment, s *spec.Service) string {
	return spec.FluxDir(e) + "/apps/" + s.Name + "/prometheusrule.yaml"
}
