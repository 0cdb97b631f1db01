package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groundwork-dev/groundwork/backend/internal/orders"
	"github.com/groundwork-dev/groundwork/backend/internal/pgtest"
	"github.com/groundwork-dev/groundwork/backend/internal/server"
	"github.com/groundwork-dev/groundwork/backend/logging"
)

// db is the one PostgreSQL server of this test binary; each test gets a
// database of its own on it.
var db *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, func(s *pgtest.Server) { db = s }) }

// syncBuffer is a log destination that tests can read while handlers write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type service struct {
	http.Handler
	pool *pgxpool.Pool
	logs *syncBuffer
}

// newService builds the service in-process on a fresh, migrated database.
func newService(t *testing.T, cfg server.Config) *service {
	t.Helper()
	pool := newPool(t, newDatabase(t))
	if err := orders.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s, err := server.New(pool, logging.New(logs, slog.LevelInfo), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &service{Handler: s.Handler(), pool: pool, logs: logs}
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// do serves one request in-process and returns the status and body.
func (s *service) do(t *testing.T, method, target, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	return v
}

func TestCreateListGet(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})

	var created []orders.Order
	for i, sku := range []string{"demo", "widget", "gadget"} {
		code, body := s.do(t, "POST", "/v1/orders", fmt.Sprintf(`{"sku":%q,"qty":%d}`, sku, i+1))
		if code != http.StatusCreated {
			t.Fatalf("POST /v1/orders = %d %s, want 201", code, body)
		}
		o := decode[orders.Order](t, body)
		if o.ID == 0 || o.SKU != sku || o.Qty != i+1 || o.CreatedAt.IsZero() {
			t.Errorf("created %+v", o)
		}
		created = append(created, o)
	}

	code, body := s.do(t, "GET", "/v1/orders", "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/orders = %d %s", code, body)
	}
	list := decode[struct{ Orders []orders.Order }](t, body).Orders
	if len(list) != 3 || list[0].ID != created[2].ID || list[2].ID != created[0].ID {
		t.Errorf("list = %+v, want the 3 orders newest first", list)
	}

	code, body = s.do(t, "GET", "/v1/orders?limit=2", "")
	if list := decode[struct{ Orders []orders.Order }](t, body).Orders; code != 200 || len(list) != 2 || list[0].SKU != "gadget" {
		t.Errorf("GET ?limit=2 = %d %+v", code, list)
	}

	code, body = s.do(t, "GET", fmt.Sprintf("/v1/orders/%d", created[1].ID), "")
	if got := decode[orders.Order](t, body); code != 200 || got.ID != created[1].ID || got.SKU != "widget" || !got.CreatedAt.Equal(created[1].CreatedAt) {
		t.Errorf("GET /v1/orders/{id} = %d %+v, want %+v", code, got, created[1])
	}
}

