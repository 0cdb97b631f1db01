package alerts

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/generators/spec"
)

// specTests test a spec alert, `<query> <op> <number>`, with series made
// from the query's selectors, scaled by one factor k: the query's value at k=0
// and k=1, from Prometheus's engine, place the threshold at some k*; a
// scenario just past it must fire and one just short of it must not. The
// engine also says when the alert fires, and the test checks one evaluation
// either side.
func specTests(m *spec.Model, e *spec.Environment, a *Alert) ([]*testGroup, error) {
	r := RulesIn(m, e, a)[0]
	p, err := planSpecTest(a.Spec.Expr, r.For)
	if err != nil {
		return nil, err
	}
	check := func(k int, keys []string) alertRuleTest {
		t := alertRuleTest{EvalTime: dur(time.Duration(k) * evalEvery), Alertname: a.Name, ExpAlerts: []expAlert{}}
		for _, key := range keys {
			t.ExpAlerts = append(t.ExpAlerts, expected(m, e, a, r, p.lsets[key]))
		}
		return t
	}
	fireGroup := &testGroup{
		Name:           fmt.Sprintf("%s: %s just past %v fires after for:", a.Name, p.query, p.threshold),
		Interval:       Window(p.sc.step),
		InputSeries:    p.sc.inputs(p.fire, p.steps),
		AlertRuleTests: []alertRuleTest{check(p.kf+1, p.fireSets[p.kf+1])},
	}
	if p.kf > 0 {
		fireGroup.AlertRuleTests = slices.Insert(fireGroup.AlertRuleTests, 0, check(p.kf-1, p.fireSets[p.kf-1]))
	}
	return []*testGroup{fireGroup, {
		Name:           fmt.Sprintf("%s: %s just short of %v stays quiet", a.Name, p.query, p.threshold),
		Interval:       Window(p.sc.step),
		InputSeries:    p.sc.inputs(p.quiet, p.steps),
		AlertRuleTests: []alertRuleTest{check(p.last, nil)},
	}}, nil
}

// specPlan is what a spec alert's test needs and no environment changes:
// the series, the levels either side of the threshold and when it fires.
type specPlan struct {
	query       parser.Expr
	threshold   float64
	sc          scenario
	fire, quiet float64
	steps       int
	fireSets    [][]string
	lsets       map[string]map[string]string
	kf, last    int
}

// specPlans caches plans by expression and for:, which every environment
// shares: working one out takes a few hundred evaluations.
var specPlans sync.Map

type specKey struct {
	expr string
	for_ time.Duration
}

func planSpecTest(exprText string, forDur time.Duration) (*specPlan, error) {
	key := specKey{exprText, forDur}
	if p, ok := specPlans.Load(key); ok {
		return p.(*specPlan), nil
	}
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(exprText)
	if err != nil {
		return nil, err
	}
	th, ok := spec.AlertThreshold(expr)
	if !ok {
		return nil, fmt.Errorf("%q does not compare a query with a number", exprText)
	}
	query, threshold := th.Query, th.Value
	series, err := selectors(query)
	if err != nil {
		return nil, err
	}
	warm := rangeOf(query) + 5*time.Minute
	horizon := roundUp(warm+forDur+6*evalEvery, evalEvery)
	steps := int(horizon / time.Minute)
	var sc scenario
	var fire, quiet float64
	var found bool
	for d := range series {
		sc = scenario{series: series, driver: d, step: time.Minute, bounds: bucketBounds(threshold)}
		fire, quiet, found, err = crossing(sc, query, th.Op, threshold, steps, roundUp(warm, evalEvery))
		if err != nil {
			return nil, err
		}
		if found {
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("no single series of %s takes it across %v; compare a query of counters or gauges with a number", query, threshold)
	}
	fireSets, lsets, err := firingSets(sc.store(fire, steps), exprText, forDur, horizon)
	if err != nil {
		return nil, err
	}
	quietSets, _, err := firingSets(sc.store(quiet, steps), exprText, forDur, horizon)
	if err != nil {
		return nil, err
	}
	if last := quietSets[len(quietSets)-1]; len(last) > 0 {
		return nil, fmt.Errorf("query %s cannot be held on the quiet side of %v with the series it selects", query, threshold)
	}
	kf := slices.IndexFunc(fireSets, func(s []string) bool { return len(s) > 0 })
	if kf < 0 || kf+2 >= len(fireSets) {
		return nil, fmt.Errorf("series that take %s past %v do not fire the alert within %s", query, threshold, horizon)
	}
	p := &specPlan{query: query, threshold: threshold, sc: sc, fire: fire, quiet: quiet, steps: steps,
		fireSets: fireSets, lsets: lsets, kf: kf, last: len(quietSets) - 1}
	specPlans.Store(key, p)
	return p, nil
}

// crossing finds, for the scenario's driver, a level at which the alert's
// comparison holds and one just short of it: it scans levels from 0 up a
// geometric scale (and down, for a gauge), then halves the bracket where the
// comparison flips until the two are within 1% of each other.
func crossing(sc scenario, query parser.Expr, op parser.ItemType, threshold float64, steps int, at time.Duration) (fire, quiet float64, ok bool, err error) {
	holds := func(k float64) (bool, error) {
		v, err := evalAt(sc.store(k, steps), query.String(), at)
		if err != nil || len(v) == 0 || math.IsNaN(v[0].F) {
			return false, err
		}
		return compare(op, v[0].F, threshold), nil
	}
	scale := []float64{0}
	for p := -3; p <= 9; p++ {
		for _, m := range []float64{1, 2, 5} {
			scale = append(scale, m*math.Pow10(p))
		}
	}
	signs := []float64{1}
	if d := sc.series[sc.driver]; !d.counter || d.histogram {
		signs = append(signs, -1)
	}
	for _, sign := range signs {
		prev, err := holds(0)
		if err != nil {
			return 0, 0, false, err
		}
		for i := 1; i < len(scale); i++ {
			k := sign * scale[i]
			h, err := holds(k)
			if err != nil {
				return 0, 0, false, err
			}
			if h == prev {
				continue
			}
			lo, hi, loHolds := sign*scale[i-1], k, prev
			for range 30 {
				if math.Abs(hi-lo) <= 0.01*math.Max(math.Abs(lo), math.Abs(hi)) {
					break
				}
				mid := (lo + hi) / 2
				hm, err := holds(mid)
				if err != nil {
					return 0, 0, false, err
				}
				if hm == loHolds {
					lo = mid
				} else {
					hi = mid
				}
			}
			if loHolds {
				return lo, hi, true, nil
			}
			return hi, lo, true, nil
		}
	}
	return 0, 0, false, nil
}

func compare(op parser.ItemType, v, threshold float64) bool {
	switch op {
	case parser.GTR:
		return v > threshold
	case parser.GTE:
		return v >= threshold
	case parser.LSS:
		return v < threshold
	case parser.LTE:
		return v <= threshold
	case parser.EQLC:
		return v == threshold
	case parser.NEQ:
		return v != threshold
	}
	return false
}

// rangeOf is the longest range a query reads, so that tests give it a
// full window before judging it.
func rangeOf(expr parser.Expr) time.Duration {
	var longest time.Duration
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.MatrixSelector:
			longest = max(longest, n.Range)
		case *parser.SubqueryExpr:
			longest = max(longest, n.Range)
		}
		return nil
	})
	return longest
}
