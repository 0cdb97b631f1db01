package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/backend/logging"
)

const validTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

var generated = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestCorrelationID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers map[string]string
		want    string // "" means a newly generated ID
	}{
		{"none", nil, ""},
		{"request id", map[string]string{"X-Request-ID": "abc-123"}, "abc-123"},
		{"request id wins over traceparent",
			map[string]string{"X-Request-ID": "abc-123", "Traceparent": validTraceparent}, "abc-123"},
		{"traceparent", map[string]string{"Traceparent": validTraceparent}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"traceparent of a future version with more fields",
			map[string]string{"Traceparent": "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"},
			"4bf92f3577b34da6a3ce929d0e0e4736"},
		{"request id of 128 characters", map[string]string{"X-Request-ID": strings.Repeat("a", 128)}, strings.Repeat("a", 128)},
		{"request id too long", map[string]string{"X-Request-ID": strings.Repeat("a", 129)}, ""},
		{"request id with a space", map[string]string{"X-Request-ID": "a b"}, ""},
		{"request id with a control character", map[string]string{"X-Request-ID": "a\x01b"}, ""},
		{"request id not ASCII", map[string]string{"X-Request-ID": "café"}, ""},
		{"request id forging JSON", map[string]string{"X-Request-ID": `x","level":"ERROR`}, `x","level":"ERROR`},
		{"bad request id falls back to traceparent",
			map[string]string{"X-Request-ID": "a\tb", "Traceparent": validTraceparent}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"traceparent uppercase", map[string]string{"Traceparent": strings.ToUpper(validTraceparent)}, ""},
		{"traceparent zero trace id",
			map[string]string{"Traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, ""},
		{"traceparent zero parent id",
			map[string]string{"Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}, ""},
		{"traceparent version ff",
			map[string]string{"Traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, ""},
		{"traceparent version 00 with extra fields",
			map[string]string{"Traceparent": validTraceparent + "-00"}, ""},
		{"traceparent short", map[string]string{"Traceparent": validTraceparent[:54]}, ""},
		{"traceparent wrong separators",
			map[string]string{"Traceparent": "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"}, ""},
		{"traceparent not hex",
			map[string]string{"Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen string
			h := logging.Middleware(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = logging.RequestID(r.Context())
			}))
			req := httptest.NewRequest("GET", "/", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if got := rec.Header().Get("X-Request-ID"); got != seen {
				t.Errorf("response X-Request-ID = %q, context has %q", got, seen)
			}
			switch {
			case tt.want != "" && seen != tt.want:
				t.Errorf("request ID = %q, want %q", seen, tt.want)
			case tt.want == "" && !generated.MatchString(seen):
				t.Errorf("request ID = %q, want 32 generated hex digits", seen)
			}
		})
	}
}

func TestGeneratedIDsDiffer(t *testing.T) {
	t.Parallel()
	if a, b := logging.NewRequestID(), logging.NewRequestID(); a == b || !generated.MatchString(a) {
		t.Errorf("NewRequestID gave %q then %q", a, b)
	}
}

// decode returns the JSON lines in buf.
func decode(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestEveryLineOfARequestCarriesItsID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := logging.New(&buf, slog.LevelInfo)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		// Logging from deep inside, through derived loggers, with the context.
		logger.With("component", "store").InfoContext(r.Context(), "inserted", "id", r.PathValue("id"))
		logger.WithGroup("db").InfoContext(r.Context(), "query", "rows", 1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello")
	})
	h := logging.Middleware(logger)(mux)
	req := httptest.NewRequest("POST", "/v1/orders/7?x=1", nil)
	req.Header.Set("X-Request-ID", "req-1")
	req.RemoteAddr = "192.0.2.1:1234"
	h.ServeHTTP(httptest.NewRecorder(), req)

	lines := decode(t, &buf)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if l["request_id"] != "req-1" {
			t.Errorf("line without request_id at the top level: %v", l)
		}
	}
	if db, _ := lines[1]["db"].(map[string]any); db["rows"] != 1.0 {
		t.Errorf("grouped attributes lost: %v", lines[1])
	}
	access := lines[2]
	want := map[string]any{
		"level": "INFO", "msg": "request", "method": "POST", "route": "POST /v1/orders/{id}",
		"path": "/v1/orders/7", "status": 201.0, "bytes": 5.0, "request_id": "req-1",
		"remote_addr": "192.0.2.1:1234",
	}
	for k, v := range want {
		if access[k] != v {
			t.Errorf("access log %s = %v, want %v", k, access[k], v)
		}
	}
	if d, ok := access["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("access log duration_ms = %v", access["duration_ms"])
	}
}

func TestAccessLogLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     http.HandlerFunc
		route string
		code  float64
		level string
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) {}, "GET /x", 200, "INFO"},
		{"client error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, "GET /x", 404, "INFO"},
		{"server error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, "GET /x", 503, "WARN"},
		{"panic", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }, "GET /x", 500, "WARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			mux := http.NewServeMux()
			mux.Handle("GET /x", tt.h)
			h := logging.Middleware(logging.New(&buf, slog.LevelInfo))(mux)
			func() {
				defer func() { recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
			}()
			lines := decode(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(lines))
			}
			if l := lines[0]; l["level"] != tt.level || l["status"] != tt.code || l["route"] != tt.route {
				t.Errorf("access log = %v, want level %s status %v", l, tt.level, tt.code)
			}
		})
	}
	var buf bytes.Buffer
	h := logging.Middleware(logging.New(&buf, slog.LevelInfo))(http.NewServeMux())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nowhere", nil))
	if l := decode(t, &buf)[0]; l["route"] != "unmatched" || l["status"] != 404.0 {
		t.Errorf("unmatched request logged as %v", l)
	}
}