func TestEmptyListIsAnArray(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	if code, body := s.do(t, "GET", "/v1/orders", ""); code != 200 || strings.TrimSpace(body) != `{"orders":[]}` {
		t.Errorf("GET /v1/orders on no orders = %d %s", code, body)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	tests := []struct {
		name, method, target, body string
		code                       int
		errorHas                   string
	}{
		{"qty zero", "POST", "/v1/orders", `{"sku":"demo","qty":0}`, 400, "qty must be between 1 and 1000"},
		{"qty too big", "POST", "/v1/orders", `{"sku":"demo","qty":1001}`, 400, "qty"},
		{"no sku", "POST", "/v1/orders", `{"qty":1}`, 400, "sku is required"},
		{"both wrong, both told", "POST", "/v1/orders", `{"sku":"","qty":-1}`, 400, "sku is required; qty must be"},
		{"sku with spaces", "POST", "/v1/orders", `{"sku":"a b","qty":1}`, 400, "sku may hold only"},
		{"sku too long", "POST", "/v1/orders", `{"sku":"` + strings.Repeat("x", 65) + `","qty":1}`, 400, "longer than 64"},
		{"not JSON", "POST", "/v1/orders", `sku=demo`, 400, "body must be a JSON order"},
		{"unknown field", "POST", "/v1/orders", `{"sku":"demo","qty":1,"price":3}`, 400, "unknown field"},
		{"qty a string", "POST", "/v1/orders", `{"sku":"demo","qty":"1"}`, 400, "body must be a JSON order"},
		{"two objects", "POST", "/v1/orders", `{"sku":"demo","qty":1}{}`, 400, "one JSON object"},
		{"limit zero", "GET", "/v1/orders?limit=0", "", 400, "limit"},
		{"limit too big", "GET", "/v1/orders?limit=101", "", 400, "limit"},
		{"limit not a number", "GET", "/v1/orders?limit=ten", "", 400, "limit"},
		{"id not a number", "GET", "/v1/orders/abc", "", 400, "positive whole number"},
		{"not found", "GET", "/v1/orders/999999", "", 404, "order not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := s.do(t, tt.method, tt.target, tt.body)
			if code != tt.code {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.target, code, body, tt.code)
			}
			if e := decode[struct{ Error string }](t, body).Error; !strings.Contains(e, tt.errorHas) {
				t.Errorf("error %q lacks %q", e, tt.errorHas)
			}
		})
	}
	// Nothing invalid reached the table.
	if code, body := s.do(t, "GET", "/v1/orders", ""); code != 200 || strings.TrimSpace(body) != `{"orders":[]}` {
		t.Errorf("after invalid requests, GET /v1/orders = %d %s", code, body)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	if code, _ := s.do(t, "GET", "/healthz", ""); code != 200 {
		t.Errorf("/healthz = %d, want 200", code)
	}
	if code, body := s.do(t, "GET", "/readyz", ""); code != 200 {
		t.Errorf("/readyz with the database up = %d %s, want 200", code, body)
	}

	// A database that is down: a pool pointed at a port nothing listens on.
	down := newPool(t, "postgres://postgres@127.0.0.1:"+closedPort(t)+"/postgres?sslmode=disable")
	logs := &syncBuffer{}
	deadServer, err := server.New(down, logging.New(logs, slog.LevelInfo), server.Config{ReadyTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dead := deadServer.Handler()
	start := time.Now()
	for path, want := range map[string]int{"/readyz": 503, "/healthz": 200} {
		rec := httptest.NewRecorder()
		dead.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s with the database down = %d, want %d", path, rec.Code, want)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("probes took %v with the database down, want them bounded by the ready timeout", d)
	}
	if !strings.Contains(logs.String(), "database ping failed") {
		t.Errorf("the failed ping was not logged:\n%s", logs)
	}
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{LatencyThresholds: []time.Duration{300 * time.Millisecond}})
	s.do(t, "POST", "/v1/orders", `{"sku":"demo","qty":1}`)
	s.do(t, "POST", "/v1/orders", `{"sku":"demo","qty":0}`)
	s.do(t, "GET", "/v1/orders/1", "")
	s.do(t, "GET", "/nope", "")

	code, body := s.do(t, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`http_requests_total{code="201",method="POST",route="POST /v1/orders"} 1`,
		`http_requests_total{code="400",method="POST",route="POST /v1/orders"} 1`,
		`http_requests_total{code="200",method="GET",route="GET /v1/orders/{id}"} 1`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`http_request_duration_seconds_bucket{code="201",method="POST",route="POST /v1/orders",le="0.3"} 1`,
		"http_requests_in_flight 1", // this scrape
		`build_info{goversion="go`,
		"db_pool_max_connections ",
		"db_pool_acquire_count_total ",
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `route="/v1/orders/1"`) {
		t.Error("a raw path became a route label")
	}
	if strings.Contains(body, "db_pool_acquire_count_total 0\n") {
		t.Error("db_pool_acquire_count_total is 0 after queries")
	}
}

func TestLogsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	req := httptest.NewRequest("POST", "/v1/orders", strings.NewReader(`{"sku":"demo","qty":2}`))
	req.Header.Set("X-Request-ID", "it-1")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-ID"); got != "it-1" {
		t.Errorf("response X-Request-ID = %q, want it-1", got)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(s.logs.String()), &line); err != nil {
		t.Fatalf("access log %q: %v", s.logs, err)
	}
	if line["request_id"] != "it-1" || line["route"] != "POST /v1/orders" || line["status"] != 201.0 {
		t.Errorf("access log = %v", line)
	}

	// A database error is logged with the request's ID and hidden from the client.
	if _, err := s.pool.Exec(t.Context(), "DROP TABLE orders"); err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest("GET", "/v1/orders", nil)
	req.Header.Set("X-Request-ID", "it-2")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "orders") {
		t.Errorf("GET /v1/orders without a table = %d %s, want 500 without details", rec.Code, rec.Body)
	}
	var errLine, accessLine bool
	for l := range strings.Lines(s.logs.String()) {
		errLine = errLine || strings.Contains(l, `"level":"ERROR"`) && strings.Contains(l, `"request_id":"it-2"`) && strings.Contains(l, "does not exist")
		accessLine = accessLine || strings.Contains(l, `"level":"WARN"`) && strings.Contains(l, `"request_id":"it-2"`) && strings.Contains(l, `"status":500`)
	}
	if !errLine || !accessLine {
		t.Errorf("want an ERROR line with the cause and a WARN access line, both with request_id it-2:\n%s", s.logs)
	}
}

