package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The short outage of issue 19: after an hour of healthy traffic, every
// event fails for ten minutes, then every event succeeds again. Without
// keep_firing_for it paged twice, page-1h first and page-6h once page-1h had
// resolved (see internal/alerting/incident.go); the test proves the burn
// alert's tiers now fire as one incident: the first page tier fires, and
// keeps firing until every slower page tier has stopped, so that
// Alertmanager's inhibition of the slower tiers by the faster holds from the
// first page to the last.
//
// The outage file is evaluated every minute, as Prometheus evaluates the
// rules, so that when each tier fires and stops is checked to the minute of
// its segment; the other test files are evaluated every five minutes or
// every hour.
const (
	outageEvery  = time.Minute
	outageStart  = time.Hour
	outageLength = 10 * time.Minute
	// outageAfter is how long the test goes on after the outage: past
	// the slowest page tier's stop and the fast tier's keep_firing_for.
	outageAfter = 40 * time.Minute
)

// outageFilePath is the outage test of service s in environment e.
func outageFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.outage.test.yaml", Dir, e.Name, s.Name)
}

// outagePlan is the outage test of one burn alert as every environment
// shares it: the series, and the evaluations to check with the rules
// firing at each.
type outagePlan struct {
	inputs []inputSeries
	checks []tierCheck
	// spans are, per rule, the first and last evaluation at which it
	// fires, relative to the outage's start; -1 when it never does.
	spans [][2]time.Duration
}

// pageTiers counts the page tiers of a burn alert.
func pageTiers(a *alerting.Alert) int {
	n := 0
	for _, r := range a.Rules {
		if r.Severity == spec.SeverityPage {
			n++
		}
	}
	return n
}

// planOutage works out the outage test of burn alert a, of rules
// rulesKey(a.Rules), whose SLI the inputs feed, or nil when it has fewer
// than two page tiers: one page tier cannot page twice for one burn.
func (p *planner) planOutage(a *alerting.Alert, rules string, inputs []sliSeries) (*outagePlan, error) {
	if pageTiers(a) < 2 {
		return nil, nil
	}
	b := p.outageBurn(a, rules)
	firing := b.firing
	op := &outagePlan{spans: make([][2]time.Duration, len(a.Rules))}
	for i := range op.spans {
		op.spans[i] = [2]time.Duration{-1, -1}
	}
	for k, now := range firing {
		at := time.Duration(k)*outageEvery - outageStart
		for _, i := range now {
			if op.spans[i][0] < 0 {
				op.spans[i][0] = at
			}
			op.spans[i][1] = at
		}
	}
	if err := onePage(a, firing); err != nil {
		return nil, err
	}
	// Check each stretch of evaluations with one set of tiers firing on
	// its second and its last but one evaluation: the state between every
	// two changes, and when each change happens to within a minute, with no
	// check on an evaluation where Prometheus's range boundaries could
	// tip it either way.
	for k := 0; k < len(firing); {
		end := k
		for end+1 < len(firing) && slices.Equal(firing[end+1], firing[k]) {
			end++
		}
		if end-k >= 2 {
			op.checks = append(op.checks, tierCheck{at: time.Duration(k+1) * outageEvery, firing: firing[k+1]})
			if end-1 > k+1 {
				op.checks = append(op.checks, tierCheck{at: time.Duration(end-1) * outageEvery, firing: firing[end-1]})
			}
		}
		k = end + 1
	}
	if p.series {
		op.inputs = seriesOf(inputs, b.bad)
	}
	return op, nil
}

// outageBurn is the simulated outage of burn alert a's tiers, of rules
// rulesKey(a.Rules): only the numbers of its rules decide it (burnKey), so
// the planner works it out once per render for all the services with the
// same objectives.
func (p *planner) outageBurn(a *alerting.Alert, rules string) *burn {
	key := burnKey{rules: rules, tier: -1}
	if b, ok := p.burns.Load(key); ok {
		return b.(*burn)
	}
	step := outageEvery
	horizon := outageStart + outageLength + outageAfter
	n := int(horizon / step)
	b := &burn{step: step, every: outageEvery, bad: make([]float64, n+1)}
	total := make([]float64, n+1)
	for j := 1; j <= n; j++ {
		at := time.Duration(j) * step
		per := 0.0
		if at > outageStart && at <= outageStart+outageLength {
			per = eventsPerStep
		}
		b.bad[j] = b.bad[j-1] + per
		total[j] = total[j-1] + eventsPerStep
	}
	b.firing = simulateBurn(a.Rules, thresholdsOf(a.Rules), b.bad, total, step, outageEvery, horizon)
	stored, _ := p.burns.LoadOrStore(key, b)
	return stored.(*burn)
}

