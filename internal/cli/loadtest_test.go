package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The sample's api, run briefly against a local server: a healthy one
// passes (exit 0) with a report on stdout; one that answers 503 fails the
// availability threshold (exit 1); a wrong command says what is wrong
// (exit 2).
func TestLoadtestCommand(t *testing.T) {
	t.Parallel()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(healthy.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"healthy", []string{"loadtest", "api", "--target", healthy.URL, "--rate", "20", "--duration", "1s", "--env", "httptest"}, ExitOK,
			[]string{"# Load test of api: PASS", "20 requests/s for 1s", "| availability | `http_req_failed: rate<0.001` |", "| checkout | none |", "- **Environment:** httptest", "--env httptest"},
			[]string{"api: 0s of 1s", "of 20 requests"}},
		{"broken", []string{"loadtest", "--target", broken.URL, "--rate", "20", "--duration", "1s", "api"}, ExitFindings,
			[]string{"# Load test of api: FAIL", "100.00% | **FAIL** |", "503 × 20"},
			[]string{"api failed a threshold"}},
		{"no target", []string{"loadtest", "api"}, ExitInput, nil, []string{"usage: groundwork [-C DIR] loadtest SERVICE --target URL"}},
		{"unknown service", []string{"loadtest", "apj", "--target", healthy.URL}, ExitInput, nil, []string{`there is no service "apj"; the services with a load test are: api, web`}},
		{"no loadtest", []string{"loadtest", "worker", "--target", healthy.URL}, ExitInput, nil, []string{"worker has no loadtest in specs/services/worker.yaml"}},
		{"bad target", []string{"loadtest", "api", "--target", "localhost:8080", "--duration", "1s"}, ExitInput, nil, []string{"is not an http(s) base URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"-C", repoRoot}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}
