package alerts

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// A promtool test file: the format of `promtool test rules`.
type testFile struct {
	RuleFiles          []string     `yaml:"rule_files"`
	EvaluationInterval string       `yaml:"evaluation_interval"`
	Tests              []*testGroup `yaml:"tests"`
}

type testGroup struct {
	slow           bool            // belongs in the slow file
	Name           string          `yaml:"name"`
	Interval       string          `yaml:"interval"`
	StartTimestamp string          `yaml:"start_timestamp,omitempty"`
	InputSeries    []inputSeries   `yaml:"input_series"`
	AlertRuleTests []alertRuleTest `yaml:"alert_rule_test"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertRuleTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"` // empty: the alert must not fire
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// How often the tests evaluate the rules. promtool evaluates every rule of
// the file at every step of every test, so the tests of the tiers with
// day-long windows, which must run for days, go to a second file evaluated
// every hour; the rest are judged every 5 minutes. Every expected time is on
// its file's grid.
const (
	evalEvery     = 5 * time.Minute
	slowEvalEvery = time.Hour
)

// eventsPerStep is the traffic of burn-rate tests: a million events per
// sample step, so that even a 99.999% objective's thresholds are whole
// numbers of bad events away from the test's error ratios.
const eventsPerStep = 1_000_000

// counterBase starts every synthetic counter high: Prometheus stops a rate's
// extrapolation where a counter would have been zero, which for a counter
// that starts at zero would treat bad and total events differently.
const counterBase = 10 * eventsPerStep

// promtoolTests are the promtool tests of a service in environment e, fast
// and slow (see slowEvalEvery): for every alert, a series that fires it when
// its windows say it must, and one just on the safe side of its threshold
// that must leave it quiet. The series and checks come from the service's
// plan; only the expected labels and annotations are e's own.
func promtoolTests(m *spec.Model, am *alerting.Model, e *spec.Environment, plan *servicePlan, ruleFile string) (fast, slow, outage []byte, err error) {
	ff := testFile{RuleFiles: []string{ruleFile}, EvaluationInterval: alerting.Window(evalEvery), Tests: []*testGroup{}}
	sf := testFile{RuleFiles: []string{ruleFile}, EvaluationInterval: alerting.Window(slowEvalEvery), Tests: []*testGroup{}}
	of := testFile{RuleFiles: []string{ruleFile}, EvaluationInterval: alerting.Window(outageEvery), Tests: []*testGroup{}}
	for _, a := range plan.svc.Alerts {
		var groups []*testGroup
		switch a.Kind {
		case alerting.KindBurn:
			groups = burnTests(am, e, a, plan.burn[a])
			if op := plan.outage[a]; op != nil {
				of.Tests = mergeOutage(of.Tests, outageTests(am, e, a, op))
			}
		case alerting.KindSpec:
			groups = specTests(am, e, a, plan.spec[a])
		default:
			groups = platformTests(m, am, e, a)
		}
		for _, g := range groups {
			if g.slow {
				sf.Tests = append(sf.Tests, g)
			} else {
				ff.Tests = append(ff.Tests, g)
			}
		}
	}
	if fast, err = yamlw.Marshal(ff); err != nil {
		return nil, nil, nil, err
	}
	if len(sf.Tests) > 0 {
		if slow, err = yamlw.Marshal(sf); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(of.Tests) > 0 {
		outage, err = yamlw.Marshal(of)
	}
	return fast, slow, outage, err
}

// specError reports, at the spec field, a query no test can be made for: a
// mistake in the spec like any other, not a failure of the generator.
func specError(s *spec.Service, path string, err error) spec.Diagnostic {
	return spec.Diagnostic{
		File: s.Source.Path,
		Pos:  s.Source.Pos(path),
		Kind: spec.KindValue,
		Msg:  path + ": no promtool test can be made for it: " + err.Error(),
	}
}

// expected is the alert as promtool must see it: rule r of a, on a series
// whose own labels (besides the name) are series.
func expected(am *alerting.Model, e *spec.Environment, a *alerting.Alert, r *alerting.Rule, series map[string]string) expAlert {
	l := map[string]string{}
	for k, v := range series {
		l[k] = v
	}
	for k, v := range am.Labels(e, a, r) {
		l[k] = v
	}
	return expAlert{ExpLabels: l, ExpAnnotations: am.Annotations(e, a, r)}
}

// dur prints a test time as promtool reads it.
func dur(d time.Duration) string {
	if d == 0 {
		return "0m"
	}
	return alerting.Window(d)
}

// seriesValues writes a series in promtool's expanding notation from the
// value at t=0 and the increment of each following step, joining runs of
// equal increments: "10+2x3 18+0x2" is 10 12 14 16 18 18 18.
func seriesValues(start float64, incs []float64) string {
	var parts []string
	v := start
	i := 0
	first := true
	for i < len(incs) || first {
		inc := 0.0
		if i < len(incs) {
			inc = incs[i]
		}
		j := i
		for j < len(incs) && incs[j] == inc {
			j++
		}
		n := j - i
		if first {
			// The first run also carries the start value: n+1 values.
			parts = append(parts, expanding(v, inc, n))
			first = false
		} else {
			parts = append(parts, expanding(v+inc, inc, n-1))
		}
		v += inc * float64(n)
		i = j
	}
	return strings.Join(parts, " ")
}

// expanding writes "a+bxn" (or "a-bxn"): n+1 values from a, b apart.
func expanding(a, b float64, n int) string {
	if b < 0 {
		return fmt.Sprintf("%s-%sx%d", fnum(a), fnum(-b), n)
	}
	return fmt.Sprintf("%s+%sx%d", fnum(a), fnum(b), n)
}

func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// seriesName writes a series selector as promtool's input_series does.
func seriesName(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	var ls []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		ls = append(ls, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return name + "{" + strings.Join(ls, ", ") + "}"
}

// roundUp rounds d up to a multiple of step.
func roundUp(d, step time.Duration) time.Duration {
	return (d + step - 1) / step * step
}

func lcm(a, b time.Duration) time.Duration {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}
