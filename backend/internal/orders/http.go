package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/groundwork-dev/groundwork/backend/partners"
)

// List limits: the default keeps a casual GET cheap, the maximum keeps any
// GET bounded.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// maxBody bounds a request body; an order is a few dozen bytes.
const maxBody = 64 << 10

// Flags are the feature flags the order routes read, per request.
type Flags interface {
	// NewCheckout reports whether the new checkout rules apply to r
	// (ValidateCheckout), the flag new-checkout.
	NewCheckout(r *http.Request) bool
}

// Register adds the order routes to mux, counting checkouts in m. The
// patterns are what the metrics and access logs label requests with.
func Register(mux *http.ServeMux, store *Store, m *Metrics, flags Flags, logger *slog.Logger) {
	h := &handlers{metrics: m, flags: flags, log: logger, base: "/v1/orders",
		orders: func(*http.Request) orderStore { return store }}
	mux.HandleFunc("POST /v1/orders", h.create)
	mux.HandleFunc("GET /v1/orders", h.list)
	mux.HandleFunc("GET /v1/orders/{id}", h.get)
}

// orderStore is what the handlers read and write: every order ([Store],
// for /v1, which the gateway guards) or one partner's ([Store.Partner]).
type orderStore interface {
	Create(context.Context, NewOrder) (Order, error)
	Get(context.Context, int64) (Order, error)
	List(context.Context, int) ([]Order, error)
}

// handlers serve one set of order routes; /v1 and /partner/v1 differ only
// in the orders a request may touch and the path an order is found at.
type handlers struct {
	orders  func(*http.Request) orderStore
	base    string
	metrics *Metrics
	flags   Flags
	log     *slog.Logger
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request) {
	h.metrics.attempts.Inc()
	var in NewOrder
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "body must be a JSON order like {\"sku\":\"demo\",\"qty\":1}: "+err.Error())
		return
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		writeError(w, http.StatusBadRequest, "body must hold one JSON object")
		return
	}
	validate := in.Validate
	if h.flags.NewCheckout(r) {
		validate = in.ValidateCheckout
	}
	if err := validate(); err != nil {
		writeError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	o, err := h.orders(r).Create(r.Context(), in)
	if err != nil {
		h.metrics.failures.Inc()
		h.internal(w, r, "create order", err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/%d", h.base, o.ID))
	writeJSON(w, http.StatusCreated, o)
}

func (h *handlers) list(w http.ResponseWriter, r *http.Request) {
	limit := DefaultLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", MaxLimit))
			return
		}
		limit = n
	}
	list, err := h.orders(r).List(r.Context(), limit)
	if err != nil {
		h.internal(w, r, "list orders", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Orders []Order `json:"orders"`
	}{list})
}

func (h *handlers) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "order id must be a positive whole number")
		return
	}
	o, err := h.orders(r).Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		h.internal(w, r, "get order", err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// internal logs the cause, with the request's ID, and tells the client only
// that it failed: database errors can name tables and constraints.
func (h *handlers) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), what, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// writeError answers {"error": msg, "code": ...}, the codes of the partner
// API's table (backend/README.md), on /v1 as on /partner/v1.
func writeError(w http.ResponseWriter, code int, msg string) {
	partners.WriteError(w, code, msg)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