func TestMigrateIsIdempotentAndSafeConcurrently(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- orders.Migrate(t.Context(), pool) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := orders.Migrate(t.Context(), pool); err != nil {
		t.Errorf("migrating again: %v", err)
	}
	// Every migration is recorded once, however often it ran: the restore
	// drill compares max(version) of a backup and of its restored copy.
	var n, version int64
	if err := pool.QueryRow(t.Context(), "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &version); err != nil {
		t.Fatal(err)
	}
	if n != 3 || version != 3 {
		t.Errorf("schema_migrations has %d rows up to version %d, want 3 up to 3 (001_orders, 002_order_status, 003_partners)", n, version)
	}
}

// TestRunServesAndDrains runs the service as main does, on a real port,
// cancels it with a request still in flight, and expects that request to be
// answered and Run to return cleanly.
func TestRunServesAndDrains(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	cfg, err := server.ConfigFromEnv(env{
		"PORT":                   port,
		"DATABASE_URL":           newDatabase(t),
		"SLO_LATENCY_THRESHOLDS": "300ms",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	ran := make(chan error, 1)
	go func() { ran <- server.Run(ctx, cfg, logging.New(logs, slog.LevelInfo)) }()

	base := "http://127.0.0.1:" + port
	waitReady(t, base+"/readyz", ran)

	// Start a POST whose body is still arriving when the shutdown begins.
	pr, pw := io.Pipe()
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post(base+"/v1/orders", "application/json", pr)
		if err != nil {
			t.Error(err)
		}
		answered <- resp
	}()
	pw.Write([]byte(`{"sku":"demo",`))
	time.Sleep(100 * time.Millisecond) // let the request reach its handler
	cancel()
	time.Sleep(100 * time.Millisecond) // let the shutdown begin
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		t.Error("still accepting connections while draining")
	}
	pw.Write([]byte(`"qty":1}`))
	pw.Close()

	if resp := <-answered; resp == nil || resp.StatusCode != http.StatusCreated {
		t.Errorf("request in flight at shutdown got %v, want 201", resp)
	} else {
		resp.Body.Close()
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v, want nil after a clean drain", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain")
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Errorf("no shutdown line in the logs:\n%s", logs)
	}
}

// waitReady polls url until it answers 200, failing if Run stops first.
func waitReady(t *testing.T, url string, ran <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-ran:
			t.Fatalf("Run stopped before serving: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 10s", url)
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

// newDatabase is a new database on the test binary's server; under -short,
// which starts none, it skips t.
func newDatabase(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL; -short skips it")
	}
	return db.NewDatabase(t)
}
