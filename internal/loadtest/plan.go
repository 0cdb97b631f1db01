// Package loadtest is the one model of a service's load test: the requests
// it sends, at what rate and for how long, and the thresholds it must hold,
// which are the service's SLOs. Both outputs read it: the k6 script that CI
// runs against staging (Script) and the Go baseline runner built on vegeta
// (Run), so the two cannot drift.
package loadtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The k6 metrics the thresholds bound.
const (
	MetricFailed   = "http_req_failed"   // a 5xx or no response, over all requests
	MetricDuration = "http_req_duration" // milliseconds from sending to the last byte
)

// Plan is the load test of one service.
type Plan struct {
	Service  string
	Source   string // the spec it comes from, e.g. specs/services/api.yaml
	Rate     int    // requests per second, spread round-robin over Requests
	Duration time.Duration
	Requests []Request
	// Thresholds are the SLOs a load test measures, in spec order.
	Thresholds []Threshold
	// Unmeasured are the SLOs whose SLI a load test cannot see (custom
	// events), named so that the script and the report say so.
	Unmeasured []string
}

// Request is one request of the round-robin.
type Request struct {
	Method  string
	Path    string
	Body    string
	Headers [][2]string // sorted by name
}

// Tag is how the script's tags and the report's rows name the request:
// "GET /v1/orders". Two requests of one method and path share it.
func (r Request) Tag() string { return r.Method + " " + r.Path }

// Threshold is one SLO as a bound on a k6 metric.
type Threshold struct {
	SLO    string
	Metric string // MetricFailed or MetricDuration
	// Percentile is the objective, for MetricDuration: p(99) of 99.
	Percentile float64
	// Limit is the bound: the error budget as a rate for MetricFailed
	// (0.001 for 99.9), the latency threshold in milliseconds for
	// MetricDuration. The measured figure must be below it.
	Limit float64
	// AbortOnFail stops a k6 run once the bound is broken, after
	// AbortDelay: a staging that answers nothing but errors is not worth
	// minutes more. Latency percentiles are left to the end of the run.
	AbortOnFail bool
	AbortDelay  time.Duration
}

// Expr is the k6 threshold expression: "rate<0.001", "p(99)<300".
func (t Threshold) Expr() string {
	if t.Metric == MetricFailed {
		return "rate<" + num(t.Limit)
	}
	return "p(" + num(t.Percentile) + ")<" + num(t.Limit)
}

// Stat names the statistic the bound compares, as the report prints it.
func (t Threshold) Stat() string {
	if t.Metric == MetricFailed {
		return "error rate"
	}
	return "p(" + num(t.Percentile) + ") latency"
}

// num prints a bound the shortest way that reads back exactly, rounded to
// ten significant digits first: (100-99.9)/100 is 0.000999…, and the
// threshold means 0.001.
func num(f float64) string {
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 10, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// abortDelay lets a run warm up before an availability bound can abort it.
const abortDelay = 30 * time.Second

// New is the plan of s, or nil when s has no load test.
func New(s *spec.Service) *Plan {
	lt := s.Loadtest
	if lt == nil {
		return nil
	}
	p := &Plan{Service: s.Name, Rate: lt.Rate, Duration: lt.Duration.Value()}
	if s.Source != nil {
		p.Source = s.Source.Path
	}
	for _, r := range lt.Requests {
		req := Request{Method: r.Method, Path: r.Path, Body: r.Body}
		for k, v := range r.Headers {
			req.Headers = append(req.Headers, [2]string{k, v})
		}
		slices.SortFunc(req.Headers, func(a, b [2]string) int {
			if a[0] < b[0] {
				return -1
			} else if a[0] > b[0] {
				return 1
			}
			return 0
		})
		p.Requests = append(p.Requests, req)
	}
	for _, o := range s.SLOs {
		switch o.SLI.Builtin {
		case spec.SLIAvailability:
			p.Thresholds = append(p.Thresholds, Threshold{
				SLO: o.Name, Metric: MetricFailed, Limit: o.ErrorBudget(),
				AbortOnFail: true, AbortDelay: min(abortDelay, p.Duration/2),
			})
		case spec.SLILatency:
			ms := float64(o.Threshold.Value()) / float64(time.Millisecond)
			p.Thresholds = append(p.Thresholds, Threshold{
				SLO: o.Name, Metric: MetricDuration, Percentile: o.Objective, Limit: ms,
			})
		default:
			p.Unmeasured = append(p.Unmeasured, o.Name)
		}
	}
	return p
}

// Total is how many requests the plan sends.
func (p *Plan) Total() int {
	return int(math.Round(float64(p.Rate) * p.Duration.Seconds()))
}

// Describe is the plan in one line.
func (p *Plan) Describe() string {
	return fmt.Sprintf("%d requests/s for %s, round-robin over %d requests", p.Rate, p.Duration, len(p.Requests))
}
