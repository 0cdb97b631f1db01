package alerting

import "github.com/groundwork-dev/groundwork/internal/spec"

// RuleQueries are the queries UnproducedRules checks, each with where it
// is.
func (m *Model) RuleQueries(sm *spec.Model, s *spec.Service) []CheckedQuery {
	var qs []CheckedQuery
	m.ruleQueries(sm, s, func(q ruleQuery) { qs = append(qs, CheckedQuery{Where: q.where(), Expr: q.expr}) })
	return qs
}
