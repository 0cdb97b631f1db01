package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Options tune a run; the zero value is the plan as the spec says it.
type Options struct {
	// Progress receives a line, rewritten in place, every ProgressEvery.
	Progress      io.Writer
	ProgressEvery time.Duration // default 1s
	// Timeout bounds one request; default 30s, as k6's.
	Timeout time.Duration
}

// Result is what a run measured.
type Result struct {
	Plan    *Plan
	Target  string
	Elapsed time.Duration // from the first request sent to the last answer
	Total   Stats
	ByTag   []TagStats // in the plan's request order
	Codes   map[int]int
	// Errors counts the distinct transport errors (no response), by message.
	Errors map[string]int
	// Stopped says why a run ended early; empty when it ran to the end.
	Stopped string
}

// TagStats are the figures of the requests of one tag.
type TagStats struct {
	Tag string
	Stats
}

// Stats are the figures of a set of requests.
type Stats struct {
	Requests int
	Failed   int             // 5xx or no response: what the availability SLI counts
	latency  []time.Duration // sorted once the run ends
}

// ErrorRate is Failed over Requests; 1 when nothing was sent, so that an
// empty run never passes.
func (s Stats) ErrorRate() float64 {
	if s.Requests == 0 {
		return 1
	}
	return float64(s.Failed) / float64(s.Requests)
}

// Percentile is the nearest-rank q-th percentile of the latencies (q in
// 0..100): the smallest latency that at least q% of requests are within.
func (s Stats) Percentile(q float64) time.Duration {
	n := len(s.latency)
	if n == 0 {
		return 0
	}
	rank := int(ceilDiv(q*float64(n), 100))
	return s.latency[min(max(rank, 1), n)-1]
}

// ceilDiv is ⌈a/b⌉ for the rank, rounded first so that 99% of 6000 is 5940
// exactly and not 5940.000000001.
func ceilDiv(a, b float64) float64 {
	x := a / b
	r := float64(int64(x*1e9+0.5)) / 1e9
	if r == float64(int64(r)) {
		return r
	}
	return float64(int64(r) + 1)
}

// Max is the slowest answer.
func (s Stats) Max() time.Duration {
	if len(s.latency) == 0 {
		return 0
	}
	return s.latency[len(s.latency)-1]
}

// Mean is the average latency.
func (s Stats) Mean() time.Duration {
	if len(s.latency) == 0 {
		return 0
	}
	var sum time.Duration
	for _, l := range s.latency {
		sum += l
	}
	return sum / time.Duration(len(s.latency))
}

func (s *Stats) add(failed bool, l time.Duration) {
	s.Requests++
	if failed {
		s.Failed++
	}
	s.latency = append(s.latency, l)
}

// Failed is whether a result counts against availability as the SLI and
// the k6 script count it: a 5xx, or no response at all.
func Failed(code int) bool { return code == 0 || code >= 500 }

// Run sends the plan's requests to target (a base URL such as
// http://127.0.0.1:8080) at its rate for its duration, with vegeta, and
// measures them. It stops early when ctx is done, and says so.
func Run(ctx context.Context, p *Plan, target string, o Options) (*Result, error) {
	base, err := url.Parse(strings.TrimRight(target, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("target %q is not an http(s) base URL such as http://127.0.0.1:8080", target)
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	targets := make([]vegeta.Target, len(p.Requests))
	tagOf := map[string]int{} // "METHOD URL" -> index in ByTag
	res := &Result{Plan: p, Target: base.String(), Codes: map[int]int{}, Errors: map[string]int{}}
	for i, r := range p.Requests {
		h := http.Header{}
		for _, kv := range r.Headers {
			h.Set(kv[0], kv[1])
		}
		u := base.String() + r.Path
		targets[i] = vegeta.Target{Method: r.Method, URL: u, Body: []byte(r.Body), Header: h}
		key := r.Method + " " + u
		if _, ok := tagOf[key]; !ok {
			tagOf[key] = len(res.ByTag)
			res.ByTag = append(res.ByTag, TagStats{Tag: r.Tag()})
		}
	}
	atk := vegeta.NewAttacker(vegeta.Timeout(o.Timeout), vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow))
	pacer := planned{vegeta.Rate{Freq: p.Rate, Per: time.Second}, uint64(p.Total())}
	results := atk.Attack(vegeta.NewStaticTargeter(targets...), pacer, 0, p.Service)
	tick := time.NewTicker(o.ProgressEvery)
	defer tick.Stop()
	var first, last time.Time
	done := ctx.Done()
	for results != nil {
		select {
		case r, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			if first.IsZero() || r.Timestamp.Before(first) {
				first = r.Timestamp
			}
			if end := r.End(); end.After(last) {
				last = end
			}
			code := int(r.Code)
			failed := Failed(code)
			res.Codes[code]++
			if code == 0 {
				res.Errors[r.Error]++
			}
			res.Total.add(failed, r.Latency)
			if i, ok := tagOf[r.Method+" "+r.URL]; ok {
				res.ByTag[i].add(failed, r.Latency)
			}
		case <-tick.C:
			res.progress(o.Progress, time.Since(first))
		case <-done:
			res.Stopped = "interrupted: " + context.Cause(ctx).Error()
			atk.Stop()
			done = nil
		}
	}
	if !first.IsZero() {
		res.Elapsed = last.Sub(first)
	}
	slices.Sort(res.Total.latency)
	for i := range res.ByTag {
		slices.Sort(res.ByTag[i].latency)
	}
	if o.Progress != nil {
		res.progress(o.Progress, res.Elapsed)
		fmt.Fprintln(o.Progress)
	}
	return res, nil
}

// planned paces the plan's requests at its rate and stops after the last
// of them, not at a deadline: a runner that falls behind (a slow target, a
// busy machine) still sends every request, late, and the report's rate says
// so, where a deadline would cut the run to fewer requests than planned.
type planned struct {
	vegeta.Pacer
	hits uint64
}

func (p planned) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.hits {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// progress rewrites the progress line.
func (r *Result) progress(w io.Writer, elapsed time.Duration) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "\r%s: %s of %s, %d of %d requests, %d failed  ",
		r.Plan.Service, elapsed.Truncate(time.Second), r.Plan.Duration, r.Total.Requests, r.Plan.Total(), r.Total.Failed)
}

// Verdict is one threshold checked against a run.
type Verdict struct {
	Threshold
	Observed float64 // in the threshold's unit: a rate, or milliseconds
	Pass     bool
}

// Verdicts checks every threshold of the plan against the run, in the
// plan's order. A run that sent nothing fails them all.
func (r *Result) Verdicts() []Verdict {
	var out []Verdict
	for _, t := range r.Plan.Thresholds {
		v := Verdict{Threshold: t}
		if t.Metric == MetricFailed {
			v.Observed = r.Total.ErrorRate()
		} else {
			v.Observed = float64(r.Total.Percentile(t.Percentile)) / float64(time.Millisecond)
		}
		v.Pass = r.Total.Requests > 0 && v.Observed < t.Limit
		out = append(out, v)
	}
	return out
}

// Pass is whether every threshold held and the run was not cut short.
func (r *Result) Pass() bool {
	if r.Stopped != "" || r.Total.Requests == 0 {
		return false
	}
	for _, v := range r.Verdicts() {
		if !v.Pass {
			return false
		}
	}
	return true
}
