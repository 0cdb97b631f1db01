// Package orders is the reference service's one resource: orders of a
// quantity of a SKU, kept in PostgreSQL. It is deliberately small; what it
// shows is the shape every Groundwork service takes (embedded migrations,
// validation before the database, JSON errors, context-carried logging).
package orders

import (
	"errors"
	"fmt"
	"time"
)

// Limits of a valid order, checked before the database sees it and again
// by the table's CHECK constraints.
const (
	MaxSKULen = 64
	MaxQty    = 1000
)

// Order is an order as stored and as served.
type Order struct {
	ID        int64     `json:"id"`
	SKU       string    `json:"sku"`
	Qty       int       `json:"qty"`
	CreatedAt time.Time `json:"created_at"`
}

// NewOrder is the body of POST /v1/orders.
type NewOrder struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// Validate returns every problem with o, joined, so that a client fixes them
// in one round trip.
func (o NewOrder) Validate() error {
	var errs []error
	switch {
	case o.SKU == "":
		errs = append(errs, errors.New("sku is required"))
	case len(o.SKU) > MaxSKULen:
		errs = append(errs, fmt.Errorf("sku is longer than %d characters", MaxSKULen))
	case !skuChars(o.SKU):
		errs = append(errs, errors.New("sku may hold only letters, digits, '-', '_' and '.'"))
	}
	if o.Qty < 1 || o.Qty > MaxQty {
		errs = append(errs, fmt.Errorf("qty must be between 1 and %d", MaxQty))
	}
	return errors.Join(errs...)
}

func skuChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