// onePage holds the simulated outage to the promise the test makes.
// Alertmanager mutes a tier while a faster tier of the same alert fires, so
// what pages at an evaluation is a page tier that fires with no faster tier
// firing. One incident is one page at most: one tier does so, over one unbroken
// stretch of evaluations. Another tier unmuted later, even right after,
// would be a second notification.
func onePage(a *alerting.Alert, firing [][]int) error {
	paging, stretches := -1, 0
	prev := false
	for k, now := range firing {
		unmuted := -1
		if len(now) > 0 && a.Rules[now[0]].Severity == spec.SeverityPage { // now is sorted: the fastest first
			unmuted = now[0]
		}
		// at is when, said in a message only.
		at := func() string { return alerting.HumanDuration(time.Duration(k)*outageEvery - outageStart) }
		switch {
		case unmuted >= 0 && paging >= 0 && unmuted != paging:
			return fmt.Errorf("%s: a %s outage pages with %s, then again with %s at +%s",
				a.Name, alerting.HumanDuration(outageLength), a.Rules[paging].Tier.Name, a.Rules[unmuted].Tier.Name, at())
		case unmuted >= 0 && !prev:
			paging = unmuted
			stretches++
			if stretches > 1 {
				return fmt.Errorf("%s: a %s outage pages with %s again at +%s, after its first page resolved",
					a.Name, alerting.HumanDuration(outageLength), a.Rules[unmuted].Tier.Name, at())
			}
		}
		prev = unmuted >= 0
	}
	// No page at all is one page at most: with a low objective, ten
	// minutes of errors spend too little of the budget for a page tier.
	return nil
}

// outageTests are the test of the outage plan of burn alert a in e.
func outageTests(am *alerting.Model, e *spec.Environment, a *alerting.Alert, op *outagePlan) []*testGroup {
	rules := a.RulesIn(e)
	var spans []string
	for i, sp := range op.spans {
		if sp[0] < 0 {
			continue
		}
		spans = append(spans, fmt.Sprintf("%s from +%s to +%s", rules[i].Tier.Name, alerting.HumanDuration(sp[0]), alerting.HumanDuration(sp[1])))
	}
	what := "is one incident: " + strings.Join(spans, ", ")
	if len(spans) == 0 {
		what = "spends too little of the budget for any tier to fire"
	}
	g := &testGroup{
		Name: fmt.Sprintf("%s: a %s total outage after %s of healthy traffic %s",
			a.Name, alerting.HumanDuration(outageLength), alerting.HumanDuration(outageStart), what),
		Interval:    alerting.Window(outageEvery),
		InputSeries: op.inputs,
	}
	for _, c := range op.checks {
		test := alertRuleTest{EvalTime: dur(c.at), Alertname: a.Name, ExpAlerts: []expAlert{}}
		for _, j := range c.firing {
			test.ExpAlerts = append(test.ExpAlerts, expected(am, e, a, rules[j], alerting.SLOLabels(a.Service, a.SLO)))
		}
		g.AlertRuleTests = append(g.AlertRuleTests, test)
	}
	return []*testGroup{g}
}

// mergeOutage adds the outage test of one burn alert to the others of its
// service: into the first test with no series of the same metrics, else as
// a test of its own. promtool evaluates every rule of the file at every
// minute of every test, so that one test of a service's SLOs side by side,
// each on its own series, costs a third of three.
func mergeOutage(tests, add []*testGroup) []*testGroup {
	for _, g := range add {
		merged := false
		for _, t := range tests {
			if t.Interval != g.Interval || sharesSeries(t, g) {
				continue
			}
			t.Name += "; " + g.Name
			t.InputSeries = append(t.InputSeries, g.InputSeries...)
			t.AlertRuleTests = append(t.AlertRuleTests, g.AlertRuleTests...)
			merged = true
			break
		}
		if !merged {
			tests = append(tests, g)
		}
	}
	return tests
}

// sharesSeries reports whether two tests have series of one metric: a
// query of one alert could then read the other's, whatever their labels.
func sharesSeries(a, b *testGroup) bool {
	name := func(series string) string { n, _, _ := strings.Cut(series, "{"); return n }
	for _, x := range a.InputSeries {
		for _, y := range b.InputSeries {
			if name(x.Series) == name(y.Series) {
				return true
			}
		}
	}
	return false
}
