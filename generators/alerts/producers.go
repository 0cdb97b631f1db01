package alerts

import (
	"errors"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// unproduced fails the render when a rule of service s, in any environment,
// or a query of its runbooks names a metric that nothing the environment
// deploys produces (alerting.UnproducedRules): such an alert would stay
// quiet while it looks like coverage. The spec's own queries name metrics that
// are the spec's, so only a generator's mistake can get here; the message
// names the rule and the metric.
func unproduced(m *spec.Model, am *alerting.Model, s *spec.Service) error {
	return errors.Join(am.UnproducedRules(m, s)...)
}
