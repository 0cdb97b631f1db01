package orders_test

import (
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/backend/internal/orders"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   orders.NewOrder
		want string // "" for valid; else every fragment, separated by |
	}{
		{orders.NewOrder{SKU: "demo", Qty: 1}, ""},
		{orders.NewOrder{SKU: "A-b_c.9", Qty: orders.MaxQty}, ""},
		{orders.NewOrder{SKU: strings.Repeat("x", orders.MaxSKULen), Qty: 1}, ""},
		{orders.NewOrder{Qty: 1}, "sku is required"},
		{orders.NewOrder{SKU: strings.Repeat("x", orders.MaxSKULen+1), Qty: 1}, "longer than 64"},
		{orders.NewOrder{SKU: "démo", Qty: 1}, "sku may hold only"},
		{orders.NewOrder{SKU: "demo", Qty: 0}, "qty must be between 1 and 1000"},
		{orders.NewOrder{SKU: "demo", Qty: orders.MaxQty + 1}, "qty must be"},
		{orders.NewOrder{SKU: "a;b", Qty: -3}, "sku may hold only|qty must be"},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%+v: unexpected %v", tt.in, err)
			}
			continue
		}
		for frag := range strings.SplitSeq(tt.want, "|") {
			if err == nil || !strings.Contains(err.Error(), frag) {
				t.Errorf("%+v: error %v lacks %q", tt.in, err, frag)
			}
		}
	}
}
