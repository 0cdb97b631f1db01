// Package logging gives Groundwork's Go services JSON logs that can be joined
// across services by one correlation ID.
//
// A request's ID is chosen once, at the edge of the service, by [Middleware]:
// the caller's X-Request-ID when it is sane, else the trace-id of a valid W3C
// traceparent header, else a new random one. From there it travels in the
// context: [RequestID] reads it, every record logged with a *Context method
// carries it as request_id (see [NewHandler]), the response echoes it in
// X-Request-ID, and [Transport] puts it on outgoing calls, so that the next
// service logs the same ID.
package logging

import (
	"io"
	"log/slog"
)

// New returns a logger writing one JSON object per line to w, with request_id
// added to every record logged with a context that carries one.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}
