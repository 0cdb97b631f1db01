package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// BaseURLEnv is the environment variable the script reads the service's base
// URL from: k6 run -e BASE_URL=https://api.staging.example.
const BaseURLEnv = "BASE_URL"

// SummaryEnv names the file the script writes k6's end-of-test summary to.
const SummaryEnv = "SUMMARY"

// SummaryFile is where the summary goes by default: k6-summary-api.json.
func (p *Plan) SummaryFile() string { return "k6-summary-" + p.Service + ".json" }

// TagName is the tag the script puts on every request, "GET /v1/orders",
// so that k6's summary and outputs split by it as the runner's report does.
const TagName = "request"

// Script is the k6 script of p: a constant-arrival-rate scenario at the
// plan's rate for its duration, over its requests in turn, with the SLOs as
// thresholds. The engine puts the header on it; it is JSON data in a fixed
// frame, so that every value is quoted by encoding/json, not by hand.
func (p *Plan) Script() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Load test of %s: %s.\n", p.Service, p.Describe())
	b.WriteString("// Its thresholds are the service's SLOs; a breach fails the run:\n")
	if len(p.Thresholds) == 0 {
		b.WriteString("//   none: the service has no availability or latency SLO, so this run only measures.\n")
	}
	for _, t := range p.Thresholds {
		fmt.Fprintf(&b, "//   %s: %s %s (%s)\n", t.SLO, t.Metric, t.Expr(), t.Meaning())
	}
	if len(p.Unmeasured) > 0 {
		fmt.Fprintf(&b, "// Not measured by a load test (custom SLIs): %s.\n", strings.Join(p.Unmeasured, ", "))
	}
	fmt.Fprintf(&b, "// Run it with k6: k6 run -e %s=https://%s.staging.example loadtests/%s.js\n", BaseURLEnv, p.Service, p.Service)
	fmt.Fprintf(&b, "// or the Go baseline runner: groundwork loadtest %s --target URL\n", p.Service)
	b.WriteString(`import http from 'k6/http';
import exec from 'k6/execution';

const BASE_URL = (__ENV.` + BaseURLEnv + ` || '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('set ` + BaseURLEnv + ` to the base URL of the service under test, e.g. k6 run -e ` + BaseURLEnv + `=http://127.0.0.1:8080 ` + p.Service + `.js');
}

// The availability SLI counts 5xx responses (and no response) as errors, not
// 4xx: http_req_failed must count the same.
http.setResponseCallback(http.expectedStatuses({ min: 100, max: 499 }));

`)
	b.WriteString("/** @type {{tag: string, method: string, path: string, body: string | null, headers: Record<string, string>}[]} */\nconst requests = ")
	b.Write(indentJSON(p.jsRequests()))
	b.WriteString(";\n\n/** @type {import('k6/options').Options} */\nexport const options = ")
	b.Write(indentJSON(p.jsOptions()))
	b.WriteString(`;

// Each iteration sends the next request in turn, across all VUs.
export default function () {
  const r = requests[exec.scenario.iterationInTest % requests.length];
  http.request(r.method, BASE_URL + r.path, r.body, { headers: r.headers, tags: { ` + TagName + `: r.tag } });
}

/**
 * The whole summary goes to a JSON file for CI to keep (` + SummaryEnv + ` names
 * it); stdout gets each threshold's verdict and the figures they bound.
 * @param {{metrics: Record<string, {values: Record<string, number>, thresholds?: Record<string, {ok: boolean}>}>}} data
 * @returns {Record<string, string>}
 */
export function handleSummary(data) {
  const lines = ['` + p.Service + `: SLO thresholds'];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds || {})) {
      lines.push('  ' + (t.ok ? 'pass' : 'FAIL') + '  ' + metric + ': ' + expr);
    }
  }
  for (const metric of ['http_reqs', 'http_req_failed', 'http_req_duration']) {
    const m = data.metrics[metric];
    if (m) {
      lines.push('  ' + metric + ' ' + JSON.stringify(m.values));
    }
  }
  return {
    stdout: lines.join('\n') + '\n',
    [__ENV.` + SummaryEnv + ` || '` + p.SummaryFile() + `']: JSON.stringify(data, null, 2),
  };
}
`)
	return b.Bytes()
}

