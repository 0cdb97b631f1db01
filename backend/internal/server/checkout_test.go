package server_test

import (
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/backend/internal/orders"
	"github.com/groundwork-dev/groundwork/backend/internal/server"
)

// The families the spec's checkout SLO and OrderQueueBacklog alert name are
// exported, count what they say, and survive a database that fails: the
// scrape still answers, with the request metrics that show the failure.
func TestCheckoutAndQueueMetrics(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	scrape := func() string {
		t.Helper()
		code, body := s.do(t, "GET", "/metrics", "")
		if code != 200 {
			t.Fatalf("/metrics = %d %s", code, body)
		}
		return body
	}
	expect := func(body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w+"\n") {
				t.Errorf("/metrics lacks %q", w)
			}
		}
	}

	// Before any order the counters are 0, not absent, so that the SLO's
	// ratio has a denominator of 0 (no sample) rather than no series.
	body := scrape()
	expect(body, "checkout_attempts_total 0", "checkout_failures_total 0", "orders_queue_depth 0")
	for _, name := range orders.MetricNames {
		if !strings.Contains(body, "# TYPE "+name+" ") {
			t.Errorf("/metrics lacks the family %s", name)
		}
	}

	for _, b := range []string{`{"sku":"demo","qty":1}`, `{"sku":"demo","qty":2}`, `{"sku":"demo","qty":0}`} {
		s.do(t, "POST", "/v1/orders", b)
	}
	s.do(t, "GET", "/v1/orders", "")
	expect(scrape(), "checkout_attempts_total 3", "checkout_failures_total 0", "orders_queue_depth 2")

	// A processed order leaves the queue.
	if _, err := s.pool.Exec(t.Context(), "UPDATE orders SET status = 'processed' WHERE qty = 1"); err != nil {
		t.Fatal(err)
	}
	expect(scrape(), "orders_queue_depth 1")

	// A create that fails on the database is a failed checkout; the gauge,
	// which cannot be counted, is left out instead of failing the scrape.
	if _, err := s.pool.Exec(t.Context(), "DROP TABLE orders"); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.do(t, "POST", "/v1/orders", `{"sku":"demo","qty":1}`); code != 500 {
		t.Fatalf("POST /v1/orders without a table = %d, want 500", code)
	}
	body = scrape()
	expect(body, "checkout_attempts_total 4", "checkout_failures_total 1",
		`http_requests_total{code="500",method="POST",route="POST /v1/orders"} 1`)
	if strings.Contains(body, "\norders_queue_depth ") {
		t.Error("orders_queue_depth exported without a table to count")
	}
}
