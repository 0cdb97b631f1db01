package partners_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/groundwork-dev/groundwork/backend/logging"
	"github.com/groundwork-dev/groundwork/backend/partners"
)

// sandbox is a partners file as the generator writes it: globex may read,
// initech may read and write with a tight limit; hooli has keys but is not
// admitted here.
const sandbox = `{
  "environment": "sandbox",
  "keyPrefix": "gw_test_",
  "partners": {
    "globex": {"scopes": ["orders:read"], "rateLimit": {"perMinute": 60, "burst": 10}},
    "initech": {"scopes": ["orders:read", "orders:write"], "rateLimit": {"perMinute": 1, "burst": 2}}
  }
}`

// fixture is a service with two partner routes behind Auth, as
// internal/server wires it, and the files it reads.
type fixture struct {
	t                      *testing.T
	partnersPath, keysPath string
	keys                   partners.KeyFile
	issued                 []string // every key issued, to look for in the logs
	reg                    *prometheus.Registry
	logs                   *syncBuffer
	handler                http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, partnersPath: filepath.Join(dir, "partners.json"), keysPath: filepath.Join(dir, "keys.json"),
		reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	writeFile(t, f.partnersPath, sandbox)
	f.save()
	logger := slog.New(logging.NewHandler(partners.LogHandler(slog.NewJSONHandler(f.logs, nil))))
	auth, err := partners.New(partners.Config{PartnersFile: f.partnersPath, KeysFile: f.keysPath, Refresh: time.Nanosecond}, logger, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := partners.FromContext(r.Context())
		logger.WithGroup("orders").InfoContext(r.Context(), "handled", "n", 1)
		fmt.Fprintf(w, "%s %s", id.Partner, id.KeyID)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /partner/v1/orders", auth.Require("orders:read", ok))
	mux.Handle("POST /partner/v1/orders", auth.Require("orders:write", ok))
	f.handler = partners.Track(logging.Middleware(logger)(mux))
	return f
}

// writeFile replaces the file at path as the kubelet does, by renaming a
// new file into place.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) save() {
	f.t.Helper()
	data, err := json.Marshal(f.keys)
	if err != nil {
		f.t.Fatal(err)
	}
	writeFile(f.t, f.keysPath, string(data))
}

// issue issues a key for partner into the keys file.
func (f *fixture) issue(partner, prefix string) (key, id string) {
	f.t.Helper()
	key, id, err := f.keys.Issue(partner, prefix, day1)
	if err != nil {
		f.t.Fatal(err)
	}
	f.issued = append(f.issued, key)
	f.save()
	return key, id
}

func (f *fixture) revoke(id string) {
	f.t.Helper()
	if err := f.keys.Revoke(id, day1.Add(24*time.Hour)); err != nil {
		f.t.Fatal(err)
	}
	f.save()
}

// do sends method /partner/v1/orders with the Authorization header auth
// (none when empty).
func (f *fixture) do(method, auth, requestID string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/partner/v1/orders", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("X-Request-ID", requestID)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

type errorBody struct{ Error, Code string }

func body(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body, err)
	}
	return b
}

