// Package orders is the reference service's one resource: orders of a
// quantity of a SKU, kept in PostgreSQL. It is deliberately small; what it
// shows is the shape every Groundwork service takes (embedded migrations,
// validation before the database, JSON errors, context-carried logging).
package orders

import (
	"errors"
	"fmt"
	"strings"
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

// Limits of the new checkout (the flag new-checkout): at most
// MaxCheckoutQty of a catalogue SKU, lowercase letters and digits in
// dash-separated words, as the catalogue writes them.
const MaxCheckoutQty = 100

// ValidateCheckout is Validate with the new checkout's rules on top. It
// runs where the flag new-checkout is on, so that the rules reach
// production a share of customers at a time and can be switched off
// without a release.
func (o NewOrder) ValidateCheckout() error {
	var errs []error
	if err := o.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.SKU != "" && len(o.SKU) <= MaxSKULen && !catalogueSKU(o.SKU) {
		errs = append(errs, errors.New("sku must be a catalogue SKU: lowercase letters and digits, words joined by '-', such as demo or red-mug-350"))
	}
	if o.Qty > MaxCheckoutQty && o.Qty <= MaxQty {
		errs = append(errs, fmt.Errorf("qty must be at most %d per order", MaxCheckoutQty))
	}
	return errors.Join(errs...)
}

// catalogueSKU reports whether s is written as the catalogue writes SKUs.
func catalogueSKU(s string) bool {
	for _, word := range strings.Split(s, "-") {
		if word == "" {
			return false
		}
		for i := 0; i < len(word); i++ {
			if c := word[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
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
