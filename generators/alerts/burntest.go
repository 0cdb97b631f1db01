package alerts

import (
	"fmt"
	"math"
	"slices"
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

// planBurnTests works out the tests of burn-rate alert a, which every
// environment shares.
func (p *planner) planBurnTests(a *alerting.Alert) ([]tierPlan, error) {
	inputs, err := p.sliInputs(a.Service, a.SLO)
	if err != nil {
		return nil, err
	}
	thresholds := make([]float64, len(a.Rules))
	for i, r := range a.Rules {
		thresholds[i] = r.Threshold
	}
	var plan []tierPlan
	for i := range a.Rules {
		tp, err := planTier(a, i, thresholds, inputs)
		if err != nil {
			return nil, err
		}
		plan = append(plan, tp)
	}
	return plan, nil
}

// planTier works out the test of tier i: a ratio of bad events at 0.9x its
// threshold that rises to 1.1x, simulated against every tier, and the
// evaluations to check (quiet before, just before and after it fires).
func planTier(a *alerting.Alert, i int, thresholds []float64, inputs []sliSeries) (tierPlan, error) {
	r := a.Rules[i]
	t := *r.Tier
	step, every, slow := time.Minute, evalEvery, false
	if t.Long > 6*time.Hour {
		step, every, slow = 15*time.Minute, slowEvalEvery, true
	}
	th := thresholds[i]
	quiet := math.Floor(0.9 * th * eventsPerStep)
	fire := math.Min(eventsPerStep, math.Ceil(1.1*th*eventsPerStep))
	if quiet >= th*eventsPerStep || fire <= th*eventsPerStep {
		return tierPlan{}, fmt.Errorf("tier %s: threshold %g leaves no room for a test either side of it", t.Name, th)
	}
	grid := lcm(step, every)
	rise := roundUp(t.Long+r.For+3*every, grid) // when the ratio goes from quiet to fire
	horizon := rise + t.Long + r.For + 12*every
	n := int(horizon / step)
	bad := make([]float64, n+1)
	total := make([]float64, n+1)
	for j := 1; j <= n; j++ {
		per := quiet
		if time.Duration(j)*step > rise {
			per = fire
		}
		bad[j] = bad[j-1] + per
		total[j] = total[j-1] + eventsPerStep
	}
	firing := simulateBurn(a.Rules, thresholds, bad, total, step, every, horizon)
	ks, err := checkpoints(firing, i, t, r, rise, every, horizon)
	if err != nil {
		return tierPlan{}, err
	}
	tp := tierPlan{
		name: fmt.Sprintf("%s %s: quiet at 0.9x its threshold (%s), fires %s after the ratio rises to 1.1x",
			a.Name, t.Name, alerting.Num(th), alerting.HumanDuration(time.Duration(ks.fires)*every-rise)),
		interval: alerting.Window(step),
		slow:     slow,
	}
	for _, in := range inputs {
		incs := make([]float64, n)
		for j := 1; j <= n; j++ {
			incs[j-1] = in.inc(eventsPerStep, bad[j]-bad[j-1])
		}
		tp.inputs = append(tp.inputs, inputSeries{Series: seriesName(in.name, in.labels), Values: seriesValues(counterBase, incs)})
	}
	for _, k := range []int{ks.quiet, ks.before, ks.after} {
		tp.checks = append(tp.checks, tierCheck{at: time.Duration(k) * every, firing: firing[k]})
	}
	return tp, nil
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
