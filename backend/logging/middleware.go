package logging

import (
	"cmp"
	"log/slog"
	"net/http"
	"time"

	"github.com/groundwork-dev/groundwork/backend/internal/respond"
)

// Middleware correlates each request and writes one access-log line for it
// when it is done: at Info, or at Warn for a 5xx, so that an error-rate spike
// is visible at the default level without reading every line.
//
// Put it outside the metrics middleware and the [http.ServeMux]: the route
// field is the pattern the mux matched (r.Pattern), which the mux writes into
// the request this middleware hands down; a middleware in between that calls
// r.WithContext would hide it, and the route would read "unmatched".
func Middleware(logger *slog.Logger) func(http.Handler) http.Handler {
	logger = slog.New(NewHandler(logger.Handler()))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := requestIDFrom(r.Header)
			w.Header().Set(Header, id)
			r = r.WithContext(WithRequestID(r.Context(), id))
			rec := &respond.Recorder{ResponseWriter: w}

			defer func() {
				p := recover()
				status := cmp.Or(rec.Status, http.StatusOK)
				if p != nil && rec.Status == 0 {
					status = http.StatusInternalServerError
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelWarn
				}
				logger.LogAttrs(r.Context(), level, "request",
					slog.String("method", r.Method),
					slog.String("route", cmp.Or(r.Pattern, "unmatched")),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int64("bytes", rec.Bytes),
					slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
					slog.String("remote_addr", r.RemoteAddr),
				)
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
