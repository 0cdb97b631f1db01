package alerts

import (
	"context"
	"fmt"
	"math"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/promstore"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The spec's own queries (custom SLIs, spec alerts) can say anything, so
// their test series are made from the series they select and then checked by
// evaluating the queries with Prometheus's own engine: a query the series
// cannot drive across its threshold is an error at generation, not a test
// that fails later.

// evalAt evaluates an instant query over the store at t, as evaluations
// every `every` see it.
func (p *planner) evalAt(st *promstore.Store, q string, t, every time.Duration) (promql.Vector, error) {
	qry, err := p.engine(every).NewInstantQuery(context.Background(), st, promql.NewPrometheusQueryOpts(false, 0, nil), q, time.Unix(0, 0).Add(t))
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{{F: v.V}}, nil
	}
	return nil, fmt.Errorf("%s returns %s, not a vector", q, res.Value.Type())
}

// selected is a series made to match one vector selector of a query.
type selected struct {
	name    string
	labels  map[string]string
	counter bool // read through a range (rate, increase…): made to grow
	// histogram: the buckets of a classic histogram read by
	// histogram_quantile, one series per bound; a level puts every
	// observation at that value.
	histogram bool
	// matchers are those of the selector the series was made for.
	matchers []*labels.Matcher
}

// bucketBounds are the le bounds of a synthetic histogram, around the
// threshold its quantile is compared with, so that observations just over
// and just under it land in buckets on either side.
func bucketBounds(threshold float64) []float64 {
	if threshold <= 0 {
		return []float64{threshold - 1, threshold, threshold + 1}
	}
	return []float64{threshold * 0.5, threshold * 0.9, threshold, threshold * 1.1, threshold * 2}
}

func (s selected) labelSet() labels.Labels {
	b := labels.NewBuilder(labels.EmptyLabels())
	b.Set(model.MetricNameLabel, s.name)
	for k, v := range s.labels {
		b.Set(k, v)
	}
	return b.Labels()
}

// selectors makes one series per distinct vector selector of expr.
func selectors(expr parser.Expr) ([]selected, error) {
	var out []selected
	seen := map[string]bool{}
	var err error
	parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok || err != nil {
			return nil
		}
		sel := selected{labels: map[string]string{}, matchers: vs.LabelMatchers}
		inQuantile := false
		for i, p := range path {
			switch p := p.(type) {
			case *parser.MatrixSelector:
				// Read through a range: a counter, unless the range only
				// summarises a gauge (max_over_time…), which holds its
				// level so that the summary is the level over any range.
				call, ok := parentCall(path, i)
				sel.counter = !ok || !strings.HasSuffix(call.Func.Name, "_over_time")
			case *parser.SubqueryExpr:
				// Read at each of the subquery's steps: a gauge, unless a
				// range inside it says otherwise.
				sel.counter = false
			case *parser.Call:
				inQuantile = inQuantile || p.Func.Name == "histogram_quantile"
			}
		}
		hasLe := slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool { return m.Name == "le" })
		sel.histogram = inQuantile && !hasLe && strings.HasSuffix(vs.Name, "_bucket")
		for _, m := range vs.LabelMatchers {
			v, ok := satisfy(m)
			if !ok {
				err = fmt.Errorf("cannot make a series that matches %s", m)
				return err
			}
			if m.Name == model.MetricNameLabel {
				sel.name = v
			} else if v != "" {
				sel.labels[m.Name] = v
			}
		}
		if sel.name == "" {
			err = fmt.Errorf("selector %s names no metric", vs)
			return err
		}
		if key := sel.labelSet().String(); !seen[key] {
			seen[key] = true
			out = append(out, sel)
		}
		return nil
	})
	return out, err
}

// parentCall is the function whose argument path[i] is.
func parentCall(path []parser.Node, i int) (*parser.Call, bool) {
	for j := i - 1; j >= 0; j-- {
		switch p := path[j].(type) {
		case *parser.Call:
			return p, true
		case *parser.ParenExpr, parser.Expressions:
			continue
		}
		return nil, false
	}
	return nil, false
}

// satisfy finds a label value the matcher accepts: the value itself, the
// first literal alternative of a regular expression, or a made-up value.
func satisfy(m *labels.Matcher) (string, bool) {
	for _, c := range candidates(m) {
		if m.Matches(c) {
			return c, true
		}
	}
	return "", false
}

