package alerts

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// planner works out the tests of one render. It holds the Prometheus
// engines the spec's own queries are evaluated with, one per evaluation
// interval, and dies with the render.
type planner struct {
	engines map[time.Duration]*promql.Engine
	// series says whether the plans carry what only the test files print:
	// the names and series of the burn tests. Check needs only to know
	// that every test can be made.
	series bool
	// burns are the simulated burns of burn-rate alerts by burnKey:
	// *tierBurn for a tier's test, *burn for the outage test.
	burns sync.Map
	// verdicts are Check's verdicts on spec alerts' and custom SLIs'
	// tests by shapeKey (see shape.go): *shapeVerdict.
	verdicts sync.Map
}

func newPlanner(series bool) *planner {
	p := &planner{engines: map[time.Duration]*promql.Engine{}, series: series}
	for _, every := range []time.Duration{evalEvery, slowEvalEvery} {
		p.engines[every] = newEngine(every)
	}
	return p
}

// engine is the engine of evaluations every `every`: a subquery without a
// step ([1h:]) is evaluated at that interval, as promtool evaluates it at
// its test file's.
func (p *planner) engine(every time.Duration) *promql.Engine {
	if e, ok := p.engines[every]; ok {
		return e
	}
	panic(fmt.Sprintf("alerts: no engine for evaluations every %s", every))
}

func newEngine(every time.Duration) *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:               50_000_000,
		Timeout:                  time.Minute,
		LookbackDelta:            5 * time.Minute,
		EnableAtModifier:         true, // as promtool and Prometheus 3 do
		EnableNegativeOffset:     true,
		NoStepSubqueryIntervalFn: func(int64) int64 { return every.Milliseconds() },
	})
}

// servicePlan is what the tests of one service share in every environment:
// the series and checks of each burn-rate and spec alert, or the spec
// mistakes that leave an alert without a test.
type servicePlan struct {
	svc      *alerting.Service
	burn     map[*alerting.Alert][]tierPlan
	outage   map[*alerting.Alert]*outagePlan
	spec     map[*alerting.Alert]*specPlan
	mistakes spec.Diagnostics
	// failure is an error of the generator's own, which no spec causes.
	failure error
}

// plan works out the tests of service svc once, for every environment.
func (p *planner) plan(svc *alerting.Service) *servicePlan {
	s := svc.Spec
	sp := &servicePlan{svc: svc, burn: map[*alerting.Alert][]tierPlan{}, outage: map[*alerting.Alert]*outagePlan{}, spec: map[*alerting.Alert]*specPlan{}, mistakes: ageMistakes(s)}
	for _, a := range svc.Alerts {
		switch a.Kind {
		case alerting.KindBurn:
			rules := rulesKey(a.Rules)
			plan, inputs, err := p.planBurnTests(a, rules)
			if err != nil {
				sp.mistakes = append(sp.mistakes, specError(s, fmt.Sprintf("slos[%d].sli", slices.Index(s.SLOs, a.SLO)), err))
				continue
			}
			sp.burn[a] = plan
			op, err := p.planOutage(a, rules, inputs)
			if err != nil {
				sp.failure = err
				continue
			}
			if op != nil {
				sp.outage[a] = op
			}
		case alerting.KindSpec:
			forDur := a.Rules[0].For
			key, shaped := shapeOf("spec", s, forDur, a.Spec.Expr)
			shaped = shaped && !p.series
			if shaped && p.provenByShape(key, s) {
				continue
			}
			plan, err := p.planSpecTest(a.Spec.Expr, forDur)
			if err != nil {
				sp.mistakes = append(sp.mistakes, specError(s, fmt.Sprintf("alerts[%d].expr", slices.Index(s.Alerts, a.Spec)), err))
				continue
			}
			if shaped && plan.single {
				p.provedByShape(key, s, a.Spec.Expr)
			}
			sp.spec[a] = plan
		}
	}
	return sp
}
