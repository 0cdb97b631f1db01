package metrics

import (
	"cmp"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/internal/respond"
)

// Unmatched is the route label of requests no ServeMux pattern matched (404s
// for unknown paths, 405s), so that probing random paths adds no series.
const Unmatched = "unmatched"

// HTTP holds the request metrics of one server. Create it once per registry
// with [NewHTTP]; registering twice on one registry panics, as client_golang
// does for any duplicate.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTP registers the http_* families on reg. buckets are the histogram's
// upper bounds in seconds, normally [Buckets] of the service's latency SLO
// thresholds; nil means [Buckets] with no thresholds.
func NewHTTP(reg prometheus.Registerer, buckets []float64) *HTTP {
	if buckets == nil {
		buckets = Buckets()
	}
	labels := []string{"code", "method", "route"}
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by status code, method and route pattern.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time from the request reaching the handler to the handler returning, by status code, method and route pattern.",
			Buckets: buckets,
		}, labels),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	reg.MustRegister(h.requests, h.duration, h.inFlight)
	return h
}

// Middleware records every request next serves. next should be the
// [http.ServeMux] itself, or middleware that hands the same *http.Request on
// to it: the mux writes the matched pattern into that request's Pattern
// field, and this middleware reads it after next returns. A middleware in
// between that calls r.WithContext passes the mux a copy, and every request
// would then be labelled "unmatched".
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.inFlight.Inc()
		defer h.inFlight.Dec()
		start := time.Now()
		rec := &respond.Recorder{ResponseWriter: w}
		record := func(code int) {
			route := r.Pattern
			if route == "" {
				route = Unmatched
			}
			labels := prometheus.Labels{
				"code":   strconv.Itoa(code),
				"method": normalizeMethod(r.Method),
				"route":  route,
			}
			h.requests.With(labels).Inc()
			h.duration.With(labels).Observe(time.Since(start).Seconds())
		}
		defer func() {
			// A panicking handler is still counted, as the 500 net/http
			// turns it into when nothing was written yet, and the panic goes
			// on to net/http's own recovery.
			if p := recover(); p != nil {
				record(cmp.Or(rec.Status, http.StatusInternalServerError))
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
		record(cmp.Or(rec.Status, http.StatusOK))
	})
}
