package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tests := []struct {
		name string
		env  map[string]string
		code int
		log  string
	}{
		{"no database URL", map[string]string{}, exitConfig, "DATABASE_URL or PGHOST is required"},
		{"unknown auth", map[string]string{"DATABASE_URL": "postgres://x", "DATABASE_AUTH": "token"}, exitConfig, "DATABASE_AUTH"},
		{"bad thresholds", map[string]string{"DATABASE_URL": "postgres://x", "SLO_LATENCY_THRESHOLDS": "soon"}, exitConfig, "SLO_LATENCY_THRESHOLDS"},
		{"partners without keys", map[string]string{"DATABASE_URL": "postgres://x", "PARTNERS_FILE": "/etc/partners/partners.json"}, exitConfig, "PARTNER_KEYS_FILE"},
		{"database down", map[string]string{"DATABASE_URL": "postgres://postgres@" + closed + "/postgres?connect_timeout=2"}, exitFailed, "database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(context.Background(), func(k string) string { return tt.env[k] }, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr.String(), tt.log) || !strings.Contains(stderr.String(), `"level":"ERROR"`) {
				t.Errorf("log %q lacks an ERROR line about %q", stderr.String(), tt.log)
			}
		})
	}
}
