package orders

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	h := &handlers{store: store, metrics: m, flags: flags, log: logger}
	mux.HandleFunc("POST /v1/orders", h.create)
	mux.HandleFunc("GET /v1/orders", h.list)
	mux.HandleFunc("GET /v1/orders/{id}", h.get)
}

type handlers struct {
	store   *Store
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
	o, err := h.store.Create(r.Context(), in)
	if err != nil {
		h.metrics.failures.Inc()
		h.internal(w, r, "create order", err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/orders/%d", o.ID))
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
	list, err := h.store.List(r.Context(), limit)
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
	o, err := h.store.Get(r.Context(), id)
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

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
