package terraform

import (
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// cloudWatchExporterRole sets the iam module's cloudwatch_exporter where the
// environment runs the CloudWatch exporter (the flux generator installs it
// wherever a service has a database): its IRSA role, trusted by the
// exporter's ServiceAccount in the monitoring namespace, which may read
// CloudWatch's metric statistics in the environment's region.
func cloudWatchExporterRole(iam *hclwrite.Body, m *spec.Model, e *spec.Environment) {
	if !alerting.HasDatabase(m) {
		return
	}
	o := &object{}
	o.set("role_name", str(spec.CloudWatchExporterRoleName(m.Platform, e)))
	o.set("namespace", str(spec.MonitoringNamespace))
	o.set("service_account", str(spec.CloudWatchExporterServiceAccount))
	o.set("regions", strs([]string{e.Region}))
	iam.SetAttributeRaw("cloudwatch_exporter", o.tokens())
}
