//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// rateIntervalValue stands in for Grafana's $__rate_interval when a query
// is parsed: any range parses alike.
const rateIntervalValue = "5m"

// unproduced fails the render when a query of dashboard d at path, of
// service s (nil for the overview), names a metric that nothing the
// environments deploy produces (alerting.Unproduced): a panel that stays
// empty looks like a quiet service. Dashboards serve every environment, so
// a metric must be produced in all of them. extra are the dashboard's
// other queries (a template variable's).
func unproduced(in engine.Input, s *spec.Service, path string, d dashboard.Dashboard, extra ...alerting.CheckedQuery) error {
	qs, err := queries(path, d)
	if err != nil {
		return err
	}
	return errors.Join(in.Alerting.Unproduced(in.Spec, s, append(qs, extra...))...)
}

// queries are the queries of every panel of d, rows' panels included, in
// the order of its JSON. They are read from the dashboard as built, which
// is what the JSON is written from: reading them back from the JSON took
// as long as writing it.
func queries(path string, d dashboard.Dashboard) ([]alerting.CheckedQuery, error) {
	var qs []alerting.CheckedQuery
	add := func(p dashboard.Panel) error {
		title := ""
		if p.Title != nil {
			title = *p.Title
		}
		where := fmt.Sprintf("%s: panel %q, query ", path, title)
		for i, t := range p.Targets {
			q, ok := t.(prometheus.Dataquery)
			if !ok {
				return fmt.Errorf("%s: panel %q, query %d is a %T, not a Prometheus query", path, title, i+1, t)
			}
			refID := ""
			if q.RefId != nil {
				refID = *q.RefId
			}
			qs = append(qs, alerting.CheckedQuery{
				Where: where + refID,
				Expr:  strings.ReplaceAll(q.Expr, rateInterval, rateIntervalValue),
			})
		}
		return nil
	}
	for _, p := range d.Panels {
		switch {
		case p.Panel != nil:
			if err := add(*p.Panel); err != nil {
				return nil, err
			}
		case p.RowPanel != nil:
			for _, rp := range p.RowPanel.Panels {
				if err := add(rp); err != nil {
					return nil, err
				}
			}
		}
	}
	return qs, nil
}
