// Package respond is what the HTTP middleware of the libraries (logging,
// metrics, partners) share: a ResponseWriter that remembers what the
// handler sent.
package respond

import "net/http"

// Recorder remembers the status a handler sent (200 when it wrote a body
// without one) and counts the body bytes. Unwrap lets
// http.ResponseController reach the underlying writer's Flush, Hijack and
// deadlines.
type Recorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

// WriteHeader records the first final status; 1xx are informational.
func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 && code >= 200 {
		r.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.Bytes += int64(n)
	return n, err
}

// Unwrap returns the writer the Recorder wraps.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
