package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// checkedPanel is what the producer check reads of a dashboard's JSON:
// every panel's queries, rows' panels included.
type checkedPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []checkedPanel `json:"panels"`
}

// rateIntervalValue stands in for Grafana's $__rate_interval when a query
// is parsed: any range parses alike.
const rateIntervalValue = "5m"

// unproduced fails the render when a query of the dashboard at path, of
// service s (nil for the overview), names a metric that nothing the
// environments deploy produces (alerting.Unproduced): a panel that stays
// empty looks like a quiet service. Dashboards serve every environment, so
// a metric must be produced in all of them.
func unproduced(in engine.Input, s *spec.Service, path string, data []byte) error {
	var b struct {
		Panels []checkedPanel `json:"panels"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var qs []alerting.CheckedQuery
	var walk func(ps []checkedPanel)
	walk = func(ps []checkedPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				qs = append(qs, alerting.CheckedQuery{
					Where: fmt.Sprintf("%s: panel %q, query %s", path, p.Title, t.RefID),
					Expr:  strings.ReplaceAll(t.Expr, rateInterval, rateIntervalValue),
				})
			}
			walk(p.Panels)
		}
	}
	walk(b.Panels)
	return errors.Join(in.Alerting.Unproduced(in.Spec, s, qs)...)
}
