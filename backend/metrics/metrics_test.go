package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// newService builds what a service builds: a registry with every collector
// of this package and a mux behind the middleware.
func newService(t *testing.T) (*prometheus.Registry, http.Handler) {
	t.Helper()
	reg := metrics.NewRegistry(metrics.BuildInfo{Version: "1.2.3", Revision: "abc123"})
	h := metrics.NewHTTP(reg, metrics.Buckets(300*time.Millisecond))
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	reg.MustRegister(metrics.NewPoolCollector(pool))
	metrics.NewBackup(reg).Succeeded(time.Unix(1700000000, 0))
	metrics.NewDrill(reg)
	metrics.NewFlagEvaluations(reg).WithLabelValues("new-checkout", "on", "STATIC").Inc()
	metrics.NewPartnerRequests(reg).WithLabelValues("globex", "k7f3a9c2d10", "200").Inc()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "order")
	})
	mux.HandleFunc("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	mux.Handle("GET /metrics", metrics.Handler(reg))
	return reg, h.Middleware(mux)
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestMiddlewareLabelsByRoutePattern(t *testing.T) {
	t.Parallel()
	reg, h := newService(t)
	serve(h, "GET", "/v1/orders/41")
	serve(h, "GET", "/v1/orders/42")
	serve(h, "GET", "/v1/orders/0")
	serve(h, "POST", "/v1/orders")
	serve(h, "GET", "/no/such/path")
	serve(h, "DELETE", "/v1/orders") // 405: no pattern matched
	serve(h, "BREW", "/v1/orders")
	func() {
		defer func() { recover() }()
		serve(h, "GET", "/panic")
	}()

	want := `
# HELP http_requests_total HTTP requests served, by status code, method and route pattern.
# TYPE http_requests_total counter
http_requests_total{code="200",method="GET",route="GET /v1/orders/{id}"} 2
http_requests_total{code="201",method="POST",route="POST /v1/orders"} 1
http_requests_total{code="404",method="GET",route="GET /v1/orders/{id}"} 1
http_requests_total{code="404",method="GET",route="unmatched"} 1
http_requests_total{code="405",method="DELETE",route="unmatched"} 1
http_requests_total{code="405",method="other",route="unmatched"} 1
http_requests_total{code="500",method="GET",route="GET /panic"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "http_requests_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "http_request_duration_seconds"); err != nil || n != 7 {
		t.Errorf("http_request_duration_seconds has %d series (%v), want 7: one per label set", n, err)
	}
}

func TestHistogramUsesConfiguredBuckets(t *testing.T) {
	t.Parallel()
	reg, h := newService(t)
	serve(h, "POST", "/v1/orders")
	mf := family(t, reg, "http_request_duration_seconds")
	var got []float64
	for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
		got = append(got, b.GetUpperBound())
	}
	if !slices.Contains(got, 0.3) {
		t.Errorf("buckets %v lack the 300ms SLO threshold", got)
	}
	if want := metrics.Buckets(300 * time.Millisecond); !slices.Equal(got, want) {
		t.Errorf("buckets = %v, want %v", got, want)
	}
}

func TestInFlight(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := metrics.NewHTTP(reg, nil)
	var during float64
	srv := h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		during = gaugeValue(t, reg, "http_requests_in_flight")
	}))
	serve(srv, "GET", "/")
	if during != 1 {
		t.Errorf("in flight during a request = %v, want 1", during)
	}
	if after := gaugeValue(t, reg, "http_requests_in_flight"); after != 0 {
		t.Errorf("in flight after it = %v, want 0", after)
	}
}

func TestBuildInfo(t *testing.T) {
	t.Parallel()
	reg, _ := newService(t)
	mf := family(t, reg, "build_info")
	m := mf.GetMetric()[0]
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["version"] != "1.2.3" || labels["revision"] != "abc123" || !strings.HasPrefix(labels["goversion"], "go") || len(labels) != 3 {
		t.Errorf("build_info labels = %v", labels)
	}
	if v := m.GetGauge().GetValue(); v != 1 {
		t.Errorf("build_info = %v, want 1", v)
	}
}

func TestPoolCollector(t *testing.T) {
	t.Parallel()
	reg, _ := newService(t)
	if v := gaugeValue(t, reg, "db_pool_max_connections"); v < 1 {
		t.Errorf("db_pool_max_connections = %v, want the pool's maximum", v)
	}
	for _, name := range []string{"db_pool_acquire_count_total", "db_pool_acquire_duration_seconds_total"} {
		if typ := family(t, reg, name).GetType(); typ != dto.MetricType_COUNTER {
			t.Errorf("%s is a %v, want a counter", name, typ)
		}
	}
	problems, err := testutil.GatherAndLint(reg, metrics.Names...)
	if err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
}

// TestNamesAreWhatIsExported keeps Names and RuntimeNames, the contract with
// the dashboard generator, equal to what a fully wired registry gathers.
func TestNamesAreWhatIsExported(t *testing.T) {
	t.Parallel()
	reg, h := newService(t)
	serve(h, "GET", "/v1/orders/1") // a vector family is gathered once it has a series
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var ours, runtime []string
	for _, mf := range mfs {
		if n := mf.GetName(); strings.HasPrefix(n, "go_") || strings.HasPrefix(n, "process_") {
			runtime = append(runtime, n)
		} else {
			ours = append(ours, n)
		}
	}
	if !slices.Equal(ours, metrics.Names) {
		t.Errorf("gathered %q\nmetrics.Names %q", ours, metrics.Names)
	}
	if !slices.Equal(runtime, metrics.RuntimeNames) {
		t.Errorf("gathered %q\nmetrics.RuntimeNames %q", runtime, metrics.RuntimeNames)
	}
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if !slices.Contains(metrics.RuntimeNames, want) {
			t.Errorf("RuntimeNames lacks %s", want)
		}
	}
}

func TestHandlerServesExpositionFormat(t *testing.T) {
	t.Parallel()
	_, h := newService(t)
	serve(h, "POST", "/v1/orders")
	body := serve(h, "GET", "/metrics").Body.String()
	for _, want := range []string{
		`http_requests_total{code="201",method="POST",route="POST /v1/orders"} 1`,
		`http_request_duration_seconds_bucket{code="201",method="POST",route="POST /v1/orders",le="0.3"} 1`,
		`build_info{goversion="go`,
		"db_pool_idle_connections 0",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestExported(t *testing.T) {
	t.Parallel()
	for series, want := range map[string]bool{
		"http_requests_total":                  true,
		"http_request_duration_seconds_bucket": true,
		"http_request_duration_seconds_count":  true,
		"http_requests_total_bucket":           false,
		"go_gc_duration_seconds_sum":           true,
		"process_cpu_seconds_total":            true,
		"http_request_duration_seconds_total":  false,
		"orders_queue_depth":                   false,
		"partner_requests_total":               true,
	} {
		if got := metrics.Exported(series); got != want {
			t.Errorf("Exported(%q) = %v, want %v", series, got, want)
		}
	}
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		thresholds []time.Duration
		want       []float64
	}{
		{"defaults", nil, prometheus.DefBuckets},
		{"new threshold inserted in order", []time.Duration{300 * time.Millisecond},
			[]float64{.005, .01, .025, .05, .1, .25, .3, .5, 1, 2.5, 5, 10}},
		{"duplicates of defaults and of each other dropped",
			[]time.Duration{500 * time.Millisecond, time.Second, 300 * time.Millisecond, 300 * time.Millisecond},
			[]float64{.005, .01, .025, .05, .1, .25, .3, .5, 1, 2.5, 5, 10}},
		{"beyond the largest default", []time.Duration{30 * time.Second, 2 * time.Millisecond},
			[]float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		{"non-positive ignored", []time.Duration{0, -time.Second}, prometheus.DefBuckets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := metrics.Buckets(tt.thresholds...); !slices.Equal(got, tt.want) {
				t.Errorf("Buckets(%v) = %v, want %v", tt.thresholds, got, tt.want)
			}
		})
	}
	if before := slices.Clone(prometheus.DefBuckets); !slices.Equal(metrics.Buckets(time.Millisecond), append([]float64{.001}, before...)) ||
		!slices.Equal(prometheus.DefBuckets, before) {
		t.Error("Buckets modified prometheus.DefBuckets")
	}
}

func TestParseThresholds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []time.Duration
		wantErr bool
	}{
		{"", nil, false},
		{"300ms,500ms", []time.Duration{300 * time.Millisecond, 500 * time.Millisecond}, false},
		{" 1.5s , ,2m ", []time.Duration{1500 * time.Millisecond, 2 * time.Minute}, false},
		{"1d", []time.Duration{24 * time.Hour}, false}, // Prometheus only
		{"300", nil, true},
		{"0s", nil, true},
		{"-1s", nil, true},
		{"fast", nil, true},
	}
	for _, tt := range tests {
		got, err := metrics.ParseThresholds(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParseThresholds(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// family gathers reg and returns the named family, failing when it is absent.
func family(t *testing.T, reg *prometheus.Registry, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	t.Fatalf("%s not gathered", name)
	return nil
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	return family(t, reg, name).GetMetric()[0].GetGauge().GetValue()
}
