//go:build e2e

// Package observability_test proves, end to end, that the observability
// Groundwork generates for the sample service api measures what the service
// does. It runs the reference service (backend/cmd/api, built from source,
// with the environment of its generated dev Deployment) on a throwaway
// PostgreSQL, and Debian's Prometheus scraping it every second with the
// rule groups of the committed PrometheusRule
// environments/dev/flux/apps/api/prometheusrule.yaml, unchanged. Then it sends
// traffic with failures in it (the database stopped for a while) and slow
// creates (a lock held on the orders table), and checks through
// Prometheus's HTTP API that:
//
//   - every rule group loads and evaluates without error;
//   - with no traffic, the error ratios have no sample rather than NaN;
//   - the recorded availability, latency and checkout error ratios agree
//     with the service's own counters and with what the test sent, and the
//     burn-rate alerts go pending;
//   - the alerts of the database jobs (BackupTooOld, RestoreDrillFailed,
//     RestoreDrillOverdue) read the series the jobs push, as Prometheus
//     scrapes them from the Pushgateway, and stay quiet while they are
//     fresh;
//   - the SLO period groups record the error budget remaining;
//   - every query of dashboards/api.json and of dashboards/overview.json
//     returns data.
//
// Stood in: the scrape configuration (a static one with the labels the
// generated ServiceMonitor gives: job and namespace api, scraped every
// second rather than every 30s) and the Pushgateway, to which the
// database's backup and drill jobs push: a small exporter in the test
// exposes their series as the Pushgateway would (the backup's registered by
// backend/metrics), and Prometheus scrapes it with honor_labels. Run it with
//
//	go test -tags e2e ./tests/observability -count=1 -v
//
// It needs PostgreSQL 15 or later and Debian's prometheus package, and
// fails, never skips, without them.
package observability_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const repoRoot = "../.."

// service is the sample service under test.
const service = "api"

var (
	rulesPath      = filepath.Join(repoRoot, "environments", "dev", "flux", "apps", service, "prometheusrule.yaml")
	deploymentPath = filepath.Join(repoRoot, "environments", "dev", "flux", "apps", service, "deployment.yaml")
	dashboardPath  = filepath.Join(repoRoot, "dashboards", service+".json")
	overviewPath   = filepath.Join(repoRoot, "dashboards", "overview.json")
)

// userReqs selects the service's user requests, as the test states the SLIs
// apart from the generator: every request but the kubelet's probes
// (/healthz) and Prometheus's scrapes (/metrics).
const userReqs = `job="api", namespace="api", route!~"GET /(healthz|metrics)"`

// threshold is the latency SLO's threshold in specs/services/api.yaml, and
// thresholdLE its histogram bucket.
const (
	threshold   = 300 * time.Millisecond
	thresholdLE = "0.3"
)

// The traffic's phases, and when the SLO period groups may first run,
// counted from Prometheus's start: after all the traffic.
const (
	healthyFor  = 8 * time.Second
	lockFor     = 700 * time.Millisecond
	outageFor   = 6 * time.Second
	recoveryFor = 6 * time.Second
	slowFrom    = 45 * time.Second
	slowTo      = 75 * time.Second
)

