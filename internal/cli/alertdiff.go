package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
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

// alertChanges reads the PrometheusRules a plan changes
// (environments/<env>/flux/apps/<svc>/prometheusrule.yaml) before and after, and lists the alerting rules that differ in expression,
// for:, keep_firing_for or severity, or that come or go, with thresholds
// old → new. Text-only changes (descriptions, links) are left to the file
// list.
func alertChanges(p *engine.Plan) []alertChange {
	var out []alertChange
	for _, ch := range p.Changes {
		env, ok := ruleEnv(ch.Path)
		if !ok {
			continue
		}
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
					diffs = append(diffs, exprChange(old.expr, cur.expr))
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

// ruleEnv reports whether p is a PrometheusRule of a service, and of which
// environment.
func ruleEnv(p string) (string, bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 6 || parts[0] != "environments" || parts[2] != "flux" || parts[3] != "apps" || parts[5] != "prometheusrule.yaml" {
		return "", false
	}
	return parts[1], true
}

// alertRules indexes a PrometheusRule's alerting rules by name and tier, or
// "signal absent" for the rule that fires when an alert's signal is absent.
func alertRules(data []byte) map[[2]string]alertRule {
	rules := map[[2]string]alertRule{}
	var f struct {
		Spec struct {
			Groups []alerting.Group `yaml:"groups"`
		} `yaml:"spec"`
	}
	if len(data) == 0 || yaml.Unmarshal(data, &f) != nil {
		return rules
	}
	budgets := map[string]float64{}
	for _, g := range f.Spec.Groups {
		for _, r := range g.Rules {
			if r.Record == alerting.RecordErrorBudget {
				if v, ok := vectorOf(r.Expr); ok {
					budgets[sloKey(r.Labels[alerting.LabelService], r.Labels[alerting.LabelSLO])] = v
				}
			}
		}
	}
	for _, g := range f.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				tier := r.Labels[alerting.LabelTier]
				if sig := r.Labels[alerting.LabelSignal]; sig != "" {
					tier = "signal " + sig
				}
				rules[[2]string{r.Alert, tier}] = alertRule{withBudgets(r.Expr, budgets), r.For, r.Labels[alerting.LabelSeverity], r.KeepFiringFor}
			}
		}
	}
	return rules
}

func sloKey(service, slo string) string { return service + "\x00" + slo }

// vectorOf is c of a recording rule "vector(c)", such as the error budget
// an objective records.
func vectorOf(expr string) (float64, bool) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return 0, false
	}
	call, ok := e.(*parser.Call)
	if !ok || call.Func.Name != "vector" || len(call.Args) != 1 {
		return 0, false
	}
	return constant(call.Args[0])
}

// withBudgets writes a burn tier's expression with the error budget it
// compares with (slo:error_budget:ratio{service, slo}, recorded in the
// same PrometheusRule) as the number recorded, so that an objective change,
// which changes no expression, shows its thresholds old → new. An
// expression that does not parse, or names a budget the file does not
// record, is returned as written.
func withBudgets(expr string, budgets map[string]float64) string {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return expr
	}
	found, unknown := false, false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		var sides []*parser.Expr
		switch n := n.(type) {
		case *parser.BinaryExpr:
			sides = []*parser.Expr{&n.LHS, &n.RHS}
		case *parser.ParenExpr:
			sides = []*parser.Expr{&n.Expr}
		}
		for _, side := range sides {
			vs, ok := (*side).(*parser.VectorSelector)
			if !ok || vs.Name != alerting.RecordErrorBudget {
				continue
			}
			var service, slo string
			for _, m := range vs.LabelMatchers {
				switch {
				case m.Type != labels.MatchEqual:
				case m.Name == alerting.LabelService:
					service = m.Value
				case m.Name == alerting.LabelSLO:
					slo = m.Value
				}
			}
			v, ok := budgets[sloKey(service, slo)]
			if !ok {
				unknown = true
				continue
			}
			found = true
			*side = &parser.NumberLiteral{Val: v}
		}
		return nil
	})
	if !found || unknown {
		return expr
	}
	return e.String()
}

