package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groundwork-dev/groundwork/backend/partners"
)

// Scopes of the partner order routes, as partner specs grant them.
const (
	ScopeRead  = "orders:read"
	ScopeWrite = "orders:write"
)

// RegisterPartner adds the partner API to mux: the order routes under
// /partner/v1/, each behind auth with the scope it needs, answering the
// same JSON as /v1. A partner creates orders in its own name and sees only
// those and the demo orders ([SeedDemo]); another partner's order is "not
// found", so that its existence is not told either.
func RegisterPartner(mux *http.ServeMux, store *Store, m *Metrics, flags Flags, logger *slog.Logger, auth *partners.Auth) {
	h := &handlers{metrics: m, flags: flags, log: logger, base: "/partner/v1/orders",
		orders: func(r *http.Request) orderStore {
			// Require put the identity there; without one (a wiring
			// mistake) the empty name matches no partner's orders and
			// cannot be written (CHECK partner <> '').
			id, _ := partners.FromContext(r.Context())
			return store.Partner(id.Partner)
		}}
	mux.Handle("POST /partner/v1/orders", auth.Require(ScopeWrite, http.HandlerFunc(h.create)))
	mux.Handle("GET /partner/v1/orders", auth.Require(ScopeRead, http.HandlerFunc(h.list)))
	mux.Handle("GET /partner/v1/orders/{id}", auth.Require(ScopeRead, http.HandlerFunc(h.get)))
}

// PartnerOrders are the orders one partner may see: its own and the demo
// orders.
type PartnerOrders struct {
	pool    *pgxpool.Pool
	partner string
}

// Partner returns the orders partner may see.
func (s *Store) Partner(partner string) *PartnerOrders {
	return &PartnerOrders{pool: s.pool, partner: partner}
}

// Create inserts o, which must be valid, in the partner's name.
func (p *PartnerOrders) Create(ctx context.Context, o NewOrder) (Order, error) {
	rows, _ := p.pool.Query(ctx,
		"INSERT INTO orders (sku, qty, partner) VALUES ($1, $2, $3) RETURNING "+columns, o.SKU, o.Qty, p.partner)
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Order])
}

// Get returns the order id if the partner may see it, else [ErrNotFound].
func (p *PartnerOrders) Get(ctx context.Context, id int64) (Order, error) {
	rows, _ := p.pool.Query(ctx, "SELECT "+columns+" FROM orders WHERE id = $1 AND (partner = $2 OR demo)", id, p.partner)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Order])
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, ErrNotFound
	}
	return o, err
}

// List returns at most limit of the orders the partner may see, newest first.
func (p *PartnerOrders) List(ctx context.Context, limit int) ([]Order, error) {
	rows, _ := p.pool.Query(ctx, "SELECT "+columns+" FROM orders WHERE partner = $1 OR demo ORDER BY id DESC LIMIT $2", p.partner, limit)
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Order])
}

// DemoOrders are the orders [SeedDemo] puts in a sandbox, which every
// partner there sees; the partner playbooks cite them, and backend/README.md
// lists them. They are processed, so that they never count as a backlog.
var DemoOrders = []Order{
	{SKU: "demo-widget", Qty: 1, CreatedAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)},
	{SKU: "demo-gadget", Qty: 2, CreatedAt: time.Date(2026, 1, 1, 9, 1, 0, 0, time.UTC)},
	{SKU: "demo-gizmo", Qty: 5, CreatedAt: time.Date(2026, 1, 1, 9, 2, 0, 0, time.UTC)},
}

// SeedDemo inserts the [DemoOrders] that are missing (DEMO_DATA=true, after
// [Migrate]) and returns how many it inserted. It runs at every start; a
// demo order is recognised by its SKU, so it is inserted once, and an
// order of the same SKU made through the API is not mistaken for it.
func SeedDemo(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, o := range DemoOrders {
			tag, err := tx.Exec(ctx, `INSERT INTO orders (sku, qty, created_at, status, demo)
				VALUES ($1, $2, $3, 'processed', true) ON CONFLICT (sku) WHERE demo DO NOTHING`, o.SKU, o.Qty, o.CreatedAt)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("demo data: %w", err)
	}
	return n, nil
}