func TestSLOsEndToEnd(t *testing.T) {
	began := time.Now()
	rf := readRules(t)
	db := startPostgres(t)
	api := startAPI(t, db.url)
	pushgateway := startPushgateway(t)
	p := startPrometheus(t, rf, strings.TrimPrefix(api, "http://"), pushgateway, slowFrom, slowTo)
	t.Logf("up in %s; the SLO period groups should all have run %s after Prometheus started",
		time.Since(began).Round(time.Millisecond), p.firstSlow.Sub(p.started).Round(time.Second))
	slos, windows := sloNames(t, rf)

	// Every group of the file is loaded, and those evaluated so far are fine.
	checkRules(t, p, rf, false)

	// No traffic yet: the checkout counters are exported at 0, so the
	// checkout SLI has events per second (0) but no ratio: a sample of 0/0
	// would be NaN. Availability and latency have no user series at all.
	p.await(sel("slo:sli_events_total:rate5m", "checkout"), 15*time.Second, "0", func(v float64) bool { return v == 0 })
	for _, o := range slos {
		for _, w := range windows {
			if s := p.query(sel(w, o)); len(s) > 0 {
				t.Errorf("with no traffic %s = %v, want no sample", sel(w, o), s)
			}
		}
	}
	if s, err := p.one(sel("slo:sli_events_bad:rate5m", "checkout")+" / "+sel("slo:sli_events_total:rate5m", "checkout"), time.Time{}); err != nil || !math.IsNaN(s.Value) {
		t.Errorf("bad/total without the rules' guard = %v %v, want NaN: the check above shows nothing", s, err)
	}

	// Healthy traffic: the ratios are present, not NaN and not absent, and
	// 0 where nothing can have failed, although no 5xx series exists yet.
	// (A request of a busy machine may be slow: latency is only a ratio.)
	tr := newTraffic(t, api)
	tr.run(healthyFor)
	for _, o := range slos {
		p.await(sel("slo:sli_events_total:rate5m", o), 10*time.Second, "> 0", func(v float64) bool { return v > 0 })
		want, cond := "0", func(v float64) bool { return v == 0 }
		if o == "latency" {
			want, cond = "in [0, 1]", func(v float64) bool { return v >= 0 && v <= 1 }
		}
		p.await(sel("slo:sli_error:ratio_rate5m", o), 10*time.Second, want, cond)
	}

	// Slow creates, then the database gone for a while.
	tr.slowCreates(t.Context(), db.url, 3, lockFor, threshold)
	db.stop(t)
	tr.run(outageFor)
	db.start(t)
	outageEnded := time.Now()
	tr.run(recoveryFor)
	sent := tr.counts()
	t.Logf("traffic ended %s after Prometheus started", time.Since(p.started).Round(time.Second))
	t.Logf("sent %d requests, %d answered 5xx; %d creates, %d failed; %d creates slower than %s",
		sent.requests, sent.failures, sent.creates, sent.failed, sent.slow, threshold)
	if sent.failures == 0 || sent.failed == 0 || sent.slow == 0 {
		t.Fatalf("the traffic lacks failures or slow creates: %+v", sent)
	}

	// The service's counters, as Prometheus scraped them, are what was sent.
	agreed := countsAgree(t, p, sent)

	// The recorded SLIs, once evaluated on those counters.
	ratio5m := sel("slo:sli_error:ratio_rate5m", "availability")
	at := p.value(ratio5m).Time
	for deadline := time.Now().Add(10 * time.Second); at.Before(agreed.Add(interval)); at = p.value(ratio5m).Time {
		if time.Now().After(deadline) {
			t.Fatalf("%s not evaluated since %s", ratio5m, agreed)
		}
		time.Sleep(interval / 4)
	}
	checkSLIs(t, p, at, sent)
	checkAlerts(t, p)
	checkDatabaseAlerts(t, p, rf)

	// The dashboards' short ranges need traffic in the last minute.
	ctx, stop := context.WithCancel(context.Background())
	trickled := make(chan struct{})
	go func() { tr.trickle(ctx); close(trickled) }()
	t.Cleanup(func() { stop(); <-trickled })

	firstSlowRun := awaitSlowGroups(t, p, rf)
	checkBudgets(t, p, slos, firstSlowRun.After(outageEnded))
	checkRules(t, p, rf, true)

	n := checkDashboard(t, p, dashboardPath, allRows)
	n += checkDashboard(t, p, overviewPath, allRows)
	t.Logf("%d dashboard queries checked; the database panels read the Pushgateway stand-in", n)
	t.Logf("done in %s", time.Since(began).Round(time.Second))
}

// sel selects the series of a recording rule for one SLO of the service.
func sel(record, slo string) string {
	return fmt.Sprintf(`%s{service=%q, slo=%q}`, record, service, slo)
}

