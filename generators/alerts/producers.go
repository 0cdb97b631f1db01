package alerts

import (
	"errors"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// unproduced fails the render when a query of service s's runbooks names a
// metric that nothing the environment deploys produces
// (alerting.UnproducedRunbooks): such an alert would stay quiet while it
// looks like coverage. The spec's own queries name metrics that are the
// spec's, so only a generator's mistake can get here; the message names the
// query and the metric. The rules' queries are checked the same way by the
// generator that writes them, flux, as it builds their groups
// (alerting.UnproducedGroups): the two together are UnproducedRules.
func unproduced(m *spec.Model, am *alerting.Model, s *spec.Service) error {
	return errors.Join(am.UnproducedRunbooks(m, s)...)
}
