package alerts

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// burnTests test each tier of a burn-rate alert with one series of events:
// first an error ratio 10% under the tier's threshold, held until both its
// windows and its for: have passed (it must stay quiet), then 10% over it
// (it must fire once both windows have crossed the threshold and for: has
// passed, and not before). Which tiers fire when is worked out here from
// the windows themselves, independently of the rules: the error ratio over
// a window is the bad events over all events between the window's first and
// last samples, as rate() makes it when both counters are sampled together.
func burnTests(am *alerting.Model, e *spec.Environment, a *alerting.Alert, plan []tierPlan) []*testGroup {
	rules := a.RulesIn(e)
	var groups []*testGroup
	for _, tp := range plan {
		g := &testGroup{Name: tp.name, Interval: tp.interval, slow: tp.slow, InputSeries: tp.inputs}
		for _, c := range tp.checks {
			test := alertRuleTest{EvalTime: dur(c.at), Alertname: a.Name, ExpAlerts: []expAlert{}}
			for _, j := range c.firing {
				test.ExpAlerts = append(test.ExpAlerts, expected(am, e, a, rules[j], alerting.SLOLabels(a.Service, a.SLO)))
			}
			g.AlertRuleTests = append(g.AlertRuleTests, test)
		}
		groups = append(groups, g)
	}
	return groups
}

// tierPlan is the test of one tier as every environment shares it: the
// series, and at each check the indexes of the rules firing. Only the
// expected labels and annotations differ between environments.
type tierPlan struct {
	name, interval string
	slow           bool
	inputs         []inputSeries
	checks         []tierCheck
}

type tierCheck struct {
	at     time.Duration
	firing []int
}

// planBurnTests works out the tests of burn-rate alert a, of rules
// rulesKey(a.Rules), which every environment shares, and the series that
// feed its SLI.
func (p *planner) planBurnTests(a *alerting.Alert, rules string) ([]tierPlan, []sliSeries, error) {
	inputs, err := p.sliInputs(a.Service, a.SLO)
	if err != nil {
		return nil, nil, err
	}
	var plan []tierPlan
	for i := range a.Rules {
		tp, err := p.planTier(a, rules, i, inputs)
		if err != nil {
			return nil, nil, err
		}
		plan = append(plan, tp)
	}
	return plan, inputs, nil
}

// planTier works out the test of tier i from its simulated burn (burnOfTier),
// and, when the planner writes tests, its name and series.
func (p *planner) planTier(a *alerting.Alert, rules string, i int, inputs []sliSeries) (tierPlan, error) {
	b, err := p.burnOfTier(a, rules, i)
	if err != nil {
		return tierPlan{}, err
	}
	tp := tierPlan{slow: b.slow}
	for _, k := range []int{b.ks.quiet, b.ks.before, b.ks.after} {
		tp.checks = append(tp.checks, tierCheck{at: time.Duration(k) * b.every, firing: b.firing[k]})
	}
	if !p.series {
		return tp, nil
	}
	t := a.Rules[i].Tier
	tp.name = fmt.Sprintf("%s %s: quiet at 0.9x its threshold (%s), fires %s after the ratio rises to 1.1x",
		a.Name, t.Name, alerting.Num(b.threshold), alerting.HumanDuration(time.Duration(b.ks.fires)*b.every-b.rise))
	tp.interval = alerting.Window(b.step)
	tp.inputs = seriesOf(inputs, b.bad)
	return tp, nil
}

// seriesOf writes the input series of a burn test from the cumulative bad
// events at each step, each step having eventsPerStep events.
func seriesOf(inputs []sliSeries, bad []float64) []inputSeries {
	var out []inputSeries
	for _, in := range inputs {
		incs := make([]float64, len(bad)-1)
		for j := 1; j < len(bad); j++ {
			incs[j-1] = in.inc(eventsPerStep, bad[j]-bad[j-1])
		}
		out = append(out, inputSeries{Series: seriesName(in.name, in.labels), Values: seriesValues(counterBase, incs)})
	}
	return out
}

// burn is a simulated burn of a burn-rate alert's tiers: the cumulative
// bad events at each step of step, and the rules firing at each
// evaluation of every.
type burn struct {
	step, every time.Duration
	bad         []float64
	firing      [][]int
}

