package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolStater is what [NewPoolCollector] reads; *pgxpool.Pool satisfies it.
type PoolStater interface {
	Stat() *pgxpool.Stat
}

// poolCollector reads the pool's statistics at scrape time, rather than
// copying them into gauges on a timer, so that a scrape always sees the pool
// as it is and nothing runs between scrapes.
type poolCollector struct {
	pool PoolStater

	acquired, idle, max, acquireCount, acquireDuration *prometheus.Desc
}

// NewPoolCollector returns a collector of the db_pool_* families for pool.
// Register it on the service's registry once per pool. Saturation
// (acquired close to max) and a growing acquire duration are what a
// database dashboard shows before requests start failing.
func NewPoolCollector(pool PoolStater) prometheus.Collector {
	return &poolCollector{
		pool: pool,
		acquired: prometheus.NewDesc("db_pool_acquired_connections",
			"Connections currently checked out of the pool.", nil, nil),
		idle: prometheus.NewDesc("db_pool_idle_connections",
			"Connections open and idle in the pool.", nil, nil),
		max: prometheus.NewDesc("db_pool_max_connections",
			"Most connections the pool will open.", nil, nil),
		acquireCount: prometheus.NewDesc("db_pool_acquire_count_total",
			"Successful acquisitions of a connection from the pool.", nil, nil),
		acquireDuration: prometheus.NewDesc("db_pool_acquire_duration_seconds_total",
			"Total time spent waiting for successful acquisitions.", nil, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.acquired
	ch <- c.idle
	ch <- c.max
	ch <- c.acquireCount
	ch <- c.acquireDuration
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquireCount, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.acquireDuration, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
