package orders

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the families the orders export of their own, beside the HTTP
// and pool families of backend/metrics. The service's spec names them: its
// checkout SLO divides checkout_failures_total by checkout_attempts_total,
// and its OrderQueueBacklog alert watches orders_queue_depth.
//
//	checkout_attempts_total   counter: POST /v1/orders requests, whatever their outcome
//	checkout_failures_total   counter: those answered with a server-side error (5xx)
//	orders_queue_depth        gauge: orders waiting to be processed (status pending)
//
// A checkout is the creation of an order. A body the API refuses (400) is
// an attempt that did not fail on the server's side, as the availability SLO
// counts it, so that a client sending bad bodies cannot spend the budget.
type Metrics struct {
	attempts, failures prometheus.Counter
}

// MetricNames lists the families [NewMetrics] registers, sorted.
var MetricNames = []string{"checkout_attempts_total", "checkout_failures_total", "orders_queue_depth"}

// queueTimeout bounds the count orders_queue_depth runs at each scrape, well
// within Prometheus's default scrape timeout of 10s, so that a slow database
// costs the scrape this one gauge rather than every family.
const queueTimeout = 2 * time.Second

// NewMetrics registers the orders' families on reg. orders_queue_depth is
// counted in store at scrape time.
func NewMetrics(reg prometheus.Registerer, store *Store) *Metrics {
	m := &Metrics{
		attempts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "checkout_attempts_total",
			Help: "Checkouts attempted: requests to create an order.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "checkout_failures_total",
			Help: "Checkouts that failed on the server's side: order creations answered with a 5xx.",
		}),
	}
	reg.MustRegister(m.attempts, m.failures, &queueCollector{
		store: store,
		desc: prometheus.NewDesc("orders_queue_depth",
			"Orders waiting to be processed (status pending), counted at scrape time.", nil, nil),
	})
	return m
}

// queueCollector counts the waiting orders when scraped, so that every
// replica reports the table as it is, with nothing running between scrapes.
type queueCollector struct {
	store *Store
	desc  *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect sends nothing when the count fails: a collector error would fail
// the whole scrape, and the request metrics that show the outage would be
// lost with it. The gauge's series goes stale instead, which the backlog
// alert reads as no backlog; the availability SLO is what pages then.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	n, err := c.store.Pending(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
