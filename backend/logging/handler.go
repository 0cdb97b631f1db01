package logging

import (
	"context"
	"log/slog"
)

// Handler is a [slog.Handler] that adds request_id, from the context a record
// is logged with, to every record. Code anywhere below the middleware then
// only has to log with logger.InfoContext(ctx, ...) to be correlated.
type Handler struct {
	inner slog.Handler
	// root is inner before any WithGroup, and ops replays what was done to it
	// since. request_id belongs at the top level of a line, not inside the
	// groups a library opened, and only the root can put it there.
	root    slog.Handler
	ops     []func(slog.Handler) slog.Handler
	grouped bool
}

// NewHandler wraps h. Wrapping a *Handler again returns it unchanged, so
// request_id is never written twice.
func NewHandler(h slog.Handler) *Handler {
	if lh, ok := h.(*Handler); ok {
		return lh
	}
	return &Handler{inner: h, root: h}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	id := RequestID(ctx)
	if id == "" {
		return h.inner.Handle(ctx, r)
	}
	if !h.grouped {
		r.AddAttrs(slog.String("request_id", id))
		return h.inner.Handle(ctx, r)
	}
	inner := h.root.WithAttrs([]slog.Attr{slog.String("request_id", id)})
	for _, op := range h.ops {
		inner = op(inner)
	}
	return inner.Handle(ctx, r)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithAttrs(attrs) }, false)
}

func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(in slog.Handler) slog.Handler { return in.WithGroup(name) }, true)
}

func (h *Handler) with(op func(slog.Handler) slog.Handler, group bool) *Handler {
	return &Handler{
		inner:   op(h.inner),
		root:    h.root,
		ops:     append(h.ops[:len(h.ops):len(h.ops)], op),
		grouped: h.grouped || group,
	}
}
