package alerts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// nameMistakes reports the names service s's outputs would share: two rule
// groups of one name, two alerts of one name, and runbooks whose paths differ
// only in case (one file on macOS's and Windows's file systems). Most are
// impossible by construction (spec.Camel keeps SLO names apart; validation
// refuses a spec alert that takes a generated name); this says, at the spec
// field, what remains: an SLO named after another's whole-window group
// (availability and availability-period), alert names that differ only in
// case, and spec alerts named as the alerts Alertmanager drops.
func nameMistakes(am *alerting.Model, s *spec.Service) spec.Diagnostics {
	var ds spec.Diagnostics
	report := func(path, format string, args ...any) {
		ds = append(ds, spec.Diagnostic{File: s.Source.Path, Pos: s.Source.Pos(path), Kind: spec.KindValue, Msg: path + ": " + fmt.Sprintf(format, args...)})
	}
	groups := map[string]string{alerting.AlertsGroupName(s): "the group of the service's other alerts"}
	for i, o := range s.SLOs {
		path := fmt.Sprintf("slos[%d].name", i)
		for _, g := range []string{alerting.SLOGroupName(s, o), alerting.PeriodGroupName(s, o)} {
			if owner, ok := groups[g]; ok {
				report(path, "SLO %q makes rule group %q, which is already %s; rename the SLO (an SLO may not be named after another SLO with \"-period\" added)", o.Name, g, owner)
			}
		}
		groups[alerting.SLOGroupName(s, o)] = fmt.Sprintf("the group of slos[%d] (%s)", i, o.Name)
		groups[alerting.PeriodGroupName(s, o)] = fmt.Sprintf("the whole-window group of slos[%d] (%s)", i, o.Name)
	}
	type owner struct{ name, what string }
	runbooks := map[string]owner{}
	for _, a := range am.Alerts(s) {
		path, what := "name", "the generated alert"
		switch a.Kind {
		case alerting.KindBurn:
			i := slices.Index(s.SLOs, a.SLO)
			path, what = fmt.Sprintf("slos[%d].name", i), fmt.Sprintf("the burn-rate alert of slos[%d] (%s)", i, a.SLO.Name)
		case alerting.KindSpec:
			i := slices.Index(s.Alerts, a.Spec)
			path, what = fmt.Sprintf("alerts[%d].name", i), fmt.Sprintf("alerts[%d]", i)
			if slices.Contains(spec.ReservedAlertNames, a.Name) {
				report(path, "%q is the name of an alert of kube-prometheus-stack that Alertmanager sends to no one; give this one another name", a.Name)
			}
		}
		key := strings.ToLower(spec.RunbookPath(s, a.Name))
		prev, ok := runbooks[key]
		switch {
		case !ok:
			runbooks[key] = owner{a.Name, what}
		case prev.name == a.Name:
			report(path, "%s is named %s, as %s is; rename one of them", what, a.Name, prev.what)
		default:
			report(path, "%s, %s, and %s, %s, differ only in case, and so do their runbooks %s and %s, which are one file on case-insensitive file systems (macOS, Windows); rename one of them",
				what, a.Name, prev.what, prev.name, spec.RunbookPath(s, a.Name), spec.RunbookPath(s, prev.name))
		}
	}
	return ds
}

// dashboardMistakes reports services whose dashboards would share a uid, so
// that one's alerts would link the other's dashboard: cut uids end in 32
// bits of a hash, which a pull request can make meet on purpose.
func dashboardMistakes(m *spec.Model) spec.Diagnostics {
	var ds spec.Diagnostics
	uids := map[string]*spec.Service{}
	for _, s := range m.Services {
		uid := spec.DashboardUID(s)
		if o, ok := uids[uid]; ok {
			ds = append(ds, spec.Diagnostic{File: s.Source.Path, Pos: s.Source.Pos("name"), Kind: spec.KindValue,
				Msg: fmt.Sprintf("name: the dashboard of %s would have uid %q, as %s's has (Grafana uids are cut to 40 characters and end in a hash of the name); rename one of them", s.Name, uid, o.Name)})
			continue
		}
		uids[uid] = s
	}
	return ds
}
