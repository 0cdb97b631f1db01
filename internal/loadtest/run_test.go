package loadtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// server answers with known latency and errors: /ok at once; /slow after
// 60ms; /flaky a 500 on every 10th of its requests, a 404 (which the
// availability SLI does not count) on every 10th but 5, 201 otherwise;
// /drop hangs up without an answer.
func server(t *testing.T) (url string, seen func(string) int64) {
	t.Helper()
	var flaky, ok, slow, drop atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { ok.Add(1) })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		slow.Add(1)
		time.Sleep(60 * time.Millisecond)
	})
	mux.HandleFunc("POST /flaky", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Test") != "yes" {
			http.Error(w, "headers missing", http.StatusBadRequest)
			return
		}
		switch n := flaky.Add(1); {
		case n%10 == 0:
			http.Error(w, "boom", http.StatusInternalServerError)
		case n%10 == 5:
			http.NotFound(w, r)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	})
	mux.HandleFunc("GET /drop", func(w http.ResponseWriter, r *http.Request) {
		drop.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	counters := map[string]*atomic.Int64{"/ok": &ok, "/slow": &slow, "/flaky": &flaky, "/drop": &drop}
	return srv.URL, func(p string) int64 { return counters[p].Load() }
}

func plan(rate int, d time.Duration, slos []*spec.SLO, reqs ...*spec.Request) *Plan {
	p := New(&spec.Service{Name: "svc", SLOs: slos, Loadtest: &spec.Loadtest{Rate: rate, Duration: "1s", Requests: reqs}})
	p.Duration = d
	return p
}

func lat(name string, obj float64, th string) *spec.SLO {
	return &spec.SLO{Name: name, Objective: obj, SLI: spec.SLI{Builtin: spec.SLILatency}, Threshold: spec.Duration(th)}
}

func avail(obj float64) *spec.SLO {
	return &spec.SLO{Name: "availability", Objective: obj, SLI: spec.SLI{Builtin: spec.SLIAvailability}}
}

// 100/s for 2s over /ok, /ok and /slow, round-robin: 200 requests, a third
// of them 60ms or more. p(50) is a fast one, with a sixth of the requests
// to spare (half fast, half slow put the median on the boundary, where one
// fast request slowed by a loaded machine made it a slow one), p(90) a
// slow one; nothing fails.
func TestRunLatency(t *testing.T) {
	t.Parallel()
	url, seen := server(t)
	p := plan(100, 2*time.Second,
		[]*spec.SLO{avail(99.9), lat("median", 50, "30ms"), lat("p90", 90, "30ms"), lat("p99", 99, "1s")},
		&spec.Request{Method: "GET", Path: "/ok"}, &spec.Request{Method: "GET", Path: "/ok"}, &spec.Request{Method: "GET", Path: "/slow"})
	var progress bytes.Buffer
	res, err := Run(context.Background(), p, url+"/", Options{Progress: &progress, ProgressEvery: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Requests != 200 || res.Total.Failed != 0 || seen("/ok") != 134 || seen("/slow") != 66 {
		t.Fatalf("%d requests, %d failed, server saw %d /ok and %d /slow; want 200, 0, 134, 66",
			res.Total.Requests, res.Total.Failed, seen("/ok"), seen("/slow"))
	}
	if len(res.ByTag) != 2 || res.ByTag[0].Tag != "GET /ok" || res.ByTag[0].Requests != 134 || res.ByTag[1].Requests != 66 {
		t.Fatalf("by tag %+v", res.ByTag)
	}
	if got := res.ByTag[1].Percentile(0); got < 60*time.Millisecond {
		t.Errorf("fastest /slow took %v, under the server's 60ms", got)
	}
	if res.Codes[200] != 200 {
		t.Errorf("codes %v, want 200 × 200", res.Codes)
	}
	verdicts := map[string]bool{}
	for _, v := range res.Verdicts() {
		verdicts[v.SLO] = v.Pass
	}
	want := map[string]bool{"availability": true, "median": true, "p90": false, "p99": true}
	for k, w := range want {
		if verdicts[k] != w {
			t.Errorf("%s: pass %v, want %v (verdicts %+v)", k, verdicts[k], w, res.Verdicts())
		}
	}
	if res.Pass() {
		t.Error("the run passes with p90 failing")
	}
	if !strings.Contains(progress.String(), "svc: ") || !strings.Contains(progress.String(), "of 200 requests") {
		t.Errorf("progress %q", progress.String())
	}
	var report bytes.Buffer
	if err := res.Report(&report, Meta{Date: "2026-12-01 10:00 UTC", Command: "groundwork loadtest svc --target X", Machine: "test", Environment: "httptest"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"# Load test of svc: FAIL",
		"| p90 | `http_req_duration: p(90)<30` | 90% of requests within 30ms |",
		"| median | `http_req_duration: p(50)<30` | 50% of requests within 30ms |",
		"| availability | `http_req_failed: rate<0.001` | at most 0.1% of requests fail | 0.00% | pass |",
		"| all | 200 | 0 | 0.00% |",
		"| `GET /ok` | 134 | 0 | 0.00% |",
		"200 requests in ",
		"Status codes: 200 × 200.",
		"- **Environment:** httptest",
	} {
		if !strings.Contains(report.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, report.String())
		}
	}
	if !strings.Contains(report.String(), "| p90 |") || !strings.Contains(lineWith(report.String(), "| p90 |"), "**FAIL**") {
		t.Errorf("p90 is not marked FAIL:\n%s", report.String())
	}
}

// 100/s for 2s over /flaky (with headers and a body) and /drop: 100 each;
// 10 of /flaky's are 500s, 10 are 404s; every /drop has no answer. The
// error rate counts 5xx and no answer, not 404: 110 of 200.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	url, seen := server(t)
	p := plan(100, 2*time.Second, []*spec.SLO{avail(50)},
		&spec.Request{Method: "POST", Path: "/flaky", Body: `{"a":1}`, Headers: map[string]string{"Content-Type": "application/json", "X-Test": "yes"}},
		&spec.Request{Method: "GET", Path: "/drop"})
	res, err := Run(context.Background(), p, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if seen("/flaky") != 100 {
		t.Fatalf("server saw %d /flaky with the headers, want 100 (codes %v)", seen("/flaky"), res.Codes)
	}
	if res.Total.Requests != 200 || res.Total.Failed != 110 {
		t.Fatalf("%d requests, %d failed; want 200, 110 (codes %v)", res.Total.Requests, res.Total.Failed, res.Codes)
	}
	if res.Codes[500] != 10 || res.Codes[404] != 10 || res.Codes[201] != 80 || res.Codes[0] != 100 || len(res.Errors) == 0 {
		t.Errorf("codes %v errors %v", res.Codes, res.Errors)
	}
	v := res.Verdicts()
	if len(v) != 1 || v[0].Observed != 0.55 || v[0].Pass {
		t.Errorf("verdicts %+v; want 0.55 against 0.5, failing", v)
	}
	var report bytes.Buffer
	res.Report(&report, Meta{})
	for _, s := range []string{
		"| availability | `http_req_failed: rate<0.5` | at most 50% of requests fail | 55.00% | **FAIL** |",
		"| `POST /flaky` | 100 | 10 | 10.00% |",
		"| `GET /drop` | 100 | 100 | 100.00% |",
		"no response × 100",
		"Errors without a response:",
	} {
		if !strings.Contains(report.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, report.String())
		}
	}
}

// A run cut short fails, whatever its figures, and says why; a run with no
// SLO says there is nothing to fail.
func TestRunInterruptedAndNoSLOs(t *testing.T) {
	t.Parallel()
	url, _ := server(t)
	p := plan(50, time.Minute, nil, &spec.Request{Method: "GET", Path: "/ok"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, p, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second || res.Stopped == "" || res.Pass() {
		t.Fatalf("a cancelled run took %v, stopped %q, pass %v", time.Since(start), res.Stopped, res.Pass())
	}
	var report bytes.Buffer
	res.Report(&report, Meta{})
	for _, s := range []string{"# Load test of svc: FAIL", "**Stopped early:** interrupted", "The service has no SLO"} {
		if !strings.Contains(report.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, report.String())
		}
	}
	if _, err := Run(context.Background(), p, "ftp://x", Options{}); err == nil {
		t.Error("an ftp target is accepted")
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