// sloNames are the SLOs of the rule file (from its groups api-slo-<name>)
// and the names of its error ratio recordings, one a window.
func sloNames(t *testing.T, rf *ruleFile) (slos, windows []string) {
	t.Helper()
	for _, g := range rf.Groups {
		name, ok := strings.CutPrefix(g.Name, service+"-slo-")
		if !ok || strings.HasSuffix(name, "-period") {
			continue
		}
		slos = append(slos, name)
		for _, r := range g.Rules {
			if strings.HasPrefix(r.Record, "slo:sli_error:ratio_rate") && !slices.Contains(windows, r.Record) {
				windows = append(windows, r.Record)
			}
		}
	}
	for _, want := range []string{"availability", "latency", "checkout"} {
		if !slices.Contains(slos, want) {
			t.Fatalf("%s has no rule group for SLO %s; groups: %v", rulesPath, want, slos)
		}
	}
	if len(windows) < 7 {
		t.Fatalf("%s records the error ratio over %v, want 7 windows", rulesPath, windows)
	}
	return slos, windows
}

// checkRules checks that Prometheus loaded every group of the file with all
// its rules, and that no rule failed; after all, that every rule has been
// evaluated too.
func checkRules(t *testing.T, p *prom, rf *ruleFile, all bool) {
	t.Helper()
	loaded := map[string]ruleGroup{}
	for _, g := range p.rules() {
		loaded[g.Name] = g
	}
	for _, g := range rf.Groups {
		lg, ok := loaded[g.Name]
		if !ok {
			t.Errorf("rule group %s is not loaded", g.Name)
			continue
		}
		if len(lg.Rules) != len(g.Rules) {
			t.Errorf("rule group %s: %d rules loaded, the file has %d", g.Name, len(lg.Rules), len(g.Rules))
		}
		for _, r := range lg.Rules {
			switch {
			case r.LastError != "" || r.Health == "err":
				t.Errorf("rule %s of group %s: %s: %s", r.Name, g.Name, r.Health, r.LastError)
			case all && r.Health != "ok":
				t.Errorf("rule %s of group %s: health %q after the whole test, want ok", r.Name, g.Name, r.Health)
			}
		}
	}
	if len(loaded) != len(rf.Groups) {
		t.Errorf("%d rule groups loaded, the file has %d", len(loaded), len(rf.Groups))
	}
}

// countsAgree waits until Prometheus has scraped counters that equal what
// the test sent, and returns when.
func countsAgree(t *testing.T, p *prom, sent counts) time.Time {
	t.Helper()
	svc := `job="api", namespace="api"`
	want := map[string]int{
		fmt.Sprintf(`sum(http_requests_total{%s})`, userReqs):                     sent.requests,
		fmt.Sprintf(`sum(http_requests_total{%s, code=~"5.."})`, userReqs):        sent.failures,
		fmt.Sprintf(`sum(checkout_attempts_total{%s})`, svc):                      sent.creates,
		fmt.Sprintf(`sum(checkout_failures_total{%s})`, svc):                      sent.failed,
		fmt.Sprintf(`sum(http_requests_total{%s, route="POST /v1/orders"})`, svc): sent.creates,
	}
	var diffs []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(interval / 4) {
		diffs = diffs[:0]
		for q, n := range want {
			if s, err := p.one(q, time.Time{}); err != nil || s.Value != float64(n) {
				diffs = append(diffs, fmt.Sprintf("%s = %v (%v), sent %d", q, s.Value, err, n))
			}
		}
		if len(diffs) == 0 {
			return time.Now()
		}
	}
	t.Fatalf("the service's counters disagree with what was sent:\n%s", strings.Join(diffs, "\n"))
	return time.Time{}
}

