package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/backend/internal/orders"
	"github.com/groundwork-dev/groundwork/backend/internal/server"
	"github.com/groundwork-dev/groundwork/backend/partners"
)

// sandboxPartners is the api's partners file in the sandbox: globex and
// initech read and write; initech's limit is tight enough to reach.
const sandboxPartners = `{
  "environment": "sandbox",
  "keyPrefix": "gw_test_",
  "partners": {
    "globex": {"scopes": ["orders:read", "orders:write"], "rateLimit": {"perMinute": 60, "burst": 10}},
    "initech": {"scopes": ["orders:read", "orders:write"], "rateLimit": {"perMinute": 1, "burst": 4}}
  }
}`

// writeAtomic replaces the file at path as the kubelet does.
func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

func writeKeys(t *testing.T, path string, f partners.KeyFile) {
	t.Helper()
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, path, data)
}

// client calls the service at base with a partner's key.
type client struct {
	base, key string
}

func (c client) do(t *testing.T, method, path, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c client) list(t *testing.T) []orders.Order {
	t.Helper()
	resp, body := c.do(t, "GET", "/partner/v1/orders", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /partner/v1/orders = %d %s", resp.StatusCode, body)
	}
	return decode[struct{ Orders []orders.Order }](t, body).Orders
}

func skus(list []orders.Order) []string {
	var s []string
	for _, o := range list {
		s = append(s, o.SKU)
	}
	return s
}