// burnOfTier is the burn that tests tier i of alert a, of rules
// rulesKey(a.Rules): a ratio of bad events at 0.9x its threshold that rises
// to 1.1x at rise, simulated against every tier, with the evaluations to
// check (quiet before, just before and after it fires). Only the numbers
// of the alert's rules decide it (burnKey), and all the services with the
// same objectives share it, so the planner works it out once per render.
func (p *planner) burnOfTier(a *alerting.Alert, rules string, i int) (*tierBurn, error) {
	key := burnKey{rules: rules, tier: i}
	if b, ok := p.burns.Load(key); ok {
		tb := b.(*tierBurn)
		return tb, tb.err
	}
	b, _ := p.burns.LoadOrStore(key, newTierBurn(a.Rules, i))
	tb := b.(*tierBurn)
	return tb, tb.err
}

// tierBurn is the burn of a tier's test (see burnOfTier), or why the
// tier cannot be tested.
type tierBurn struct {
	burn
	threshold float64
	slow      bool
	rise      time.Duration
	ks        tierCheckpoints
	err       error
}

func newTierBurn(rules []*alerting.Rule, i int) *tierBurn {
	r := rules[i]
	t := *r.Tier
	tb := &tierBurn{burn: burn{step: time.Minute, every: evalEvery}}
	if t.Long > 6*time.Hour {
		tb.step, tb.every, tb.slow = 15*time.Minute, slowEvalEvery, true
	}
	th := r.Threshold
	tb.threshold = th
	quiet := math.Floor(0.9 * th * eventsPerStep)
	fire := math.Min(eventsPerStep, math.Ceil(1.1*th*eventsPerStep))
	if quiet >= th*eventsPerStep || fire <= th*eventsPerStep {
		tb.err = fmt.Errorf("tier %s: threshold %g leaves no room for a test either side of it", t.Name, th)
		return tb
	}
	grid := lcm(tb.step, tb.every)
	tb.rise = roundUp(t.Long+r.For+3*tb.every, grid) // when the ratio goes from quiet to fire
	horizon := tb.rise + t.Long + r.For + 12*tb.every
	n := int(horizon / tb.step)
	tb.bad = make([]float64, n+1)
	total := make([]float64, n+1)
	for j := 1; j <= n; j++ {
		per := quiet
		if time.Duration(j)*tb.step > tb.rise {
			per = fire
		}
		tb.bad[j] = tb.bad[j-1] + per
		total[j] = total[j-1] + eventsPerStep
	}
	tb.firing = simulateBurn(rules, thresholdsOf(rules), tb.bad, total, tb.step, tb.every, horizon)
	tb.ks, tb.err = checkpoints(tb.firing, i, t, r, tb.rise, tb.every, horizon)
	return tb
}

// burnKey is what decides a simulated burn of a burn-rate alert: the
// tiers, for:, keep_firing_for and thresholds of its rules (rulesKey), and
// the tier whose test it is, or -1 for the outage test.
type burnKey struct {
	rules string
	tier  int
}

// rulesKey writes down what the simulations read of a burn-rate alert's
// rules, exactly: names quoted, durations in nanoseconds, a float64 in the
// fewest digits that read back as the same number.
func rulesKey(rules []*alerting.Rule) string {
	var b []byte
	for _, r := range rules {
		t := r.Tier
		b = strconv.AppendQuote(b, t.Name)
		b = strconv.AppendQuote(b, t.Severity)
		b = strconv.AppendQuote(b, r.Severity)
		for _, d := range []time.Duration{t.Short, t.Long, t.For, r.For, r.KeepFiringFor} {
			b = strconv.AppendInt(append(b, ' '), int64(d), 10)
		}
		b = strconv.AppendFloat(append(b, ' '), r.Threshold, 'g', -1, 64)
		b = append(b, ';')
	}
	return string(b)
}

func thresholdsOf(rules []*alerting.Rule) []float64 {
	thresholds := make([]float64, len(rules))
	for i, r := range rules {
		thresholds[i] = r.Threshold
	}
	return thresholds
}

// tierCheckpoints are evaluations of a simulated burn, by index.
type tierCheckpoints struct {
	quiet, before, fires, after int
}

