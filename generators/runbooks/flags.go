package runbooks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// flagAlertKinds are the alerts a feature flag can cause and end: a new
// code path that fails requests, slows them or crashes pods. A backup or
// the database's storage is no flag's doing.
var flagAlertKinds = map[string]bool{
	alerting.KindBurn:            true,
	alerting.KindPodCrashLooping: true,
	alerting.KindSpec:            true,
}

// killSwitches names the service's flags as the quickest mitigation when
// the alert began as one was switched on or its rollout grew: what each
// gives in each environment, and how to switch it off, through the spec
// and, when a merge is too slow, by hand.
func killSwitches(d *markdown.Doc, m *spec.Model, a *alerting.Alert) {
	s := a.Service
	if len(s.Flags) == 0 || !flagAlertKinds[a.Kind] {
		return
	}
	d.Heading(3, "Kill switches: feature flags")
	d.Para(fmt.Sprintf("%s reads these flags on every request. If this alert began when one was switched on or its rollout grew "+
		"(the dashboard's %s panel shows when each variant's share moved), switching it back is the fastest fix: no build, no release.",
		markdown.Code(s.Name), markdown.Esc(alerting.PanelFlagEvaluations)))
	rows := make([][]string, 0, len(s.Flags))
	for i, f := range s.Flags {
		var per []string
		for _, e := range m.Environments {
			per = append(per, markdown.Esc(e.Name)+": "+flagState(f, e.Name))
		}
		what := markdown.Esc(strings.TrimSpace(f.Description))
		if what == "" {
			what = "(no description in the spec)"
		}
		rows = append(rows, []string{markdown.Code(f.Name), markdown.Code(fmt.Sprintf("flags[%d]", i)), what, strings.Join(per, "; ")})
	}
	d.Table([]string{"Flag", "Spec field", "What it switches", "Per environment"}, rows)
	ns := spec.Namespace(s)
	d.Steps(
		fmt.Sprintf("Switch the flag off in the environment in %s: for a boolean flag, take the environment out of its %s and set %s, "+
			"with no %s or %s; for another type, set %s to the safe variant. Then %s and merge. "+
			"Flux applies the ConfigMap %s, the kubelet updates the mounted file within about a minute, and the service rereads it within a second: no restart.",
			markdown.Code(s.Source.Path), markdown.Code("enabledIn"), markdown.Code("environments: {<env>: {value: false}}"), markdown.Code("rules"), markdown.Code("rollout"),
			markdown.Code("environments.<env>.value"), markdown.Code("make generate"), markdown.Code(spec.FlagsConfigMap(s))),
		fmt.Sprintf("If that is too slow, switch it in the cluster and follow with the spec change: %s, then %s and set the flag's %s to the safe variant, deleting its %s; "+
			"once the spec change is merged, %s (Flux would otherwise keep the hand edit until then, and undo it after).",
			markdown.Code("flux suspend kustomization apps -n flux-system"),
			markdown.Code(fmt.Sprintf("kubectl -n %s edit configmap %s", ns, spec.FlagsConfigMap(s))),
			markdown.Code("defaultVariant"), markdown.Code("targeting"),
			markdown.Code("flux resume kustomization apps -n flux-system")),
	)
}

// flagState says what flag f gives in env: its default variant, and its
// rules and rollout when it has them.
func flagState(f *spec.Flag, env string) string {
	out := markdown.Code(f.DefaultVariant(env))
	fe := f.Environments[env]
	if fe == nil {
		return out
	}
	var more []string
	for _, r := range fe.Rules {
		v, _ := f.VariantOf(r.Variant)
		more = append(more, fmt.Sprintf("%s for %s in %s", markdown.Code(v), markdown.Esc(r.Attribute), markdown.Esc(strings.Join(r.In, ", "))))
	}
	if len(fe.Rollout) > 0 {
		total := 0
		for _, w := range fe.Rollout {
			total += w
		}
		var shares []string
		for _, v := range slices.Sorted(maps.Keys(fe.Rollout)) {
			shares = append(shares, fmt.Sprintf("%s %s%%", markdown.Code(v), alerting.Num(100*float64(fe.Rollout[v])/float64(total))))
		}
		more = append(more, "rollout "+strings.Join(shares, ", "))
	}
	if len(more) == 0 {
		return out
	}
	return out + " (" + strings.Join(more, "; ") + ")"
}
