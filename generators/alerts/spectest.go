package alerts

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// specTests test a spec alert, `<query> <op> <number>`, with series made
// from the query's selectors, scaled by one factor k: the query's value at k=0
// and k=1, from Prometheus's engine, place the threshold at some k*; a
// scenario just past it must fire and one just short of it must not. The
// engine also says when the alert fires, and the test checks one evaluation
// either side.
func specTests(am *alerting.Model, e *spec.Environment, a *alerting.Alert, p *specPlan) []*testGroup {
	r := a.RulesIn(e)[0]
	check := func(k int, keys []string) alertRuleTest {
		t := alertRuleTest{EvalTime: dur(time.Duration(k) * p.every), Alertname: a.Name, ExpAlerts: []expAlert{}}
		for _, key := range keys {
			t.ExpAlerts = append(t.ExpAlerts, expected(am, e, a, r, p.lsets[key]))
		}
		return t
	}
	fireGroup := &testGroup{
		slow:           p.every == slowEvalEvery,
		Name:           fmt.Sprintf("%s: %s just past %v fires after for:", a.Name, p.query, p.threshold),
		Interval:       alerting.Window(p.sc.step),
		InputSeries:    p.sc.inputs(p.fire, p.steps),
		AlertRuleTests: []alertRuleTest{check(p.kf+1, p.fireSets[p.kf+1])},
	}
	if p.kf > 0 {
		fireGroup.AlertRuleTests = slices.Insert(fireGroup.AlertRuleTests, 0, check(p.kf-1, p.fireSets[p.kf-1]))
	}
	return []*testGroup{fireGroup, {
		slow:           p.every == slowEvalEvery,
		Name:           fmt.Sprintf("%s: %s just short of %v stays quiet", a.Name, p.query, p.threshold),
		Interval:       alerting.Window(p.sc.step),
		InputSeries:    p.sc.inputs(p.quiet, p.steps),
		AlertRuleTests: []alertRuleTest{check(p.last, nil)},
	}}
}

// specPlan is what a spec alert's test needs and no environment changes:
// the series, the levels either side of the threshold and when it fires.
type specPlan struct {
	query       parser.Expr
	threshold   float64
	sc          scenario
	every       time.Duration // evaluation interval: evalEvery or slowEvalEvery
	fire, quiet float64
	steps       int
	fireSets    [][]string
	lsets       map[string]map[string]string
	kf, last    int
	// single says that every evaluation of the crossing found one
	// series at most (see shape.go).
	single bool
}