func TestRequire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	globex, globexID := f.issue("globex", partners.PrefixTest)
	initech, initechID := f.issue("initech", partners.PrefixTest)
	revoked, revokedID := f.issue("globex", partners.PrefixTest)
	f.revoke(revokedID)
	hooli, hooliID := f.issue("hooli", partners.PrefixTest)
	live, _ := f.issue("globex", partners.PrefixLive)
	unknown, _, _ := partners.NewKey(partners.PrefixTest)
	f.issued = append(f.issued, unknown)
	wrongSecret := globex[:len(globex)-43] + unknown[len(unknown)-43:]

	tests := []struct {
		name, method, auth string
		code               int
		has                string
	}{
		{"valid key", "GET", "Bearer " + globex, 200, "globex " + globexID},
		{"scope it has", "POST", "Bearer " + initech, 200, "initech " + initechID},
		{"scheme in lower case", "GET", "bearer " + globex, 200, "globex"},
		{"no header", "GET", "", 401, "missing Authorization header"},
		{"basic auth", "GET", "Basic Z2xvYmV4OnNlY3JldA==", 401, "must be Bearer"},
		{"a bare key", "GET", globex, 401, "must be Bearer"},
		{"garbage", "GET", "Bearer nope", 401, "not a partner API key"},
		{"unknown key", "GET", "Bearer " + unknown, 401, "unknown API key"},
		{"wrong secret", "GET", "Bearer " + wrongSecret, 401, "unknown API key"},
		{"revoked", "GET", "Bearer " + revoked, 401, "API key " + revokedID + " was revoked at 2026-12-02T10:00:00Z"},
		{"production key in the sandbox", "GET", "Bearer " + live, 401, "another environment: it starts gw_live_, and sandbox takes keys starting gw_test_"},
		{"partner not admitted", "GET", "Bearer " + hooli, 401, "partner hooli is not admitted to sandbox"},
		{"scope it lacks", "POST", "Bearer " + globex, 403, "partner globex may not call POST /partner/v1/orders: it needs orders:write"},
	}
	for i, tt := range tests {
		rec := f.do(tt.method, tt.auth, "req-"+strconv.Itoa(i))
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.has) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, rec.Code, rec.Body, tt.code, tt.has)
			continue
		}
		if tt.code == 200 {
			continue
		}
		b := body(t, rec)
		if want := partners.Code(tt.code); b.Code != want || b.Error == "" || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: body %+v, want code %s and an error", tt.name, b, want)
		}
		switch tt.code {
		case 401:
			if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="partner"` {
				t.Errorf("%s: WWW-Authenticate %q", tt.name, got)
			}
		case 403:
			if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="partner", error="insufficient_scope", scope="orders:write"` {
				t.Errorf("%s: WWW-Authenticate %q", tt.name, got)
			}
		}
		for _, k := range f.issued {
			if strings.Contains(rec.Body.String(), k[len(k)-43:]) {
				t.Errorf("%s: the answer echoes a key: %s", tt.name, rec.Body)
			}
		}
	}

	// Labels come from the files only: a caller the files do not name is
	// unknown/none, whatever it sent.
	want := fmt.Sprintf(`
# HELP partner_requests_total Requests to partner routes, by partner, API key id and status code; unknown and none for callers the files do not name.
# TYPE partner_requests_total counter
partner_requests_total{code="200",key_id=%[1]q,partner="globex"} 2
partner_requests_total{code="403",key_id=%[1]q,partner="globex"} 1
partner_requests_total{code="200",key_id=%[2]q,partner="initech"} 1
partner_requests_total{code="401",key_id=%[3]q,partner="globex"} 1
partner_requests_total{code="401",key_id=%[4]q,partner="unknown"} 1
partner_requests_total{code="401",key_id="none",partner="unknown"} 7
`, globexID, initechID, revokedID, hooliID)
	if err := testutil.GatherAndCompare(f.reg, strings.NewReader(want), "partner_requests_total"); err != nil {
		t.Error(err)
	}

	// Every line of the valid request names the caller at the top level,
	// the access line written outside the mux and the handler's grouped
	// line included.
	lines := logLines(t, f.logs)
	var mine int
	for _, l := range lines {
		if l["request_id"] != "req-0" {
			continue
		}
		mine++
		if l["partner"] != "globex" || l["key_id"] != globexID {
			t.Errorf("a line of the valid request lacks partner and key_id at the top level: %v", l)
		}
	}
	if mine != 2 {
		t.Errorf("the valid request wrote %d lines, want the handler's and the access line", mine)
	}
	for _, l := range lines {
		if l["request_id"] == "req-9" && l["msg"] == "partner request refused" && (l["key_id"] != revokedID || !strings.Contains(l["reason"].(string), "revoked")) {
			t.Errorf("refusal of the revoked key logged as %v", l)
		}
	}
	noKeyInLogs(t, f.logs.String(), f.issued...)
	for _, tt := range tests {
		if tt.auth != "" && strings.Contains(f.logs.String(), tt.auth) {
			t.Errorf("the logs hold the Authorization header of %q", tt.name)
		}
	}
}

// noKeyInLogs fails if any part of a key's secret reached the logs.
func noKeyInLogs(t *testing.T, logs string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		secret := k[len(k)-43:]
		for _, part := range []string{k, secret, secret[:16], secret[27:]} {
			if strings.Contains(logs, part) {
				t.Errorf("the logs hold (part of) the key %s...", k[:20])
			}
		}
	}
}

