//go:build e2e

package observability_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/metrics"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// pushedAgo are the times before the test that the stand-in's jobs pushed
// their last successes: a backup an hour ago, a drill that passed two
// hours ago.
const (
	backupAgo = time.Hour
	drillAgo  = 2 * time.Hour
)

// startPushgateway stands in for the Pushgateway, to which the database
// jobs (pgops backup and pgops drill) push in a cluster: it exposes their
// metrics as the Pushgateway does, each series labelled with its grouping
// key (job backup or restore-drill, and namespace api), and Prometheus
// scrapes it with honor_labels, as the Pushgateway is scraped. Nothing in
// this test backs a database up; the alerts and the dashboard's database
// panels need the series.
//
// The backup's are registered by backend/metrics itself (NewBackup), as
// pgops does; every other family of spec.Metric* that backend/metrics does
// not register here yet is added as a gauge of that name, so that each one
// the alerts and dashboards query exists.
func startPushgateway(t *testing.T) string {
	t.Helper()
	now := time.Now()
	reg := prometheus.NewRegistry()
	grouping := func(job string) prometheus.Labels { return prometheus.Labels{"job": job, "namespace": service} }
	metrics.NewBackup(prometheus.WrapRegistererWith(grouping(spec.BackupMetricsJob), reg)).Succeeded(now.Add(-backupAgo))

	registered := map[string]bool{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		registered[f.GetName()] = true
	}
	unix := func(d time.Duration) float64 { return float64(now.Add(-d).UnixNano()) / 1e9 }
	for name, v := range map[string]float64{
		spec.MetricBackupLastSuccess:  unix(backupAgo),
		spec.MetricBackupSize:         5 << 20,
		spec.MetricBackupDuration:     12,
		spec.MetricBackupLastFailure:  unix(9 * 24 * time.Hour),
		spec.MetricDrillLastSuccess:   unix(drillAgo),
		spec.MetricDrillLastFailure:   unix(30 * 24 * time.Hour),
		spec.MetricDrillDuration:      41,
		spec.MetricDrillRPO:           (drillAgo - backupAgo + 90*time.Minute).Seconds(),
		spec.MetricDrillLastRunPassed: 1,
	} {
		if registered[name] {
			continue
		}
		job := spec.BackupMetricsJob
		if strings.HasPrefix(name, "restore_drill_") {
			job = spec.DrillMetricsJob
		}
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "Stand-in of a pushed " + job + " metric.", ConstLabels: grouping(job)})
		g.Set(v)
		reg.MustRegister(g)
	}
	srv := httptest.NewServer(metrics.Handler(reg))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// checkDatabaseAlerts checks, on the committed rules, that the database
// jobs' alerts read the series the jobs push: what BackupTooOld and
// RestoreDrillOverdue compare with maxAge is the age of the pushed
// timestamp, what RestoreDrillFailed compares with 0 is the pushed result,
// each one series of namespace api; and that, the series being fresh, none
// of the three is pending or firing.
func checkDatabaseAlerts(t *testing.T, p *prom, rf *ruleFile) {
	t.Helper()
	s := &spec.Service{Name: service}
	elapsed := time.Since(p.started) + 10*time.Second
	checks := map[string]struct {
		sep      string // between the query and what it is compared with
		min, max float64
	}{
		spec.PlatformAlertName(s, spec.AlertBackupTooOld):        {" > ", backupAgo.Seconds(), (backupAgo + elapsed).Seconds()},
		spec.PlatformAlertName(s, spec.AlertRestoreDrillOverdue): {" > ", drillAgo.Seconds(), (drillAgo + elapsed).Seconds()},
		spec.PlatformAlertName(s, spec.AlertRestoreDrillFailed):  {" == ", 1, 1},
	}
	exprs := map[string]string{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			// The rule on the series itself; the one that fires when the
			// series is absent (signal="absent") is quiet while it is there.
			if _, ok := checks[r.Alert]; ok && r.Labels[alerting.LabelSignal] == "" {
				exprs[r.Alert] = r.Expr
			}
		}
	}
	for name, c := range checks {
		expr, ok := exprs[name]
		if !ok {
			t.Errorf("%s has no alert %s", rulesPath, name)
			continue
		}
		q, _, ok := strings.Cut(strings.SplitN(expr, "\n", 2)[0], c.sep)
		if !ok {
			t.Errorf("%s: %q compares nothing with %q", name, expr, c.sep)
			continue
		}
		got := p.query(q)
		if len(got) != 1 || got[0].Metric["namespace"] != service || got[0].Value < c.min || got[0].Value > c.max {
			t.Errorf("%s: %s = %v, want one series of namespace %s in [%g, %g]", name, q, got, service, c.min, c.max)
		} else {
			t.Logf("%s: %s = %g", name, q, got[0].Value)
		}
		if got := p.query(expr); len(got) != 0 {
			t.Errorf("%s: its expression returns %v on fresh series, want nothing:\n%s", name, got, expr)
		}
	}
	for _, a := range p.alerts() {
		if _, ok := checks[a.Labels["alertname"]]; ok {
			t.Errorf("alert %s is %s on fresh series", a.Labels["alertname"], a.State)
		}
	}
}