// checkSLIs compares each recorded 5m error ratio, at time at, with the
// same ratio computed from the service's counters over the same range, and
// with what the test sent.
//
// The counters are queried at the time the rule last ran, not at at: a
// scrape between the two (slow requests under load) would be in one and not
// the other. They still agree within a few percent, not exactly: rate() extrapolates each series to the ends of the range by
// how far its samples are from them, and a scrape that lands just after the
// rule ran is in the query but was not in the rule's evaluation; series that
// started at different times (the 5xx ones mid-outage) shift by different
// factors. What was sent agrees less still: the requests a series counted
// before its first scrape are partly lost to rate(). The checkout counters
// exist from the start at 0, all scraped together, and lose nothing.
func checkSLIs(t *testing.T, p *prom, at time.Time, sent counts) {
	t.Helper()
	svc := `job="api", namespace="api"`
	type check struct {
		slo      string
		counters string  // the ratio over 5m from the service's counters
		sent     float64 // the ratio of what was sent, or -1 if unknown
		tol      float64 // relative tolerance against sent
	}
	checks := []check{
		{"availability",
			fmt.Sprintf(`sum(rate(http_requests_total{%s, code=~"5.."}[5m])) / sum(rate(http_requests_total{%s}[5m]))`, userReqs, userReqs),
			float64(sent.failures) / float64(sent.requests), 0.15},
		{"latency",
			fmt.Sprintf(`(sum(rate(http_request_duration_seconds_count{%s}[5m])) - sum(rate(http_request_duration_seconds_bucket{%s, le=%q}[5m]))) / sum(rate(http_request_duration_seconds_count{%s}[5m]))`, userReqs, userReqs, thresholdLE, userReqs),
			-1, 0},
		{"checkout",
			fmt.Sprintf(`sum(rate(checkout_failures_total{%s}[5m])) / sum(rate(checkout_attempts_total{%s}[5m]))`, svc, svc),
			float64(sent.failed) / float64(sent.creates), 0.01},
	}
	for _, c := range checks {
		rec, err := p.one(sel("slo:sli_error:ratio_rate5m", c.slo), at)
		if err != nil || math.IsNaN(rec.Value) {
			t.Errorf("SLO %s: the 5m error ratio at %s is %v %v, want a number", c.slo, at, rec, err)
			continue
		}
		// The counters at the moment the rule last ran (the recorded
		// sample's own time), so that both read the same scrapes.
		ran, err := p.one("timestamp("+sel("slo:sli_error:ratio_rate5m", c.slo)+")", at)
		if err != nil {
			t.Errorf("SLO %s: when the rule last ran: %v", c.slo, err)
			continue
		}
		cnt, err := p.one(c.counters, time.Unix(0, int64(ran.Value*1e9)))
		if err != nil {
			t.Errorf("SLO %s: %s: %v", c.slo, c.counters, err)
			continue
		}
		sentRatio := "not known"
		if c.sent >= 0 {
			sentRatio = fmt.Sprintf("%.4f", c.sent)
		}
		t.Logf("SLO %s: 5m error ratio %.4f recorded, %.4f from the counters, %s sent", c.slo, rec.Value, cnt.Value, sentRatio)
		if rec.Value <= 0 || rec.Value > 1 {
			t.Errorf("SLO %s: 5m error ratio %g, want it in (0, 1]: the traffic had failures", c.slo, rec.Value)
		}
		if math.Abs(rec.Value-cnt.Value) > 0.05*cnt.Value {
			t.Errorf("SLO %s: 5m error ratio %g recorded, %g from the counters (%s)", c.slo, rec.Value, cnt.Value, c.counters)
		}
		if c.sent >= 0 && math.Abs(rec.Value-c.sent) > c.tol*c.sent {
			t.Errorf("SLO %s: 5m error ratio %g recorded, %g sent; more than %.0f%% apart", c.slo, rec.Value, c.sent, 100*c.tol)
		}
		if s, err := p.one(sel("slo:sli_events_total:rate5m", c.slo), at); err != nil || !(s.Value > 0) {
			t.Errorf("SLO %s: events per second %v %v, want > 0", c.slo, s, err)
		}
	}

	// The threshold is a bucket of the histogram, the latency SLO counts
	// from: without it the SLI would silently read 0.
	slow, err := p.one(fmt.Sprintf(`sum(http_request_duration_seconds_count{%s}) - sum(http_request_duration_seconds_bucket{%s, le=%q})`, userReqs, userReqs, thresholdLE), at)
	if err != nil || slow.Value < 1 || slow.Value > float64(sent.requests) {
		t.Errorf("requests slower than %s, as the histogram counts them: %v %v; want from 1 to %d", threshold, slow, err, sent.requests)
	}
}

