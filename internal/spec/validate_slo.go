package spec

// SLOs: objectives, windows, the built-in and custom SLIs, and the
// thresholds that tests and dashboards read from alert expressions.

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// sliWindow is what custom SLI queries are rendered with at validation: any
// valid range makes the same parse.
const sliWindow = "5m"

func (c *checker) slo(s *Service, o *SLO, path string, seen map[string]string) {
	src := s.Source
	if o.Name == "" {
		c.required(src, path+".name", "the SLO's name")
	} else if c.dnsLabel(src, path+".name", o.Name) {
		c.unique(src, seen, path+".name", "SLO", o.Name)
	}
	if !src.Has(path + ".objective") {
		c.required(src, path+".objective", "a percentage such as 99.9")
	} else if o.Objective <= 0 || o.Objective >= 100 {
		c.errorf(src, KindValue, path+".objective", "%v is outside (0, 100); an objective is a percentage of good events, such as 99.9", o.Objective)
	}
	switch o.SLI.Builtin {
	case SLIAvailability, SLILatency:
		if !s.HTTP() {
			c.errorf(src, KindValue, path+".sli", "the built-in %q SLI measures HTTP requests and %s has no port; use custom errors and total queries", o.SLI.Builtin, s.Name)
		}
	case "":
		if !src.Has(path + ".sli") {
			c.required(src, path+".sli", "availability, latency, or errors and total queries")
		} else {
			c.customSLI(src, path+".sli.errors", o.SLI.Errors)
			c.customSLI(src, path+".sli.total", o.SLI.Total)
		}
	default:
		c.enum(src, path+".sli", o.SLI.Builtin, SLIAvailability, SLILatency)
	}
	if o.SLI.Builtin == SLILatency {
		if o.Threshold == "" {
			c.required(src, path+".threshold", "the latency a good request stays under, e.g. 300ms")
		} else {
			c.duration(src, path+".threshold", o.Threshold)
		}
	} else if o.Threshold != "" {
		c.errorf(src, KindValue, path+".threshold", "a threshold applies only to the latency SLI")
	}
	if w, ok := c.duration(src, path+".window", o.Window); ok {
		if w%(24*time.Hour) != 0 || w < 24*time.Hour || w > 90*24*time.Hour {
			c.errorf(src, KindValue, path+".window", "%q is not a whole number of days from 1d to 90d", string(o.Window))
		} else if o.Objective > 0 && o.Objective < 100 {
			c.reachable(src, o, path, w)
		}
	}
}

// reachable refuses an SLO whose burn tier could never fire: a tier fires
// when the error ratio exceeds its factor times the error budget, and a ratio
// cannot exceed 1.
func (c *checker) reachable(src *Source, o *SLO, path string, window time.Duration) {
	for _, t := range o.Tiers() {
		f := t.Factor(window)
		if f*o.ErrorBudget() < 1 {
			continue
		}
		tier := "page"
		if t.Severity == SeverityTicket {
			tier = "ticket"
		}
		c.errorf(src, KindValue, path+".objective", "%v leaves an error budget of %.4g%%, and the %s tier fires only when more than %.4g times that budget (%.4g%% of events) fail, which cannot happen; raise the objective above %.4f or switch the tier off with alerting: {%s: false}",
			o.Objective, 100*o.ErrorBudget(), t.Name, f, 100*f*o.ErrorBudget(), 100*(1-1/f), tier)
		return
	}
}

// Threshold is what a spec alert's expression compares: a query, the
// comparison, and the number. The generated test drives the query to either
// side of it, and the dashboard plots the query with the number as a line.
type Threshold struct {
	Query parser.Expr
	Op    parser.ItemType
	Value float64
}

// AlertThreshold splits `<query> <op> <number>`; ok is false for any other
// shape, such as a comparison of two queries or one with bool.
func AlertThreshold(expr parser.Expr) (t Threshold, ok bool) {
	b, isBin := unparen(expr).(*parser.BinaryExpr)
	if !isBin || !b.Op.IsComparisonOperator() || b.ReturnBool || b.LHS.Type() != parser.ValueTypeVector {
		return t, false
	}
	n, num := unparen(b.RHS).(*parser.NumberLiteral)
	if !num {
		return t, false
	}
	return Threshold{Query: b.LHS, Op: b.Op, Value: n.Val}, true
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// customSLI checks a Sloth-style query: a template with {{.window}} that
// renders to valid PromQL.
func (c *checker) customSLI(src *Source, path, q string) {
	if q == "" {
		c.required(src, path, "a PromQL query with {{.window}} as its range")
		return
	}
	if !strings.Contains(q, "{{.window}}") {
		c.errorf(src, KindValue, path, "the query has no {{.window}}; write its range as [{{.window}}] so each burn-rate window can be filled in")
		return
	}
	rendered, err := RenderSLIQuery(q, sliWindow)
	if err != nil {
		c.errorf(src, KindValue, path, "not a valid template: %v", err)
		return
	}
	if _, err := c.promql.ParseExpr(rendered); err != nil {
		c.errorf(src, KindValue, path, "not valid PromQL once {{.window}} is %s: %v", sliWindow, err)
	}
}

// RenderSLIQuery fills a custom SLI query's {{.window}} with a range.
// {{.window}} is the only action a query may hold: the query is not run as a
// Go template, whose range over a number or nested loops would let a spec
// make the loader render gigabytes.
func RenderSLIQuery(q, window string) (string, error) {
	if rest := strings.ReplaceAll(q, sliPlaceholder, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return "", fmt.Errorf("only %s may be written between {{ and }}", sliPlaceholder)
	}
	return strings.ReplaceAll(q, sliPlaceholder, window), nil
}

// sliPlaceholder is where a custom SLI query's range goes.
const sliPlaceholder = "{{.window}}"
