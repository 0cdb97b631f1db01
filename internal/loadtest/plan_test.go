package loadtest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

func TestThresholdsFromSLOs(t *testing.T) {
	t.Parallel()
	lat := func(name string, obj float64, th string) *spec.SLO {
		return &spec.SLO{Name: name, Objective: obj, SLI: spec.SLI{Builtin: spec.SLILatency}, Threshold: spec.Duration(th)}
	}
	avail := func(obj float64) *spec.SLO {
		return &spec.SLO{Name: "availability", Objective: obj, SLI: spec.SLI{Builtin: spec.SLIAvailability}}
	}
	custom := &spec.SLO{Name: "checkout", Objective: 99.5, SLI: spec.SLI{Errors: "e", Total: "t"}}
	tests := []struct {
		name       string
		slos       []*spec.SLO
		duration   string
		want       []string // metric: expression
		unmeasured []string
	}{
		{"no SLOs", nil, "1m", nil, nil},
		{"availability aborts after 30s", []*spec.SLO{avail(99.9)}, "2m", []string{"http_req_failed: rate<0.001 abort after 30s"}, nil},
		{"a short run aborts after half of it", []*spec.SLO{avail(99)}, "20s", []string{"http_req_failed: rate<0.01 abort after 10s"}, nil},
		{"several latency SLOs", []*spec.SLO{lat("fast", 90, "50ms"), lat("p99", 99, "300ms"), lat("tail", 99.9, "1s500ms")}, "1m",
			[]string{"http_req_duration: p(90)<50", "http_req_duration: p(99)<300", "http_req_duration: p(99.9)<1500"}, nil},
		{"custom SLI only", []*spec.SLO{custom}, "1m", nil, []string{"checkout"}},
		{"the sample's mix", []*spec.SLO{avail(99.9), lat("latency", 99, "300ms"), custom}, "2m",
			[]string{"http_req_failed: rate<0.001 abort after 30s", "http_req_duration: p(99)<300"}, []string{"checkout"}},
		{"odd objectives", []*spec.SLO{avail(99.95), lat("l", 99.99, "250ms")}, "1m",
			[]string{"http_req_failed: rate<0.0005 abort after 30s", "http_req_duration: p(99.99)<250"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &spec.Service{Name: "svc", SLOs: tt.slos, Loadtest: &spec.Loadtest{Rate: 10, Duration: spec.Duration(tt.duration),
				Requests: []*spec.Request{{Method: "GET", Path: "/"}}}}
			p := New(s)
			var got []string
			for _, th := range p.Thresholds {
				e := th.Metric + ": " + th.Expr()
				if th.AbortOnFail {
					e += " abort after " + th.AbortDelay.String()
				}
				got = append(got, e)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("thresholds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unmeasured, p.Unmeasured); diff != "" {
				t.Errorf("unmeasured (-want +got):\n%s", diff)
			}
		})
	}
}

// The sample's api: the plan the committed baseline report ran.
func TestSamplePlan(t *testing.T) {
	t.Parallel()
	m, err := spec.Load(bins.Root())
	if err != nil {
		t.Fatal(err)
	}
	var p *Plan
	for _, s := range m.Services {
		if s.Name == "api" {
			p = New(s)
		}
	}
	if p == nil {
		t.Fatal("the sample's api has no load test")
	}
	if p.Rate != 50 || p.Duration != 2*time.Minute || p.Total() != 6000 || len(p.Requests) != 2 {
		t.Errorf("plan %s, %d requests in all; want 50/s for 2m, 6000, over 2 requests", p.Describe(), p.Total())
	}
	if got := p.Requests[1].Tag(); got != "POST /v1/orders" {
		t.Errorf("second request's tag %q", got)
	}
	if len(p.Thresholds) != 2 || p.Thresholds[0].Expr() != "rate<0.001" || p.Thresholds[1].Expr() != "p(99)<300" {
		t.Errorf("thresholds %+v; want rate<0.001 and p(99)<300", p.Thresholds)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	var s Stats
	for i := 1; i <= 200; i++ {
		s.add(false, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{50: 100, 90: 180, 99: 198, 99.5: 199, 99.9: 200, 100: 200, 0: 1} {
		if got := s.Percentile(q); got != want*time.Millisecond {
			t.Errorf("p(%v) = %v, want %v", q, got, want*time.Millisecond)
		}
	}
}