// checkAlerts checks that the burn-rate alerts of the SLOs the traffic
// spent the budget of are pending (they fire after their for: duration,
// longer than the test).
func checkAlerts(t *testing.T, p *prom) {
	t.Helper()
	want := map[string]bool{"ApiAvailabilityErrorBudgetBurn": false, "ApiCheckoutErrorBudgetBurn": false}
	var active []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(interval / 2) {
		active = active[:0]
		for _, a := range p.alerts() {
			active = append(active, a.Labels["alertname"]+" "+a.State)
			if _, ok := want[a.Labels["alertname"]]; ok && (a.State == "pending" || a.State == "firing") {
				want[a.Labels["alertname"]] = true
			}
		}
		if !slices.Contains(slices.Collect(maps.Values(want)), false) {
			return
		}
	}
	t.Errorf("burn-rate alerts pending or firing: %v; active alerts: %v", want, active)
}

// awaitSlowGroups waits until every group with a long interval has run, and
// returns when the first of them did.
func awaitSlowGroups(t *testing.T, p *prom, rf *ruleFile) time.Time {
	t.Helper()
	slow := rf.slow(t)
	longest := time.Duration(0)
	for _, iv := range slow {
		longest = max(longest, iv)
	}
	predicted := p.firstSlow.Add(10 * time.Second)
	latest := p.started.Add(longest + 15*time.Second)
	missed := false
	for {
		var first time.Time
		waiting := 0
		for _, g := range p.rules() {
			if _, ok := slow[g.Name]; !ok {
				continue
			}
			if g.LastEvaluation.Year() < 2000 { // never: 0001-01-01
				waiting++
			} else if first.IsZero() || g.LastEvaluation.Before(first) {
				first = g.LastEvaluation
			}
		}
		if waiting == 0 {
			t.Logf("the SLO period groups ran from %s after Prometheus started", first.Sub(p.started).Round(time.Second))
			return first
		}
		now := time.Now()
		if now.After(predicted) && !missed {
			missed = true
			t.Logf("%d slow groups have not run when predicted; this Prometheus slots groups otherwise. Waiting up to %s after its start", waiting, longest+15*time.Second)
		}
		if now.After(latest) {
			t.Fatalf("%d slow groups have not run %s after Prometheus started", waiting, now.Sub(p.started).Round(time.Second))
		}
		time.Sleep(interval / 2)
	}
}

// checkBudgets checks the period recordings: the error budget remaining is
// at most 1, and 1 minus the period's error ratio over the budget; where
// the period group ran after the outage, budget was spent.
func checkBudgets(t *testing.T, p *prom, slos []string, afterOutage bool) {
	t.Helper()
	for _, o := range slos {
		remaining := p.value(sel("slo:error_budget:remaining_ratio", o))
		period := p.value(sel("slo:sli_error:ratio_period", o))
		budget := p.value(sel("slo:error_budget:ratio", o))
		t.Logf("SLO %s: error ratio over the period %.4f, budget %g, remaining %.2f", o, period.Value, budget.Value, remaining.Value)
		if remaining.Value > 1 {
			t.Errorf("SLO %s: error budget remaining %g, want at most 1", o, remaining.Value)
		}
		if want := 1 - period.Value/budget.Value; math.Abs(remaining.Value-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("SLO %s: error budget remaining %g, want 1 - %g/%g = %g", o, remaining.Value, period.Value, budget.Value, want)
		}
		if period.Value < 0 || period.Value > 1 {
			t.Errorf("SLO %s: error ratio over the period %g, want it in [0, 1]", o, period.Value)
		}
		if afterOutage && remaining.Value >= 1 {
			t.Errorf("SLO %s: error budget remaining %g after failures, want less than 1", o, remaining.Value)
		}
	}
	if !afterOutage {
		t.Log("the SLO period groups ran before the outage ended; spending is not checked")
	}
}