// maxAlertRows keeps a PR comment readable; the file list has the rest.
const maxAlertRows = 30

// writeAlertChanges lists the rule changes, one row per alert, tier and
// change with the environments it is made in (production in bold): an
// objective changes the same thresholds in every environment.
func writeAlertChanges(w io.Writer, changes []alertChange, production map[string]bool) {
	if len(changes) == 0 {
		return
	}
	type row struct {
		alert, tier, what string
		envs              []string
	}
	var rows []*row
	index := map[[3]string]*row{}
	for _, c := range changes {
		k := [3]string{c.alert, c.tier, c.what}
		r := index[k]
		if r == nil {
			r = &row{alert: c.alert, tier: c.tier, what: c.what}
			index[k] = r
			rows = append(rows, r)
		}
		env := c.env
		if production[env] {
			env = "**" + env + "**"
		}
		r.envs = append(r.envs, env)
	}
	slices.SortStableFunc(rows, func(a, b *row) int {
		return strings.Compare(a.alert+"\x00"+a.tier, b.alert+"\x00"+b.tier)
	})
	fmt.Fprintf(w, "\n<details><summary>Alerting rules: %d %s</summary>\n\n| alert | tier | change | environments |\n|---|---|---|---|\n",
		len(changes), plural(len(changes), "change", "changes"))
	for i, r := range rows {
		if i == maxAlertRows {
			fmt.Fprintf(w, "| … | and %d more | | |\n", len(rows)-maxAlertRows)
			break
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", r.alert, r.tier, r.what, strings.Join(r.envs, ", "))
	}
	fmt.Fprintln(w, "\n</details>")
}

// exprChange says how an alerting rule's expression changed: its
// thresholds old → new when only they differ (an objective or a burn-rate
// factor), else "expression", with the thresholds when they differ too.
func exprChange(before, after string) string {
	tb, sb := thresholds(before)
	ta, sa := thresholds(after)
	same := slices.Equal(tb, ta)
	switch {
	case !same && sb == sa && sb != "":
		return "threshold " + strings.Join(tb, ", ") + " → " + strings.Join(ta, ", ")
	case !same && len(tb)+len(ta) > 0:
		return "expression; threshold " + orNone(strings.Join(tb, ", "), "none") + " → " + orNone(strings.Join(ta, ", "), "none")
	}
	return "expression"
}

// thresholds returns the distinct constant sides of an expression's
// comparisons, evaluated ("> 0.0144" for "> (14.4 * 0.001)"), and the
// expression with them blanked out, to tell a threshold change from any
// other. An expression that does not parse gives nothing.
func thresholds(expr string) ([]string, string) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, ""
	}
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return nil
		}
		for _, side := range []*parser.Expr{&b.RHS, &b.LHS} {
			if v, ok := constant(*side); ok {
				t := b.Op.String() + " " + strconv.FormatFloat(v, 'g', 4, 64)
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
				*side = &parser.NumberLiteral{Val: 0}
				break
			}
		}
		return nil
	})
	return out, e.String()
}

// constant evaluates an expression made only of numbers and arithmetic.
func constant(e parser.Expr) (float64, bool) {
	switch e := e.(type) {
	case *parser.NumberLiteral:
		return e.Val, true
	case *parser.ParenExpr:
		return constant(e.Expr)
	case *parser.UnaryExpr:
		v, ok := constant(e.Expr)
		if e.Op == parser.SUB {
			v = -v
		}
		return v, ok
	case *parser.BinaryExpr:
		l, lok := constant(e.LHS)
		r, rok := constant(e.RHS)
		if !lok || !rok {
			return 0, false
		}
		switch e.Op {
		case parser.ADD:
			return l + r, true
		case parser.SUB:
			return l - r, true
		case parser.MUL:
			return l * r, true
		case parser.DIV:
			return l / r, true
		}
	}
	return 0, false
}
