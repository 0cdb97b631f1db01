//go:build e2e

package observability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// traffic drives the api as its users would, and counts what it sent and
// what came back, so that the SLIs can be checked against what happened.
type traffic struct {
	t      *testing.T
	base   string
	client *http.Client

	mu sync.Mutex
	n  int // requests sent, probes not included
	// Counts of what the SLIs are made of.
	requests, failures int // all requests; those answered 5xx
	creates, failed    int // POST /v1/orders; those answered 5xx
	slow               int // creates that took longer than the latency threshold, seen from here
	ids                []int64
}

func newTraffic(t *testing.T, base string) *traffic {
	return &traffic{t: t, base: base, client: &http.Client{Timeout: 10 * time.Second}}
}

// send makes one request and counts it; a request that gets no answer at
// all fails the test, since the service's counters then cannot agree.
func (tr *traffic) send(method, path, body string) int {
	tr.t.Helper()
	req, err := http.NewRequest(method, tr.base+path, strings.NewReader(body))
	if err != nil {
		tr.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := tr.client.Do(req)
	if err != nil {
		tr.t.Errorf("%s %s: %v", method, path, err)
		return 0
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.requests++
	if resp.StatusCode >= 500 {
		tr.failures++
	}
	if method == http.MethodPost && path == "/v1/orders" {
		tr.creates++
		if resp.StatusCode >= 500 {
			tr.failed++
		}
		var o struct{ ID int64 }
		if resp.StatusCode == http.StatusCreated && json.Unmarshal(data, &o) == nil {
			tr.ids = append(tr.ids, o.ID)
		}
	}
	return resp.StatusCode
}

// next sends the next request of a fixed mix: creates, reads, and the
// client errors (400, 404) that the SLIs count as served.
func (tr *traffic) next() {
	tr.mu.Lock()
	i := tr.n
	tr.n++
	id := int64(1)
	if len(tr.ids) > 0 {
		id = tr.ids[i%len(tr.ids)]
	}
	tr.mu.Unlock()
	switch i % 10 {
	case 0, 1, 2, 3:
		tr.send(http.MethodPost, "/v1/orders", fmt.Sprintf(`{"sku":"demo-%d","qty":%d}`, i%7, 1+i%5))
	case 4:
		tr.send(http.MethodPost, "/v1/orders", `{"sku":"demo","qty":0}`)
	case 5, 6:
		tr.send(http.MethodGet, "/v1/orders?limit=10", "")
	case 7, 8:
		tr.send(http.MethodGet, fmt.Sprintf("/v1/orders/%d", id), "")
	case 9:
		tr.send(http.MethodGet, "/v1/orders/999999999", "")
	}
}

// run sends the mix for d, about 40 requests a second.
func (tr *traffic) run(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(25 * time.Millisecond) {
		tr.next()
	}
}

// trickle sends a read every 100ms until ctx is done, so that the
// dashboards' short-range panels have something to show.
func (tr *traffic) trickle(ctx context.Context) {
	for ctx.Err() == nil {
		tr.send(http.MethodGet, "/v1/orders?limit=5", "")
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// slowCreates makes n creates slow the way a schema change does: a
// transaction holds the SHARE lock that CREATE INDEX (without
// CONCURRENTLY) takes, which lets reads through and makes writes wait, for
// hold; the creates are sent once the lock is held.
func (tr *traffic) slowCreates(ctx context.Context, databaseURL string, n int, hold, threshold time.Duration) {
	tr.t.Helper()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE orders IN SHARE MODE"); err != nil {
		tr.t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			code := tr.send(http.MethodPost, "/v1/orders", fmt.Sprintf(`{"sku":"slow-%d","qty":1}`, i))
			if took := time.Since(start); code == http.StatusCreated && took > threshold {
				tr.mu.Lock()
				tr.slow++
				tr.mu.Unlock()
			}
		})
	}
	// Reads go on meanwhile, unhindered; a create here would wait too.
	for end := time.Now().Add(hold); time.Now().Before(end); time.Sleep(25 * time.Millisecond) {
		tr.send(http.MethodGet, "/v1/orders?limit=10", "")
	}
	if err := tx.Commit(ctx); err != nil {
		tr.t.Fatal(err)
	}
	wg.Wait()
}

// counts is a snapshot of what was sent.
type counts struct{ requests, failures, creates, failed, slow int }

func (tr *traffic) counts() counts {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return counts{tr.requests, tr.failures, tr.creates, tr.failed, tr.slow}
}
