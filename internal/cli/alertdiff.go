package cli

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
)

// alertChange is one alerting rule that a plan adds, removes or changes,
// as a reviewer wants it listed: where, which alert and tier, and how.
type alertChange struct {
	env, alert, tier, what string
	pages                  bool // pages on-call, before or after the change
}

// alertRule is what a reviewer compares of an alerting rule.
type alertRule struct {
	expr, forDur, severity, keepFiringFor string
}

// alertChanges reads the rule files a plan changes (alerts/<env>/<svc>.rules.yaml)
// before and after, and lists the alerting rules that differ in expression,
// for:, keep_firing_for or severity, or that come or go. Text-only changes (descriptions,
// links) are left to the file list.
func alertChanges(p *engine.Plan) []alertChange {
	var out []alertChange
	for _, ch := range p.Changes {
		if ch.Kind != "alerts" || !strings.HasSuffix(ch.Path, ".rules.yaml") {
			continue
		}
		env := path.Base(path.Dir(ch.Path))
		before, after := alertRules(ch.Old), alertRules(ch.New)
		var keys [][2]string
		for _, m := range []map[[2]string]alertRule{before, after} {
			for k := range m {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
		for _, k := range keys {
			old, hadOld := before[k]
			cur, hasNew := after[k]
			c := alertChange{env: env, alert: k[0], tier: k[1], pages: old.severity == "page" || cur.severity == "page"}
			switch {
			case !hadOld:
				c.what = "added (" + cur.severity + ")"
			case !hasNew:
				c.what = "removed"
			default:
				var diffs []string
				if old.severity != cur.severity {
					diffs = append(diffs, "severity "+old.severity+" → "+cur.severity)
				}
				if old.forDur != cur.forDur {
					diffs = append(diffs, "for "+old.forDur+" → "+cur.forDur)
				}
				if old.keepFiringFor != cur.keepFiringFor {
					diffs = append(diffs, "keep_firing_for "+cmp.Or(old.keepFiringFor, "0s")+" → "+cmp.Or(cur.keepFiringFor, "0s"))
				}
				if old.expr != cur.expr {
					diffs = append(diffs, "expression")
				}
				if len(diffs) == 0 {
					continue
				}
				c.what = strings.Join(diffs, ", ")
			}
			out = append(out, c)
		}
	}
	return out
}

// alertRules indexes a rule file's alerting rules by name and tier, or
// "signal absent" for the rule that fires when an alert's signal is absent.
func alertRules(data []byte) map[[2]string]alertRule {
	rules := map[[2]string]alertRule{}
	var f struct {
		Groups []alerting.Group `yaml:"groups"`
	}
	if len(data) == 0 || yaml.Unmarshal(data, &f) != nil {
		return rules
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				tier := r.Labels[alerting.LabelTier]
				if sig := r.Labels[alerting.LabelSignal]; sig != "" {
					tier = "signal " + sig
				}
				rules[[2]string{r.Alert, tier}] = alertRule{r.Expr, r.For, r.Labels[alerting.LabelSeverity], r.KeepFiringFor}
			}
		}
	}
	return rules
}

// maxAlertRows keeps a PR comment readable; the file list has the rest.
const maxAlertRows = 30

func writeAlertChanges(w io.Writer, changes []alertChange) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintf(w, "\n<details><summary>Alerting rules: %d %s</summary>\n\n| environment | alert | tier | change |\n|---|---|---|---|\n",
		len(changes), plural(len(changes), "change", "changes"))
	for i, c := range changes {
		if i == maxAlertRows {
			fmt.Fprintf(w, "| … | and %d more | | |\n", len(changes)-maxAlertRows)
			break
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s |\n", c.env, c.alert, c.tier, c.what)
	}
	fmt.Fprintln(w, "\n</details>")
}