// planSpecTest works out the test of a spec alert, which every
// environment shares: it takes a few hundred evaluations.
func (pl *planner) planSpecTest(exprText string, forDur time.Duration) (*specPlan, error) {
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
	g, err := gridOf(query, forDur)
	if err != nil {
		return nil, err
	}
	warm, horizon, steps, every := g.warm, g.horizon, g.steps, g.every
	var sc scenario
	var fire, quiet float64
	var found bool
	widest := 0 // the most series an evaluation of the crossing found
	for d := range series {
		sc = scenario{series: series, driver: d, step: g.step, bounds: bucketBounds(threshold)}
		fire, quiet, found, err = pl.crossing(sc, query, th.Op, threshold, steps, roundUp(warm, every), every, &widest)
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
	fireSets, lsets, err := pl.firingSets(sc.store(fire, steps), exprText, forDur, every, horizon)
	if err != nil {
		return nil, err
	}
	quietSets, _, err := pl.firingSets(sc.store(quiet, steps), exprText, forDur, every, horizon)
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
	p := &specPlan{query: query, threshold: threshold, sc: sc, every: every, fire: fire, quiet: quiet, steps: steps,
		fireSets: fireSets, lsets: lsets, kf: kf, last: len(quietSets) - 1, single: widest <= 1}
	return p, nil
}

// crossing finds, for the scenario's driver, a level at which the alert's
// comparison holds and one just short of it: it scans levels from 0 up a
// geometric scale (and down, for a gauge), then halves the bracket where the
// comparison flips until the two are within 1% of each other. widest
// rises to the most series an evaluation finds.
func (pl *planner) crossing(sc scenario, query parser.Expr, op parser.ItemType, threshold float64, steps int, at, every time.Duration, widest *int) (fire, quiet float64, ok bool, err error) {
	q := query.String()
	holds := func(k float64) (bool, error) {
		v, err := pl.evalAt(sc.store(k, steps), q, at, every)
		*widest = max(*widest, len(v))
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

// grid is how a spec alert's test samples and evaluates: its series are
// sampled every step for steps steps, its rules evaluated every `every` up to
// horizon, and its query is judged from warm on, once it has a full window.
type grid struct {
	step, every, warm, horizon time.Duration
	steps                      int
}

// Bounds on a spec alert's test, which promtool runs in CI on every change
// and in every environment: a query may read at most maxReach back (ranges,
// subqueries and offsets added up), as long as the longest SLO window, and
// its subqueries may evaluate their inner query at most maxSubqueryPoints
// times per evaluation of the rule. promtool evaluates every rule of the
// file at every hourly step of the test: a 1y range took 13 to 25 s of
// promtool per environment, 30d 1 to 4 s.
const (
	maxReach          = 90 * 24 * time.Hour
	maxSubqueryPoints = 1440
	// samplesPerRange is how finely a range is sampled: a step of at least
	// a minute and at most range/360 (6h and shorter ranges at 1m, 30d at
	// 2h, 1y at a day), so that the work is the same whatever the range.
	samplesPerRange = 360
	// slowReach is the horizon past which a test is evaluated hourly, in
	// the slow file, like the burn tiers with day-long windows.
	slowReach = 24 * time.Hour
)

// steps a series may be sampled at: each divides the next multiple of a
// day, so that samples fall on the evaluations' grid.
var niceSteps = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// gridOf chooses a spec alert test's grid from how far back its query reads:
// the step from its ranges instead of a fixed minute, so that a 30d or 1y
// range costs what a 1h one does, and hourly evaluations once the test spans
// days. An instant read (a selector outside a range) needs a sample within
// Prometheus's 5m lookback of every time it is read at: a step of at most
// 2m, or one that divides the interval it is read at (the subquery's step,
// or the evaluation interval).
func gridOf(query parser.Expr, forDur time.Duration) (grid, error) {
	reach, ahead := reachOf(query)
	if ahead > 0 {
		return grid{}, fmt.Errorf("a negative offset reads %s after each evaluation, samples that do not exist yet when Prometheus evaluates the rule; compare with a positive offset instead", alerting.Window(ahead))
	}
	if reach > maxReach {
		return grid{}, fmt.Errorf("it reads %s back (ranges, subqueries and offsets added up), and a test is limited to %s of samples; use a shorter range", alerting.HumanDuration(reach), alerting.HumanDuration(maxReach))
	}
	g := grid{warm: reach + 5*time.Minute, every: evalEvery}
	if g.warm+forDur > slowReach {
		g.every = slowEvalEvery
	}
	g.horizon = roundUp(g.warm+forDur+6*g.every, g.every)
	// The largest step every selector read through a range allows; a
	// minute when none is.
	var limit time.Duration
	bound := func(d time.Duration) {
		if limit == 0 || d < limit {
			limit = d
		}
	}
	var aligned []time.Duration // intervals instant reads happen at
	var err error
	parser.Inspect(query, func(node parser.Node, path []parser.Node) error {
		switch n := node.(type) {
		case *parser.SubqueryExpr:
			every := n.Step
			if every == 0 {
				every = g.every
			}
			if points := n.Range / every; points > maxSubqueryPoints && err == nil {
				err = fmt.Errorf("subquery %s evaluates its query %d times at each evaluation of the rule (at most %d for a test): give it a step of at least %s, or record its query with a recording rule", n, points, maxSubqueryPoints, alerting.Window(roundUp(n.Range/maxSubqueryPoints, time.Minute)))
			}
		case *parser.VectorSelector:
			// Where it is read: directly under a range, or at an instant.
			var in parser.Node
			for i := len(path) - 1; i >= 0 && in == nil; i-- {
				switch p := path[i].(type) {
				case *parser.MatrixSelector, *parser.SubqueryExpr:
					in = p
				}
			}
			switch p := in.(type) {
			case *parser.MatrixSelector:
				bound(p.Range / samplesPerRange)
			case *parser.SubqueryExpr:
				bound(p.Range / samplesPerRange)
				if p.Step != 0 {
					aligned = append(aligned, p.Step)
				} else {
					aligned = append(aligned, g.every)
				}
			default:
				aligned = append(aligned, g.every)
			}
		}
		return nil
	})
	if err != nil {
		return grid{}, err
	}
	limit = max(limit, time.Minute)
	g.step = time.Minute
	for _, st := range append(slices.Clone(niceSteps), daySteps(limit)...) {
		if st > limit {
			break
		}
		fits := true
		for _, a := range aligned {
			fits = fits && (st <= 2*time.Minute || a%st == 0)
		}
		if fits {
			g.step = st
		}
	}
	g.steps = int((g.horizon + g.step - 1) / g.step)
	return g, nil
}

// daySteps are the whole numbers of days up to limit, past one.
func daySteps(limit time.Duration) []time.Duration {
	var out []time.Duration
	for d := 2 * 24 * time.Hour; d <= limit; d += 24 * time.Hour {
		out = append(out, d)
	}
	return out
}

// reachOf is how far back a query reads at an evaluation, its ranges,
// subqueries and offsets added up along each selector's path, so that tests
// give it a full window before judging it; and how far ahead a negative
// offset reads.
func reachOf(expr parser.Expr) (back, ahead time.Duration) {
	parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		var b, a time.Duration
		add := func(d time.Duration) {
			if d >= 0 {
				b += d
			} else {
				a -= d
			}
		}
		add(vs.OriginalOffset)
		for _, p := range path {
			switch p := p.(type) {
			case *parser.MatrixSelector:
				b += p.Range
			case *parser.SubqueryExpr:
				b += p.Range
				add(p.OriginalOffset)
			}
		}
		back, ahead = max(back, b), max(ahead, a)
		return nil
	})
	return back, ahead
}
