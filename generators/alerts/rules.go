package alerts

import (
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// RuleFile is a Prometheus rule file of the groups.
func RuleFile(gs []alerting.Group) ([]byte, error) {
	return yamlw.Marshal(struct {
		Groups []alerting.Group `yaml:"groups"`
	}{gs})
}
