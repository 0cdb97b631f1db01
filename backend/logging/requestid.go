package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// Header is the header that carries the correlation ID in and out.
const Header = "X-Request-ID"

// maxRequestIDLen bounds an ID taken from a caller, who is not trusted to
// keep log lines small.
const maxRequestIDLen = 128

type ctxKey struct{}

// WithRequestID returns a context carrying id. [Middleware] calls it; jobs and
// consumers that do not start from an HTTP request call it with [NewRequestID]
// so that their logs and outgoing calls are correlated too.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the correlation ID that ctx carries, or "" if none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// NewRequestID returns 32 random lowercase hex digits: the shape of a W3C
// trace-id, so that IDs look alike whichever way they were made.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// requestIDFrom chooses the correlation ID for an incoming request.
func requestIDFrom(h http.Header) string {
	if id := h.Get(Header); saneRequestID(id) {
		return id
	}
	if id, ok := traceID(h.Get("Traceparent")); ok {
		return id
	}
	return NewRequestID()
}

// saneRequestID accepts 1 to 128 printable ASCII characters without spaces:
// anything else could forge log fields or fill disks, so it is replaced, not
// cleaned.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// traceID returns the trace-id of a traceparent header value that is valid by
// W3C Trace Context level 1: "version-traceid-parentid-flags" in lowercase
// hex, version not ff, neither ID all zeros; a future version may append
// fields after a dash.
func traceID(tp string) (string, bool) {
	tp = strings.TrimSpace(tp)
	if len(tp) < 55 || (len(tp) > 55 && (tp[:2] == "00" || tp[55] != '-')) {
		return "", false
	}
	if tp[2] != '-' || tp[35] != '-' || tp[52] != '-' {
		return "", false
	}
	version, trace, parent, flags := tp[0:2], tp[3:35], tp[36:52], tp[53:55]
	if !lowerHex(version) || version == "ff" || !lowerHex(trace) || !lowerHex(parent) || !lowerHex(flags) {
		return "", false
	}
	if strings.Trim(trace, "0") == "" || strings.Trim(parent, "0") == "" {
		return "", false
	}
	return trace, true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