// TestPartnerSandbox runs the api as main does, in its sandbox
// configuration (PARTNERS_FILE, PARTNER_KEYS_FILE, DEMO_DATA=true and the
// sandbox's flag file) on real PostgreSQL, and calls it over HTTP as
// partners do: the demo orders are there, a partner creates orders and
// sees only its own and the demo ones, its limit is enforced, and its key
// stops working when revoked in the file, without a restart.
func TestPartnerSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	partnersPath, keysPath := filepath.Join(dir, "partners.json"), filepath.Join(dir, "keys.json")
	writeAtomic(t, partnersPath, []byte(sandboxPartners))
	var keys partners.KeyFile
	globexKey, globexID, _ := keys.Issue("globex", partners.PrefixTest, time.Now())
	initechKey, initechID, _ := keys.Issue("initech", partners.PrefixTest, time.Now())
	writeKeys(t, keysPath, keys)

	port := closedPort(t)
	cfg, err := server.ConfigFromEnv(env{
		"PORT":              port,
		"DATABASE_URL":      newDatabase(t),
		"PARTNERS_FILE":     partnersPath,
		"PARTNER_KEYS_FILE": keysPath,
		"DEMO_DATA":         "true",
		"FLAGS_FILE":        filepath.Join("..", "..", "..", "environments", "sandbox", "flags", "api.flagd.json"),
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PartnersRefresh = time.Nanosecond // see a file change at the next request
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	ran := make(chan error, 1)
	go func() { ran <- server.Run(ctx, cfg, server.NewLogger(logs, nil)) }()
	t.Cleanup(func() { cancel(); <-ran })
	base := "http://127.0.0.1:" + port
	waitReady(t, base+"/readyz", ran)
	globex, initech, internal := client{base, globexKey}, client{base, initechKey}, client{base: base}

	// The demo orders, exactly as backend/README.md lists them.
	demo := globex.list(t)
	if len(demo) != len(orders.DemoOrders) {
		t.Fatalf("a new partner lists %v, want the %d demo orders", skus(demo), len(orders.DemoOrders))
	}
	for i, want := range orders.DemoOrders {
		got := demo[len(demo)-1-i] // newest first
		if got.SKU != want.SKU || got.Qty != want.Qty || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("demo order %d = %+v, want %+v", i, got, want)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"demo data","orders_inserted":3`) {
		t.Errorf("the seeding is not logged:\n%s", logs)
	}

	// Each partner creates an order; the internal API one more.
	resp, body := globex.do(t, "POST", "/partner/v1/orders", `{"sku":"red-mug-350","qty":2}`)
	mine := decode[orders.Order](t, body)
	if resp.StatusCode != 201 || resp.Header.Get("Location") != fmt.Sprintf("/partner/v1/orders/%d", mine.ID) || mine.SKU != "red-mug-350" {
		t.Fatalf("globex POST = %d %s, Location %q", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	resp, body = initech.do(t, "POST", "/partner/v1/orders", `{"sku":"blue-mug","qty":1}`)
	theirs := decode[orders.Order](t, body)
	if resp.StatusCode != 201 {
		t.Fatalf("initech POST = %d %s", resp.StatusCode, body)
	}
	if resp, body := internal.do(t, "POST", "/v1/orders", `{"sku":"internal","qty":1}`); resp.StatusCode != 201 {
		t.Fatalf("POST /v1/orders = %d %s", resp.StatusCode, body)
	}

	if got := skus(globex.list(t)); !slices.Equal(got, []string{"red-mug-350", "demo-gizmo", "demo-gadget", "demo-widget"}) {
		t.Errorf("globex lists %v, want its own order and the demo orders", got)
	}
	if resp, body := globex.do(t, "GET", fmt.Sprintf("/partner/v1/orders/%d", theirs.ID), ""); resp.StatusCode != 404 || decode[struct{ Code string }](t, body).Code != "not_found" {
		t.Errorf("globex GET initech's order = %d %s, want 404 not_found", resp.StatusCode, body)
	}
	if resp, body := globex.do(t, "GET", fmt.Sprintf("/partner/v1/orders/%d", mine.ID), ""); resp.StatusCode != 200 || decode[orders.Order](t, body).SKU != "red-mug-350" {
		t.Errorf("globex GET its order = %d %s", resp.StatusCode, body)
	}
	if resp, _ := globex.do(t, "GET", fmt.Sprintf("/partner/v1/orders/%d", demo[0].ID), ""); resp.StatusCode != 200 {
		t.Errorf("globex GET a demo order = %d", resp.StatusCode)
	}
	if resp, body := internal.do(t, "GET", "/v1/orders", ""); len(decode[struct{ Orders []orders.Order }](t, body).Orders) != 6 {
		t.Errorf("GET /v1/orders = %d %s, want every order, the partners' and the demo ones too", resp.StatusCode, body)
	}
	if resp, body := globex.do(t, "POST", "/partner/v1/orders", `{"sku":"red-mug-350","qty":0}`); resp.StatusCode != 400 || decode[struct{ Code string }](t, body).Code != "invalid_request" {
		t.Errorf("an invalid order = %d %s, want 400 invalid_request", resp.StatusCode, body)
	}
	// new-checkout is on for globex in the sandbox: its limit of 100
	// applies to the partner the key names, whatever X-Partner says.
	if resp, body := globex.do(t, "POST", "/partner/v1/orders", `{"sku":"red-mug-350","qty":500}`, "X-Partner", "initech"); resp.StatusCode != 400 || !strings.Contains(body, "at most 100") {
		t.Errorf("globex POST qty 500 = %d %s, want the new checkout's 400", resp.StatusCode, body)
	}
	if resp, body := (client{base, ""}).do(t, "GET", "/partner/v1/orders", ""); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="partner"` {
		t.Errorf("no key = %d %s", resp.StatusCode, body)
	}

	// initech has spent 1 of its 4; 3 more, then 429.
	for range 3 {
		initech.do(t, "GET", "/partner/v1/orders", "")
	}
	if resp, body := initech.do(t, "GET", "/partner/v1/orders", ""); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || decode[struct{ Code string }](t, body).Code != "rate_limited" {
		t.Errorf("initech beyond its burst = %d %s, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}

	// Revoked in the file, refused at the next request.
	if err := keys.Revoke(globexID, time.Now()); err != nil {
		t.Fatal(err)
	}
	writeKeys(t, keysPath, keys)
	if resp, body := globex.do(t, "GET", "/partner/v1/orders", ""); resp.StatusCode != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("after revocation = %d %s, want 401 revoked", resp.StatusCode, body)
	}

	_, metrics := internal.do(t, "GET", "/metrics", "")
	for _, want := range []string{
		fmt.Sprintf(`partner_requests_total{code="201",key_id=%q,partner="globex"} 1`, globexID),
		fmt.Sprintf(`partner_requests_total{code="401",key_id=%q,partner="globex"} 1`, globexID),
		fmt.Sprintf(`partner_requests_total{code="429",key_id=%q,partner="initech"} 1`, initechID),
		`partner_requests_total{code="401",key_id="none",partner="unknown"} 1`,
		`http_requests_total{code="404",method="GET",route="GET /partner/v1/orders/{id}"} 1`,
		"checkout_attempts_total 5",
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The access line of every partner request names the partner.
	var partnerLines int
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"path":"/partner/`) && strings.Contains(l, `"key_id":"`+initechID+`"`) {
			partnerLines++
			if !strings.Contains(l, `"partner":"initech"`) {
				t.Errorf("access line without the partner: %s", l)
			}
		}
	}
	if partnerLines != 5 {
		t.Errorf("%d access lines of initech's requests carry its key id, want 5:\n%s", partnerLines, logs)
	}
	for _, k := range []string{globexKey, initechKey} {
		if strings.Contains(logs.String(), k[len(k)-43:]) {
			t.Error("a key is in the logs")
		}
	}
}

// Without PARTNERS_FILE the partner routes do not exist.
func TestNoPartnerRoutesWithoutPartnersFile(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	if code, _ := s.do(t, "GET", "/partner/v1/orders", ""); code != 404 {
		t.Errorf("GET /partner/v1/orders without PARTNERS_FILE = %d, want 404", code)
	}
}

// SeedDemo runs at every start: the demo orders are inserted once, an
// order of a demo SKU made through the API is not taken for one, and they
// never count as waiting.
func TestSeedDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	if code, body := s.do(t, "POST", "/v1/orders", `{"sku":"demo-widget","qty":9}`); code != 201 {
		t.Fatalf("POST = %d %s", code, body)
	}
	for i, want := range []int{3, 0, 0} {
		n, err := orders.SeedDemo(t.Context(), s.pool)
		if err != nil || n != want {
			t.Errorf("seeding %d: %d inserted, %v; want %d", i+1, n, err, want)
		}
	}
	var demo, pending int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FILTER (WHERE demo), count(*) FILTER (WHERE status = 'pending') FROM orders").Scan(&demo, &pending); err != nil {
		t.Fatal(err)
	}
	if demo != 3 || pending != 1 {
		t.Errorf("%d demo orders and %d pending, want 3 demo orders, none of them pending", demo, pending)
	}
}
