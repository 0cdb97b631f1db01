package server_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/backend/flags/flagstest"
	"github.com/groundwork-dev/groundwork/backend/internal/server"
)

// devFlags copies the api's generated dev flag file (new-checkout on) to a
// file the test may rewrite, as the kubelet rewrites a mounted ConfigMap.
func devFlags(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "environments", "dev", "flags", "api.flagd.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flags.flagd.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// new-checkout switches the order validation of the running service: on
// (the generated dev file), an order of 500 is refused; flipped off in the
// file, the same service takes it, with no restart; the evaluations show
// in /metrics by variant and in the logs with the request ID.
func TestNewCheckoutFlips(t *testing.T) {
	t.Parallel()
	path := devFlags(t)
	s := newService(t, server.Config{FlagsFile: path, FlagsRefresh: time.Nanosecond})
	order := `{"sku":"demo","qty":500}`

	code, body := s.do(t, "POST", "/v1/orders", order)
	if code != 400 || !strings.Contains(body, "at most 100") {
		t.Fatalf("new-checkout on: POST qty 500 = %d %s, want 400 naming the limit", code, body)
	}
	if code, body := s.do(t, "POST", "/v1/orders", `{"sku":"Demo_1","qty":1}`); code != 400 || !strings.Contains(body, "catalogue SKU") {
		t.Errorf("new-checkout on: POST sku Demo_1 = %d %s, want 400", code, body)
	}

	flagstest.SetDefault(t, path, "new-checkout", "off")
	if code, body := s.do(t, "POST", "/v1/orders", order); code != 201 {
		t.Fatalf("new-checkout flipped off: POST qty 500 = %d %s, want 201", code, body)
	}

	flagstest.SetDefault(t, path, "new-checkout", "on")
	if code, _ := s.do(t, "POST", "/v1/orders", order); code != 400 {
		t.Errorf("new-checkout flipped on again: POST qty 500 = %d, want 400", code)
	}

	_, metrics := s.do(t, "GET", "/metrics", "")
	for _, want := range []string{
		`feature_flag_evaluations_total{flag="new-checkout",reason="STATIC",variant="on"} 3`,
		`feature_flag_evaluations_total{flag="new-checkout",reason="STATIC",variant="off"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(s.logs.String(), `"msg":"flag evaluated"`) || !strings.Contains(s.logs.String(), `"request_id":`) {
		t.Errorf("evaluations are not logged with request IDs:\n%s", s.logs.String())
	}
}

// A partner that a rule targets gets the new checkout where everyone else
// does not (sandbox: partner globex).
func TestNewCheckoutForAPartner(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "..", "environments", "sandbox", "flags", "api.flagd.json")
	s := newService(t, server.Config{FlagsFile: path})
	for partner, want := range map[string]int{"globex": 400, "initech": 201, "": 201} {
		req := httptest.NewRequest("POST", "/v1/orders", strings.NewReader(`{"sku":"demo","qty":500}`))
		if partner != "" {
			req.Header.Set("X-Partner", partner)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("partner %q: POST qty 500 = %d %s, want %d", partner, rec.Code, rec.Body, want)
		}
	}
}

// Without FLAGS_FILE every flag is off: the orders of before.
func TestNoFlagFile(t *testing.T) {
	t.Parallel()
	s := newService(t, server.Config{})
	if code, body := s.do(t, "POST", "/v1/orders", `{"sku":"demo","qty":500}`); code != 201 {
		t.Errorf("no flag file: POST qty 500 = %d %s, want 201", code, body)
	}
}
