package orders

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned for an order that does not exist.
var ErrNotFound = errors.New("order not found")

// Store reads and writes orders.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a store on pool. The schema must be in place: see [Migrate].
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

const columns = "id, sku, qty, created_at"

// Create inserts o, which must be valid, and returns it as stored.
func (s *Store) Create(ctx context.Context, o NewOrder) (Order, error) {
	rows, _ := s.pool.Query(ctx,
		"INSERT INTO orders (sku, qty) VALUES ($1, $2) RETURNING "+columns, o.SKU, o.Qty)
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Order])
}

// Get returns the order with the given id, or [ErrNotFound].
func (s *Store) Get(ctx context.Context, id int64) (Order, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+columns+" FROM orders WHERE id = $1", id)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Order])
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, ErrNotFound
	}
	return o, err
}

// List returns at most limit orders, newest first. Identities are handed out
// in insertion order, so ordering by id is ordering by age, on the primary
// key's index.
func (s *Store) List(ctx context.Context, limit int) ([]Order, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+columns+" FROM orders ORDER BY id DESC LIMIT $1", limit)
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Order])
}

// Pending counts the orders waiting to be processed.
func (s *Store) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM orders WHERE status = 'pending'").Scan(&n)
	return n, err
}
