package partners

import (
	"encoding/json"
	"net/http"
)

// Error codes of the partner API, by the status they come with. A client
// branches on the code, a person reads the error; the code of a status
// never changes, the wording may.
const (
	CodeInvalidRequest    = "invalid_request"    // 400 and other 4xx: fix the request
	CodeUnauthenticated   = "unauthenticated"    // 401: no key, or a key that is not good here
	CodeInsufficientScope = "insufficient_scope" // 403: the partner may not call this route
	CodeNotFound          = "not_found"          // 404
	CodeRateLimited       = "rate_limited"       // 429: wait Retry-After seconds
	CodeInternal          = "internal"           // 5xx: ours; retry later
)

// Code is the error code of an HTTP status.
func Code(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return CodeUnauthenticated
	case status == http.StatusForbidden:
		return CodeInsufficientScope
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status >= 500:
		return CodeInternal
	}
	return CodeInvalidRequest
}

// WriteError answers with status and the JSON body every error of the API
// has, {"error": msg, "code": Code(status)}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}{msg, Code(status)})
}
