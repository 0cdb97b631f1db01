package loadtest

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Meta is what a report says about where and how a run happened; the
// command fills it, so that the report's figures are the run's alone.
type Meta struct {
	Date        string // e.g. 2026-12-01 16:20 UTC
	Command     string // the command line that ran it
	Machine     string // OS, CPU, cores, Go version
	Environment string // what the target is, e.g. "local api in its staging configuration"
}

// Report writes the Markdown report of a run: the verdict, each SLO
// threshold with the figure it was checked against, then the figures.
func (r *Result) Report(w io.Writer, m Meta) error {
	p := r.Plan
	var b strings.Builder
	verdict := "PASS"
	if !r.Pass() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "# Load test of %s: %s\n\n", p.Service, verdict)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "- **%s:** %s\n", k, v)
		}
	}
	row("Date", m.Date)
	row("Target", "`"+r.Target+"`")
	row("Environment", m.Environment)
	row("Plan", p.Describe()+" (`"+p.Source+"`, the plan `loadtests/"+p.Service+".js` runs in k6)")
	row("Command", "`"+m.Command+"`")
	row("Machine", m.Machine)
	row("Runner", "groundwork loadtest (vegeta); latency is from sending the request to reading the whole answer, connection setup included")
	if r.Stopped != "" {
		row("Stopped early", r.Stopped)
	}

	b.WriteString("\n## SLO thresholds\n\n")
	vs := r.Verdicts()
	if len(vs) == 0 && len(p.Unmeasured) == 0 {
		b.WriteString("The service has no SLO, so nothing can fail: the figures below are the baseline.\n")
	} else {
		b.WriteString("| SLO | k6 threshold | means | observed | verdict |\n|---|---|---|---|---|\n")
		for _, v := range vs {
			fmt.Fprintf(&b, "| %s | `%s: %s` | %s | %s | %s |\n", v.SLO, v.Metric, v.Expr(), v.Meaning(), v.observed(), passFail(v.Pass))
		}
		for _, name := range p.Unmeasured {
			fmt.Fprintf(&b, "| %s | none | a custom SLI, which a load test cannot see | | not measured |\n", name)
		}
	}

	b.WriteString("\n## Figures\n\n")
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(&b, "%d requests in %s (planned %d): %s requests/s sent, %s/s answered without a 5xx; error rate %s.\n\n",
		r.Total.Requests, r.Elapsed.Round(time.Millisecond), p.Total(), perSec(r.Total.Requests, secs),
		perSec(r.Total.Requests-r.Total.Failed, secs), pct(r.Total.ErrorRate()))
	cols := []float64{50, 90, 95, 99}
	for _, t := range p.Thresholds {
		if t.Metric == MetricDuration && !slices.Contains(cols, t.Percentile) {
			cols = append(cols, t.Percentile)
		}
	}
	slices.Sort(cols)
	b.WriteString("| requests | count | failed | error rate | mean |")
	for _, q := range cols {
		fmt.Fprintf(&b, " p(%s) |", num(q))
	}
	b.WriteString(" max |\n|---|---|---|---|---|")
	b.WriteString(strings.Repeat("---|", len(cols)+1) + "\n")
	line := func(name string, s Stats) {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |", name, s.Requests, s.Failed, pct(s.ErrorRate()), ms(s.Mean()))
		for _, q := range cols {
			fmt.Fprintf(&b, " %s |", ms(s.Percentile(q)))
		}
		fmt.Fprintf(&b, " %s |\n", ms(s.Max()))
	}
	line("all", r.Total)
	for _, t := range r.ByTag {
		line("`"+t.Tag+"`", t.Stats)
	}

	b.WriteString("\nStatus codes: ")
	codes := make([]int, 0, len(r.Codes))
	for c := range r.Codes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for i, c := range codes {
		if i > 0 {
			b.WriteString(", ")
		}
		name := strconv.Itoa(c)
		if c == 0 {
			name = "no response"
		}
		fmt.Fprintf(&b, "%s × %d", name, r.Codes[c])
	}
	b.WriteString(".\n")
	if len(r.Errors) > 0 {
		b.WriteString("\nErrors without a response:\n\n")
		msgs := make([]string, 0, len(r.Errors))
		for e := range r.Errors {
			msgs = append(msgs, e)
		}
		slices.Sort(msgs)
		for i, e := range msgs {
			if i == 10 {
				fmt.Fprintf(&b, "- and %d more kinds\n", len(msgs)-10)
				break
			}
			fmt.Fprintf(&b, "- %d × `%s`\n", r.Errors[e], strings.ReplaceAll(e, "`", "'"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (v Verdict) observed() string {
	if v.Metric == MetricFailed {
		return pct(v.Observed)
	}
	return strconv.FormatFloat(v.Observed, 'f', 1, 64) + "ms"
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

func pct(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 2, 64) + "%" }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}

func perSec(n int, secs float64) string {
	if secs <= 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(n)/secs, 'f', 1, 64)
}