func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, id := f.issue("initech", partners.PrefixTest) // 1 a minute, bursts of 2
	other, _ := f.issue("initech", partners.PrefixTest)
	for i, remaining := range []string{"1", "0"} {
		rec := f.do("GET", "Bearer "+key, "")
		if rec.Code != 200 || rec.Header().Get("RateLimit-Limit") != "2" || rec.Header().Get("RateLimit-Remaining") != remaining {
			t.Fatalf("request %d of the burst: %d, RateLimit-Limit %q, RateLimit-Remaining %q; want 200, 2, %s", i+1, rec.Code,
				rec.Header().Get("RateLimit-Limit"), rec.Header().Get("RateLimit-Remaining"), remaining)
		}
	}
	rec := f.do("POST", "Bearer "+key, "")
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != 429 || err != nil || retry < 1 || retry > 60 || body(t, rec).Code != "rate_limited" || rec.Header().Get("RateLimit-Remaining") != "0" {
		t.Fatalf("burst + 1: %d %s, Retry-After %q; want 429 rate_limited, retry within the minute a token takes", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	if !strings.Contains(body(t, rec).Error, id) {
		t.Errorf("429 error %q does not name the key id", body(t, rec).Error)
	}
	// The budget is the key's, not the partner's.
	if rec := f.do("GET", "Bearer "+other, ""); rec.Code != 200 {
		t.Errorf("another key of the partner: %d, want 200", rec.Code)
	}
	if n := count(t, f.reg, "initech", id, "429"); n != 1 {
		t.Errorf("partner_requests_total 429 = %v", n)
	}
}

// count is the value of partner_requests_total with these labels.
func count(t *testing.T, reg *prometheus.Registry, partner, keyID, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["partner"] == partner && labels["key_id"] == keyID && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// The files are reread when they change on disk: a revocation, a new key,
// a partner removed from the spec take effect without a restart.
func TestFilesAreReread(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, id := f.issue("globex", partners.PrefixTest)
	if rec := f.do("GET", "Bearer "+key, ""); rec.Code != 200 {
		t.Fatalf("a key issued after the start: %d %s", rec.Code, rec.Body)
	}
	f.revoke(id)
	if rec := f.do("GET", "Bearer "+key, ""); rec.Code != 401 || !strings.Contains(rec.Body.String(), "revoked") {
		t.Fatalf("after revocation in the file: %d %s, want 401 revoked", rec.Code, rec.Body)
	}

	next, _ := f.issue("globex", partners.PrefixTest)
	if rec := f.do("GET", "Bearer "+next, ""); rec.Code != 200 {
		t.Fatalf("the rotated key: %d", rec.Code)
	}
	writeFile(t, f.partnersPath, strings.Replace(sandbox, `"globex"`, `"globex-old"`, 1))
	if rec := f.do("GET", "Bearer "+next, ""); rec.Code != 401 || !strings.Contains(rec.Body.String(), "not admitted") {
		t.Errorf("partner removed from the partners file: %d %s, want 401 not admitted", rec.Code, rec.Body)
	}
	writeFile(t, f.partnersPath, sandbox)

	// A broken write keeps what was read before, and says so once.
	writeFile(t, f.keysPath, `{"keys": [`)
	for range 3 {
		if rec := f.do("GET", "Bearer "+next, ""); rec.Code != 200 {
			t.Errorf("with a broken keys file: %d, want the last good keys", rec.Code)
		}
	}
	if n := strings.Count(f.logs.String(), "partner keys file changed and is not valid"); n != 1 {
		t.Errorf("the broken file was logged %d times, want once", n)
	}

	// A missing file admits no one (fail closed), and says so once.
	if err := os.Remove(f.keysPath); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if rec := f.do("GET", "Bearer "+next, ""); rec.Code != 401 {
			t.Errorf("without a keys file: %d, want 401", rec.Code)
		}
	}
	if n := strings.Count(f.logs.String(), "no partner keys file"); n != 1 {
		t.Errorf("the missing file was logged %d times, want once", n)
	}
	f.save()
	if rec := f.do("GET", "Bearer "+next, ""); rec.Code != 200 {
		t.Errorf("the keys file back: %d, want 200", rec.Code)
	}
	noKeyInLogs(t, f.logs.String(), f.issued...)
}

func TestMissingAndBrokenFilesAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	auth, err := partners.New(partners.Config{PartnersFile: filepath.Join(dir, "none.json"), KeysFile: filepath.Join(dir, "nokeys.json")}, logger, prometheus.NewRegistry())
	if err != nil {
		t.Fatalf("missing files at start: %v, want them tolerated", err)
	}
	key, _, _ := partners.NewKey(partners.PrefixTest)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/partner/v1/orders", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	auth.Require("orders:read", http.NotFoundHandler()).ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "no partner is admitted") {
		t.Errorf("without files: %d %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"no partners file", "no partner keys file"} {
		if strings.Count(logs.String(), want) != 1 {
			t.Errorf("logs %s: want %q once", logs, want)
		}
	}

	broken := filepath.Join(dir, "partners.json")
	writeFile(t, broken, `{"keyPrefix": "GW-", "partners": {"globex": {"scopes": ["read"], "rateLimit": {"perMinute": 0, "burst": 1}}}}`)
	_, err = partners.New(partners.Config{PartnersFile: broken, KeysFile: filepath.Join(dir, "nokeys.json")}, logger, prometheus.NewRegistry())
	for _, want := range []string{"keyPrefix", `scope "read"`, "perMinute and burst must be at least 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a broken partners file at start: %v, want an error about %s", err, want)
		}
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]string{400: "invalid_request", 413: "invalid_request", 401: "unauthenticated",
		403: "insufficient_scope", 404: "not_found", 429: "rate_limited", 500: "internal", 503: "internal"} {
		if got := partners.Code(status); got != want {
			t.Errorf("Code(%d) = %s, want %s", status, got, want)
		}
	}
}

// syncBuffer is a log destination tests read while handlers write.
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

func logLines(t *testing.T, b *syncBuffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(strings.NewReader(b.String()))
	for {
		var l map[string]any
		if err := dec.Decode(&l); err == io.EOF {
			return lines
		} else if err != nil {
			t.Fatalf("log is not JSON lines: %v", err)
		}
		lines = append(lines, l)
	}
}
