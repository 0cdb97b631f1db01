package partners

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
)

// The caller of a partner request is known only deep in the handler chain,
// in [Auth.Require] under the mux, but the access log line is written
// outside it, with the context the request came in with. So [Track], at
// the edge, puts an empty slot in that context; Require fills it; and
// [LogHandler] adds what the slot holds to every record logged with a
// context that carries it, the access line included.

type logSlotKey struct{}

// Track gives each request a slot for its caller's log attributes. Put it
// outside logging.Middleware, whose access line must see the slot:
//
//	handler := partners.Track(logging.Middleware(logger)(mux))
func Track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot := new(atomic.Pointer[[]slog.Attr])
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), logSlotKey{}, slot)))
	})
}

// setLogAttrs fills the request's slot, if [Track] made one.
func setLogAttrs(ctx context.Context, attrs []slog.Attr) {
	if slot, ok := ctx.Value(logSlotKey{}).(*atomic.Pointer[[]slog.Attr]); ok && len(attrs) > 0 {
		slot.Store(&attrs)
	}
}

func logAttrs(ctx context.Context) []slog.Attr {
	if slot, ok := ctx.Value(logSlotKey{}).(*atomic.Pointer[[]slog.Attr]); ok {
		if attrs := slot.Load(); attrs != nil {
			return *attrs
		}
	}
	return nil
}

// LogHandler wraps h so that a record logged with the context of a partner
// request carries partner and key_id at the top level of its line. Put it
// under logging's handler, which adds request_id the same way:
//
//	slog.New(logging.NewHandler(partners.LogHandler(slog.NewJSONHandler(w, nil))))
func LogHandler(h slog.Handler) slog.Handler {
	return &logHandler{inner: h, root: h}
}

// logHandler keeps, like logging.Handler, the handler before any group
// (root) and the calls made since (ops), because attributes added to a
// record land in the innermost open group, and the caller belongs at the
// top of the line.
type logHandler struct {
	inner, root slog.Handler
	ops         []func(slog.Handler) slog.Handler
	grouped     bool
}

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs := logAttrs(ctx)
	switch {
	case len(attrs) == 0:
		return h.inner.Handle(ctx, r)
	case !h.grouped:
		r.AddAttrs(attrs...)
		return h.inner.Handle(ctx, r)
	}
	inner := h.root.WithAttrs(attrs)
	for _, op := range h.ops {
		inner = op(inner)
	}
	return inner.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithAttrs(attrs) }, false)
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(in slog.Handler) slog.Handler { return in.WithGroup(name) }, true)
}

func (h *logHandler) with(op func(slog.Handler) slog.Handler, group bool) *logHandler {
	return &logHandler{
		inner:   op(h.inner),
		root:    h.root,
		ops:     append(h.ops[:len(h.ops):len(h.ops)], op),
		grouped: h.grouped || group,
	}
}