func TestHandlerWithoutRequestID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logging.New(&buf, slog.LevelInfo).InfoContext(context.Background(), "start")
	if l := decode(t, &buf)[0]; l["request_id"] != nil {
		t.Errorf("request_id written without one in the context: %v", l)
	}
	if h := logging.NewHandler(slog.DiscardHandler); logging.NewHandler(h) != h {
		t.Error("wrapping a Handler again made a new one")
	}
}

func TestTransportCarriesTheID(t *testing.T) {
	t.Parallel()
	got := make(chan string, 3)
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Request-ID")
	}))
	defer downstream.Close()
	client := &http.Client{Transport: logging.Transport(downstream.Client().Transport)}

	call := func(ctx context.Context, explicit string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "GET", downstream.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if explicit != "" {
			req.Header.Set("X-Request-ID", explicit)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := req.Header.Get("X-Request-ID"); h != explicit {
			t.Errorf("the caller's request was modified: X-Request-ID = %q", h)
		}
		return <-got
	}

	ctx := logging.WithRequestID(context.Background(), "req-9")
	if id := call(ctx, ""); id != "req-9" {
		t.Errorf("downstream saw X-Request-ID %q, want req-9", id)
	}
	if id := call(ctx, "explicit"); id != "explicit" {
		t.Errorf("downstream saw X-Request-ID %q, want the explicit one", id)
	}
	if id := call(context.Background(), ""); id != "" {
		t.Errorf("downstream saw X-Request-ID %q without an ID in the context", id)
	}
}

// TestEndToEnd follows one ID from an incoming request through the service's
// logs to the call it makes to another service.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	downstreamID := make(chan string, 1)
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downstreamID <- r.Header.Get("X-Request-ID")
	}))
	defer downstream.Close()
	client := &http.Client{Transport: logging.Transport(nil)}

	var buf bytes.Buffer
	h := logging.Middleware(logging.New(&buf, slog.LevelInfo))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", validTraceparent)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	const want = "4bf92f3577b34da6a3ce929d0e0e4736"
	if got := <-downstreamID; got != want {
		t.Errorf("downstream got %q, want %q", got, want)
	}
	if got := rec.Header().Get("X-Request-ID"); got != want {
		t.Errorf("response X-Request-ID = %q, want %q", got, want)
	}
	if l := decode(t, &buf)[0]; l["request_id"] != want {
		t.Errorf("access log request_id = %v, want %q", l["request_id"], want)
	}
}
