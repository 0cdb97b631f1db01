package dashboards_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// titled returns the panels of a dashboard by title; a title given to two
// panels maps to the first and is reported by TestAlertPanelsExist.
func titled(b board) (map[string]panel, []string) {
	byTitle := map[string]panel{}
	var dups []string
	for _, p := range b.all() {
		if p.Type == "row" {
			continue
		}
		if _, dup := byTitle[p.Title]; dup {
			dups = append(dups, p.Title)
			continue
		}
		byTitle[p.Title] = p
	}
	return byTitle, dups
}

// Every alert sends on-call to a panel of its service's dashboard by title
// (alerting.Alert.Panel); that panel exists, once, and plots something.
// Panels that only apply to some services appear exactly on those.
func TestAlertPanelsExist(t *testing.T) {
	for _, o := range orgs(t) {
		files := dashboardFiles(o.out)
		for _, s := range o.model.Services {
			t.Run(o.name+"/"+s.Name, func(t *testing.T) {
				byTitle, dups := titled(decode(t, spec.DashboardPath(s), files[spec.DashboardPath(s)]))
				for _, d := range dups {
					t.Errorf("two panels are titled %q; an alert's link could mean either", d)
				}
				as := alerting.New(o.model).Alerts(s)
				if len(as) == 0 {
					t.Fatal("alerting.Of lists no alert")
				}
				for _, a := range as {
					if a.Panel == "" {
						// The storage alert: its CloudWatch metric names each
						// environment's instance; its runbook has the query.
						if a.Kind != alerting.KindDatabaseStorageLow {
							t.Errorf("alert %s sends on-call to no panel", a.Name)
						}
						continue
					}
					p, ok := byTitle[a.Panel]
					if !ok {
						t.Errorf("alert %s sends on-call to panel %q, which the dashboard lacks", a.Name, a.Panel)
						continue
					}
					if len(p.Targets) == 0 {
						t.Errorf("panel %q of alert %s has no query", a.Panel, a.Name)
					}
				}
				want := map[string]bool{
					alerting.PanelRequests:     s.HTTP(),
					alerting.PanelErrors:       s.HTTP(),
					alerting.PanelLatency:      s.HTTP(),
					alerting.PanelReplicas:     true,
					alerting.PanelDatabasePool: s.Database != nil,
					alerting.PanelBackupAge:    s.Database != nil,
					// What the database jobs measure, beside what they alert on.
					alerting.PanelBackupSize:    s.Database != nil,
					alerting.PanelBackupTime:    s.Database != nil,
					alerting.PanelDrillResult:   s.Database != nil,
					alerting.PanelDrillAge:      s.Database != nil,
					alerting.PanelDrillDuration: s.Database != nil,
					alerting.PanelDrillRPO:      s.Database != nil,
				}
				for _, slo := range s.SLOs {
					want[alerting.PanelSLI(slo)] = true
					want[alerting.PanelBurnRate(slo)] = true
					want[alerting.PanelBudget(slo)] = true
				}
				for _, a := range s.Alerts {
					want[alerting.PanelSpecAlert(a)] = true
				}
				for title, w := range want {
					if _, got := byTitle[title]; got != w {
						t.Errorf("panel %q: present %v, want %v", title, got, w)
					}
				}
			})
		}
	}
}

// The lines a panel draws are the ones its alerts fire at: the burn tiers'
// factors, the spec's backup.maxAge, a spec alert's own threshold.
func TestThresholdsMatchAlerts(t *testing.T) {
	for _, o := range orgs(t) {
		files := dashboardFiles(o.out)
		for _, s := range o.model.Services {
			t.Run(o.name+"/"+s.Name, func(t *testing.T) {
				byTitle, _ := titled(decode(t, spec.DashboardPath(s), files[spec.DashboardPath(s)]))
				for _, slo := range s.SLOs {
					var want []float64
					for _, tier := range slo.Tiers() {
						want = append(want, math.Round(tier.Factor(slo.Window.Value())*1e4)/1e4)
					}
					slices.Sort(want)
					if got := byTitle[alerting.PanelBurnRate(slo)].thresholdValues(); !slices.Equal(got, want) {
						t.Errorf("%s: lines at %v, want the tiers' factors %v", alerting.PanelBurnRate(slo), got, want)
					}
					// The factors are those the burn alert compares with.
					for _, a := range alerting.New(o.model).Alerts(s) {
						if a.SLO != slo {
							continue
						}
						for i, r := range a.Rules {
							f := alerting.Num(want[len(want)-1-i])
							if !strings.Contains(r.Expr, "> ("+f+" * ") {
								t.Errorf("%s: rule %d (%s) does not fire above %s", a.Name, i, r.Expr, f)
							}
						}
					}
				}
				if s.Database != nil {
					want := []float64{s.Database.Backup.MaxAge.Value().Seconds()}
					if got := byTitle[alerting.PanelBackupAge].thresholdValues(); !slices.Equal(got, want) {
						t.Errorf("%s: line at %v, want backup.maxAge %v", alerting.PanelBackupAge, got, want)
					}
					want = []float64{s.Database.Drill.MaxAge.Value().Seconds()}
					if got := byTitle[alerting.PanelDrillAge].thresholdValues(); !slices.Equal(got, want) {
						t.Errorf("%s: line at %v, want drill.maxAge %v", alerting.PanelDrillAge, got, want)
					}
					// The age panels plot what the alerts compare with maxAge.
					for _, a := range alerting.New(o.model).Alerts(s) {
						title := map[string]string{alerting.KindBackupTooOld: alerting.PanelBackupAge, alerting.KindRestoreDrillOverdue: alerting.PanelDrillAge}[a.Kind]
						if title == "" {
							continue
						}
						if p := byTitle[title]; len(p.Targets) != 1 || !strings.HasPrefix(a.Rules[0].Expr, p.Targets[0].Expr+" > ") {
							t.Errorf("%s: plots %v, not the query %s compares with maxAge: %s", title, p.Targets, a.Name, a.Rules[0].Expr)
						}
					}
					if got := byTitle[alerting.PanelDatabasePool].thresholdValues(); len(got) != 1 {
						t.Errorf("%s: lines at %v, want the pool alert's one", alerting.PanelDatabasePool, got)
					}
				}
				for _, a := range s.Alerts {
					e, err := parser.NewParser(parser.Options{}).ParseExpr(a.Expr)
					if err != nil {
						t.Fatal(err)
					}
					p := byTitle[alerting.PanelSpecAlert(a)]
					th, ok := spec.AlertThreshold(e)
					if !ok {
						if len(p.Targets) != 1 || p.Targets[0].Expr != a.Expr {
							t.Errorf("%s: plots %v, want the whole expression %q", a.Name, p.Targets, a.Expr)
						}
						continue
					}
					n := th.Value
					if got := p.thresholdValues(); !slices.Equal(got, []float64{n}) {
						t.Errorf("%s: line at %v, want %v", a.Name, got, n)
					}
					if len(p.Targets) != 1 || p.Targets[0].Expr != a.Expr[th.Query.PositionRange().Start:th.Query.PositionRange().End] {
						t.Errorf("%s: plots %v, want the query side of %q", a.Name, p.Targets, a.Expr)
					}
				}
			})
		}
	}
}