// candidates are the values satisfy tries for matcher m, in order.
func candidates(m *labels.Matcher) []string {
	cands := []string{m.Value}
	if m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp {
		if re, err := syntax.Parse(m.Value, syntax.Perl); err == nil {
			cands = append(cands, literals(re.Simplify())...)
		}
	}
	return append(cands, "", "groundwork-test", "1")
}

func literals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		if len(re.Rune) > 0 {
			return []string{string(re.Rune[0])}
		}
	case syntax.OpPlus, syntax.OpRepeat:
		return literals(re.Sub[0])
	case syntax.OpConcat:
		// One string: the first literal of each part, in order.
		s := ""
		for _, sub := range re.Sub {
			if l := literals(sub); len(l) > 0 {
				s += l[0]
			}
		}
		return []string{s}
	case syntax.OpAlternate, syntax.OpCapture:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, literals(sub)...)
		}
		return out
	}
	return nil
}

// customInputs makes the series of the custom SLI of service s's SLO o
// (checkedInputs). Check, which needs no series, takes the check as passed
// for an SLI whose queries have the shape of another's that passed (see
// shape.go), and then returns none.
func (p *planner) customInputs(s *spec.Service, o *spec.SLO) ([]sliSeries, error) {
	errQ, totalQ := alerting.SLIOf(s, o).Bad("1h"), alerting.SLIOf(s, o).Total("1h")
	key, shaped := shapeOf("sli", s, 0, errQ, totalQ)
	shaped = shaped && !p.series
	if shaped && p.provenByShape(key, s) {
		return nil, nil
	}
	inputs, err := p.checkedInputs(errQ, totalQ)
	if err == nil && shaped {
		p.provedByShape(key, s, errQ, totalQ)
	}
	return inputs, err
}

// checkedInputs makes the series of the custom SLI of queries errQ and
// totalQ: the errors query's selectors carry the bad events, the total
// query's carry all events (or only the good ones where a bad series is
// also counted by the total query), and Prometheus's engine must then
// compute the ratio the test intends.
func (p *planner) checkedInputs(errQ, totalQ string) ([]sliSeries, error) {
	errExpr, err := parser.NewParser(parser.Options{}).ParseExpr(errQ)
	if err != nil {
		return nil, err
	}
	totalExpr, err := parser.NewParser(parser.Options{}).ParseExpr(totalQ)
	if err != nil {
		return nil, err
	}
	bads, err := selectors(errExpr)
	if err != nil {
		return nil, fmt.Errorf("errors query: %w", err)
	}
	totals, err := selectors(totalExpr)
	if err != nil {
		return nil, fmt.Errorf("total query: %w", err)
	}
	var inputs []sliSeries
	badKeys := map[string]bool{}
	for i, b := range bads {
		carries := i == 0
		badKeys[b.labelSet().String()] = true
		inputs = append(inputs, sliSeries{b.name, b.labels, func(_, bad float64) float64 {
			if carries {
				return bad
			}
			return 0
		}})
	}
	for i, t := range totals {
		if badKeys[t.labelSet().String()] {
			continue
		}
		countsBad := false
		for _, b := range bads {
			if promstore.MatchesAll(b.labelSet(), t.matchers) {
				countsBad = true
			}
		}
		carries := i == 0 || len(inputs) == len(bads)
		inputs = append(inputs, sliSeries{t.name, t.labels, func(total, bad float64) float64 {
			switch {
			case !carries:
				return 0
			case countsBad:
				return total - bad
			}
			return total
		}})
	}
	// Check: one step in a hundred bad must read as 0.01.
	const steps = 180
	st := &promstore.Store{}
	for _, in := range inputs {
		vals := make([]float64, steps+1)
		vals[0] = counterBase
		for j := 1; j <= steps; j++ {
			vals[j] = vals[j-1] + in.inc(eventsPerStep, eventsPerStep/100)
		}
		st.Add(selected{name: in.name, labels: in.labels}.labelSet(), time.Minute.Milliseconds(), vals)
	}
	v, err := p.evalAt(st, fmt.Sprintf("(%s) / (%s)", errQ, totalQ), 2*time.Hour, evalEvery)
	if err != nil {
		return nil, err
	}
	if len(v) != 1 || math.Abs(v[0].F-0.01) > 1e-9 {
		got := "no single value"
		if len(v) == 1 {
			got = strconv.FormatFloat(v[0].F, 'g', 6, 64)
		}
		return nil, fmt.Errorf("fed one bad event in a hundred, errors over total gives %s instead of 0.01; write both as sums of rates of counters, as Sloth does", got)
	}
	return inputs, nil
}