// checkpoints finds, in the simulated firing of every tier, the
// evaluations tier i's test checks: the last stable one before the rise
// (both windows hold only the quiet ratio and for: has passed), the first
// where it fires, and stable ones either side of that.
func checkpoints(firing [][]int, i int, t spec.BurnTier, r *alerting.Rule, rise, every, horizon time.Duration) (tierCheckpoints, error) {
	at := func(k int) []int { return firing[k] }
	stable := func(k int) bool {
		return k > 0 && k+1 < len(firing) && slices.Equal(at(k-1), at(k)) && slices.Equal(at(k), at(k+1))
	}
	var c tierCheckpoints
	c.quiet = int(rise/every) - 1
	for c.quiet > 0 && (!stable(c.quiet) || slices.Contains(at(c.quiet), i)) {
		c.quiet--
	}
	if time.Duration(c.quiet)*every < t.Long+r.For {
		return c, fmt.Errorf("tier %s: no quiet evaluation to test at 0.9x the threshold", t.Name)
	}
	c.fires = int(rise / every)
	for c.fires < len(firing) && !slices.Contains(at(c.fires), i) {
		c.fires++
	}
	if c.fires == len(firing) {
		return c, fmt.Errorf("tier %s: never fires at 1.1x its threshold within %s", t.Name, horizon)
	}
	c.before = c.fires - 2
	for c.before > 0 && !stable(c.before) {
		c.before--
	}
	c.after = c.fires + 2
	for c.after+1 < len(firing) && (!stable(c.after) || !slices.Contains(at(c.after), i)) {
		c.after++
	}
	if c.after+1 >= len(firing) {
		return c, fmt.Errorf("tier %s: no stable evaluation after it fires", t.Name)
	}
	return c, nil
}

// simulateBurn evaluates the tiers every `every` up to horizon over
// cumulative bad and total counts sampled every step, and returns, per
// evaluation, the indexes of the rules firing. A rule is active while the
// error ratio over both its windows exceeds its threshold (a window needs two
// samples, as rate() does) and fires once it has been active for its for:.
// A firing rule whose ratios fall back keeps firing until its
// keep_firing_for has passed since the first evaluation that found them
// below (Prometheus's KeepFiringSince); back above meanwhile, it fires on.
func simulateBurn(rules []*alerting.Rule, thresholds []float64, bad, total []float64, step, every, horizon time.Duration) [][]int {
	ratio := func(w, at time.Duration) (float64, bool) {
		// Samples in (at-w, at], as Prometheus 3 selects a range.
		first := int((at-w)/step) + 1
		if at-w < 0 {
			first = 0
		}
		last := min(int(at/step), len(bad)-1)
		if last-first < 1 {
			return 0, false
		}
		return (bad[last] - bad[first]) / (total[last] - total[first]), true
	}
	activeSince := make([]time.Duration, len(rules))
	keepSince := make([]time.Duration, len(rules))
	firing := make([]bool, len(rules))
	for i := range activeSince {
		activeSince[i], keepSince[i] = -1, -1
	}
	var out [][]int
	for at := time.Duration(0); at <= horizon; at += every {
		var now []int
		for i, r := range rules {
			short, ok1 := ratio(r.Tier.Short, at)
			long, ok2 := ratio(r.Tier.Long, at)
			if !ok1 || !ok2 || short <= thresholds[i] || long <= thresholds[i] {
				if firing[i] && r.KeepFiringFor > 0 {
					if keepSince[i] < 0 {
						keepSince[i] = at
					}
					if at-keepSince[i] < r.KeepFiringFor {
						now = append(now, i)
						continue
					}
				}
				activeSince[i], keepSince[i], firing[i] = -1, -1, false
				continue
			}
			keepSince[i] = -1
			if activeSince[i] < 0 {
				activeSince[i] = at
			}
			if at-activeSince[i] >= r.For {
				firing[i] = true
				now = append(now, i)
			}
		}
		out = append(out, now)
	}
	return out
}

// sliSeries is one input series of a burn-rate test, with its increment per
// step given the step's events and bad events.
type sliSeries struct {
	name   string
	labels map[string]string
	inc    func(total, bad float64) float64
}

// sliInputs are the series that feed the SLI of o: the metrics backend/
// exports for the built-in SLIs, and series made from the selectors of the
// spec's own queries for a custom one.
func (p *planner) sliInputs(s *spec.Service, o *spec.SLO) ([]sliSeries, error) {
	base := map[string]string{"job": s.Name, "namespace": spec.Namespace(s), "method": "GET", "route": "GET /v1/test"}
	with := func(k, v string) map[string]string {
		l := map[string]string{k: v}
		for bk, bv := range base {
			l[bk] = bv
		}
		return l
	}
	good := func(total, bad float64) float64 { return total - bad }
	switch o.SLI.Builtin {
	case spec.SLIAvailability:
		return []sliSeries{
			{"http_requests_total", with("code", "200"), good},
			{"http_requests_total", with("code", "500"), func(_, bad float64) float64 { return bad }},
		}, nil
	case spec.SLILatency:
		bucket := with("code", "200")
		bucket["le"] = fnum(o.Threshold.Value().Seconds())
		return []sliSeries{
			{"http_request_duration_seconds_count", with("code", "200"), func(total, _ float64) float64 { return total }},
			{"http_request_duration_seconds_bucket", bucket, good},
		}, nil
	}
	return p.customInputs(s, o)
}
