package alerts

import (
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Check's verdict on a spec alert's test or a custom SLI's, by shape.
//
// The spec alerts and custom SLIs of many services are often one template
// with the service's name in a label matcher (queue_depth{service="api"}),
// and working out a test takes a few dozen evaluations of the query by
// Prometheus's engine: most of a thousand services' Check. When the test
// of one service's queries can be made, Check takes it as made for another
// service whose queries have the same alerting.Shape, provided the first
// queries passed provableByShape, their test found at most one series at
// each evaluation, and the second service's name is none of the values the
// first test's series can take besides the name (the verdict's values).
// The proof (the Generator, which writes the tests, takes no such
// shortcut):
//
//   - The name is only inside strings of the first queries
//     (alerting.InStringsOnly), so the second queries lex to the same
//     tokens but for those strings, and parse to the same tree but for the
//     values of the matchers that were the first name, now the second; by
//     provableByShape those are whole values of equality matchers.
//   - The series the test makes from the selectors (satisfy, histogram
//     buckets) are then the same but for the label values made from those
//     matchers: the name, where the first had its own. No other value of
//     the series is either name (values), nor any value of the queries
//     (their text but for the name is the same, and holds neither name, or
//     the shapes would differ). So the second test's queries and series are
//     the first's with the two names swapped everywhere.
//   - The nodes and functions provableByShape allows treat a label value
//     as a name: they compare values for equality only (matchers,
//     grouping, vector matching; hash collisions aside), and copy or drop
//     them; none orders, parses or rewrites one, and the matchers that
//     would (regular expressions) are not on a label the name is in; nor
//     are those that the custom SLI's check matches series with. So every
//     evaluation gives the first's result with the names swapped: the same
//     values, and as many series. With at most one series, the crossing's
//     levels and verdicts are the same, the firing tests count as many
//     alerts at each evaluation, and the SLI's ratio is the same: the
//     second test can be made too.
//
// Anything else (a query outside provableByShape, a test that cannot be
// made) is worked out for the query itself, so that a refusal keeps its
// own message.

// shapeKey is what decides a verdict: the kind of test ("spec" or "sli"),
// the shapes of its queries, and the alert's for:.
type shapeKey struct {
	kind, first, second string
	forDur              time.Duration
}

// shapeVerdict is the verdict, "can be made", of the tests of one shape,
// for any service named none of values.
type shapeVerdict struct{ values map[string]bool }

// shapeOf is the key of the test of kind of service s's queries, false
// when the service's name cannot be told apart in them.
func shapeOf(kind string, s *spec.Service, forDur time.Duration, exprs ...string) (shapeKey, bool) {
	k := shapeKey{kind: kind, forDur: forDur}
	for i, x := range exprs {
		sh, ok := alerting.Shape(x, s.Name)
		if !ok {
			return k, false
		}
		if i == 0 {
			k.first = sh
		} else {
			k.second = sh
		}
	}
	return k, true
}

// provenByShape reports whether Check may take the test of service s's
// queries of key k as made (see above).
func (p *planner) provenByShape(k shapeKey, s *spec.Service) bool {
	v, ok := p.verdicts.Load(k)
	return ok && !v.(*shapeVerdict).values[s.Name]
}

// provedByShape records that the test of service s's queries exprs, of key
// k, was made with at most one series at each evaluation, when the
// queries are provableByShape.
func (p *planner) provedByShape(k shapeKey, s *spec.Service, exprs ...string) {
	if values, ok := provableByShape(s.Name, exprs...); ok {
		p.verdicts.LoadOrStore(k, &shapeVerdict{values})
	}
}

// provableByShape reports whether queries exprs of the service named name
// are in the part of PromQL where a test's verdict is the same for every
// name (see above), and the values their test series can take besides the
// name: every value a matcher other than the name's could give a series,
// and the le bounds of a histogram's buckets. The name itself must be only
// inside strings, as the whole value of = matchers (not of __name__ or
// le), on labels no regular expression matches.
func provableByShape(name string, exprs ...string) (map[string]bool, bool) {
	values := map[string]bool{}
	ok := true
	slots := map[string]bool{} // labels the name is the value of
	var others []*labels.Matcher
	for _, x := range exprs {
		if !alerting.InStringsOnly(x, name) {
			return nil, false
		}
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(x)
		if err != nil {
			return nil, false
		}
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			switch n := node.(type) {
			case *parser.VectorSelector:
				for _, m := range n.LabelMatchers {
					switch {
					case strings.Contains(m.Name, name):
						ok = false
					case m.Value == name && m.Type == labels.MatchEqual && m.Name != model.MetricNameLabel && m.Name != labels.BucketLabel:
						slots[m.Name] = true
					case strings.Contains(m.Value, name):
						ok = false
					default:
						others = append(others, m)
					}
				}
			case *parser.AggregateExpr:
				ok = ok && nameBlindAggregations[n.Op]
			case *parser.Call:
				ok = ok && nameBlindFunctions[n.Func.Name]
			case nil, *parser.MatrixSelector, *parser.SubqueryExpr, *parser.NumberLiteral, *parser.ParenExpr,
				*parser.UnaryExpr, *parser.BinaryExpr, parser.Expressions: // nil: Inspect leaving a node
			default:
				ok = false
			}
			return nil
		})
		if th, isAlert := spec.AlertThreshold(expr); isAlert {
			for _, b := range bucketBounds(th.Value) {
				values[fnum(b)] = true
			}
			values["+Inf"] = true
		}
	}
	// The selectors of every query read every series of the test.
	for _, m := range others {
		if slots[m.Name] && (m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp) {
			ok = false
		}
		for _, v := range candidates(m) {
			values[v] = true
		}
	}
	if !ok || values[name] {
		return nil, false
	}
	return values, true
}

// nameBlindAggregations and nameBlindFunctions are those of PromQL that
// compare label values for equality at most: none sorts series, picks them
// by a hash or reads, parses or writes a label value (topk, limitk,
// count_values, sort_by_label, label_replace, info are not among them).
// absent copies the values of its selector's = matchers, and
// histogram_quantile parses le, which is never the name's label.
var (
	nameBlindAggregations = map[parser.ItemType]bool{
		parser.SUM: true, parser.AVG: true, parser.MIN: true, parser.MAX: true, parser.COUNT: true,
		parser.GROUP: true, parser.STDDEV: true, parser.STDVAR: true, parser.QUANTILE: true,
	}
	nameBlindFunctions = func() map[string]bool {
		out := map[string]bool{}
		for _, f := range []string{
			"abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
			"count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
			"floor", "histogram_quantile", "hour", "idelta", "increase", "irate", "last_over_time", "ln", "log10", "log2",
			"mad_over_time", "max_over_time", "min_over_time", "minute", "month", "predict_linear", "present_over_time",
			"quantile_over_time", "rate", "resets", "round", "scalar", "sgn", "sqrt", "stddev_over_time", "stdvar_over_time",
			"sum_over_time", "time", "timestamp", "vector", "year",
		} {
			out[f] = true
		}
		return out
	}()
)