// scenario is a spec alert's query fed one series per selector: the driver
// at level k and the others at level 1, where a gauge holds its level and a
// counter grows by it every step.
type scenario struct {
	series []selected
	driver int
	step   time.Duration
	bounds []float64 // of histogram series
}

// expand gives the series of s at level l and each one's value per step:
// a gauge holds l, a counter grows by l, and a histogram's buckets count one
// observation of value l per step in every bucket whose bound holds it.
func (sc scenario) expand(s selected, l float64) (names []selected, start, inc []float64) {
	if !s.histogram {
		if s.counter {
			return []selected{s}, []float64{0}, []float64{l}
		}
		return []selected{s}, []float64{l}, []float64{0}
	}
	for _, b := range append(slices.Clone(sc.bounds), math.Inf(1)) {
		bucket := selected{name: s.name, labels: map[string]string{"le": fnum(b)}, counter: true}
		if math.IsInf(b, 1) {
			bucket.labels["le"] = "+Inf"
		}
		for k, v := range s.labels {
			bucket.labels[k] = v
		}
		names = append(names, bucket)
		start = append(start, 0)
		inc = append(inc, b2f(l <= b))
	}
	return names, start, inc
}

func (sc scenario) level(i int, k float64) float64 {
	if i == sc.driver {
		return k
	}
	return 1
}

func (sc scenario) store(k float64, steps int) *promstore.Store {
	st := &promstore.Store{}
	for i, s := range sc.series {
		names, start, inc := sc.expand(s, sc.level(i, k))
		for n, sel := range names {
			vals := make([]float64, steps+1)
			for j := range vals {
				vals[j] = start[n] + inc[n]*float64(j)
			}
			st.Add(sel.labelSet(), sc.step.Milliseconds(), vals)
		}
	}
	return st
}

func (sc scenario) inputs(k float64, steps int) []inputSeries {
	var out []inputSeries
	for i, s := range sc.series {
		names, start, inc := sc.expand(s, sc.level(i, k))
		for n, sel := range names {
			out = append(out, inputSeries{Series: seriesName(sel.name, sel.labels), Values: seriesValues(start[n], repeat(inc[n], steps))})
		}
	}
	return out
}

func repeat(x float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = x
	}
	return out
}

// firingSets evaluates a spec alert's expression every `every` up to
// horizon and applies its for:, returning per evaluation the label sets (as
// strings, sorted) of the alerts firing, and those label sets themselves.
// One range query gives every evaluation's result at once, as instant
// queries would each: the engine walks each series once and evaluates a
// subquery once for the whole range instead of once per evaluation.
func (p *planner) firingSets(st *promstore.Store, expr string, forDur, every, horizon time.Duration) ([][]string, map[string]map[string]string, error) {
	qry, err := p.engine(every).NewRangeQuery(context.Background(), st, promql.NewPrometheusQueryOpts(false, 0, nil), expr, time.Unix(0, 0), time.Unix(0, 0).Add(horizon), every)
	if err != nil {
		return nil, nil, err
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		return nil, nil, res.Err
	}
	mat, ok := res.Value.(promql.Matrix)
	if !ok {
		return nil, nil, fmt.Errorf("%s returns %s, not a vector", expr, res.Value.Type())
	}
	n := int(horizon/every) + 1
	lsets := map[string]map[string]string{}
	// active[i] holds, per evaluation, the label sets the expression returns.
	active := make([][]string, n)
	for _, series := range mat {
		l := map[string]string{}
		series.Metric.Range(func(lb labels.Label) {
			if lb.Name != model.MetricNameLabel {
				l[lb.Name] = lb.Value
			}
		})
		key := labels.FromMap(l).String()
		lsets[key] = l
		for _, p := range series.Floats {
			active[time.Duration(p.T)*time.Millisecond/every] = append(active[time.Duration(p.T)*time.Millisecond/every], key)
		}
		for _, p := range series.Histograms {
			active[time.Duration(p.T)*time.Millisecond/every] = append(active[time.Duration(p.T)*time.Millisecond/every], key)
		}
	}
	since := map[string]time.Duration{}
	out := make([][]string, n)
	for i := range n {
		at := time.Duration(i) * every
		var now []string
		on := map[string]bool{}
		for _, key := range active[i] {
			on[key] = true
			if _, ok := since[key]; !ok {
				since[key] = at
			}
			if at-since[key] >= forDur {
				now = append(now, key)
			}
		}
		for k := range since {
			if !on[k] {
				delete(since, k)
			}
		}
		sort.Strings(now)
		out[i] = now
	}
	return out, lsets, nil
}