// Meaning says in words what a threshold asks.
func (t Threshold) Meaning() string {
	if t.Metric == MetricFailed {
		return fmt.Sprintf("at most %s%% of requests fail", num(t.Limit*100))
	}
	return fmt.Sprintf("%s%% of requests within %sms", num(t.Percentile), num(t.Limit))
}

type jsRequest struct {
	Tag     string            `json:"tag"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Body    *string           `json:"body"` // null: no body
	Headers map[string]string `json:"headers"`
}

func (p *Plan) jsRequests() []jsRequest {
	out := make([]jsRequest, 0, len(p.Requests))
	for _, r := range p.Requests {
		jr := jsRequest{Tag: r.Tag(), Method: r.Method, Path: r.Path, Headers: map[string]string{}}
		if r.Body != "" {
			body := r.Body
			jr.Body = &body
		}
		for _, h := range r.Headers {
			jr.Headers[h[0]] = h[1] // encoding/json sorts map keys
		}
		out = append(out, jr)
	}
	return out
}

type jsScenario struct {
	Executor        string `json:"executor"`
	Rate            int    `json:"rate"`
	TimeUnit        string `json:"timeUnit"`
	Duration        string `json:"duration"`
	PreAllocatedVUs int    `json:"preAllocatedVUs"`
	MaxVUs          int    `json:"maxVUs"`
}

type jsThreshold struct {
	Threshold      string `json:"threshold"`
	AbortOnFail    bool   `json:"abortOnFail"`
	DelayAbortEval string `json:"delayAbortEval"`
}

type jsOptions struct {
	Scenarios  map[string]jsScenario `json:"scenarios"`
	Thresholds map[string][]any      `json:"thresholds"`
	// SummaryTrendStats puts every percentile a threshold bounds in the
	// end-of-test summary, beside the usual ones.
	SummaryTrendStats []string `json:"summaryTrendStats"`
}

// VUs is how many virtual users k6 starts with and may grow to: enough for
// the rate at a second per request, and room for four times that.
func (p *Plan) VUs() (pre, most int) {
	pre = min(max(p.Rate, 1), 1000)
	return pre, 4 * pre
}

func (p *Plan) jsOptions() jsOptions {
	pre, maxVUs := p.VUs()
	o := jsOptions{
		Scenarios: map[string]jsScenario{p.Service: {
			Executor: "constant-arrival-rate", Rate: p.Rate, TimeUnit: "1s",
			Duration: k6Duration(p.Duration), PreAllocatedVUs: pre, MaxVUs: maxVUs,
		}},
		Thresholds:        map[string][]any{},
		SummaryTrendStats: p.TrendStats(),
	}
	for _, t := range p.Thresholds {
		var v any = t.Expr()
		if t.AbortOnFail {
			v = jsThreshold{Threshold: t.Expr(), AbortOnFail: true, DelayAbortEval: k6Duration(t.AbortDelay)}
		}
		o.Thresholds[t.Metric] = append(o.Thresholds[t.Metric], v)
	}
	return o
}

// TrendStats are the latency statistics both the k6 summary and the
// report show: the usual ones and every percentile a threshold bounds.
func (p *Plan) TrendStats() []string {
	stats := []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"}
	for _, t := range p.Thresholds {
		if t.Metric != MetricDuration {
			continue
		}
		s := "p(" + num(t.Percentile) + ")"
		found := false
		for _, have := range stats {
			found = found || have == s
		}
		if !found {
			stats = append(stats, s)
		}
	}
	return stats
}

// k6Duration writes d as k6 reads it, in whole seconds where it can: "120s".
func k6Duration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(int64(math.Ceil(float64(d)/float64(time.Millisecond))), 10) + "ms"
}

func indentJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // plain values always encode
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
