package spec

// Names around the CloudWatch exporter, in one place so that the Flux
// infrastructure layer (its HelmRelease and configuration), the Terraform
// root (its IRSA role) and the alerts (the series it exports) agree.
//
// The exporter is YACE (prometheus-community's yet-another-cloudwatch-
// exporter), installed in every environment that has an RDS instance,
// beside Prometheus in the monitoring namespace. It reads, with static
// jobs, exactly the CloudWatch metrics that alerts watch, of exactly the
// environment's instances, and exports them under YACE's names:
// aws_<namespace>_<metric>_<statistic> in snake case, with one label
// dimension_<Dimension> per CloudWatch dimension.

// PrometheusStackRelease is kube-prometheus-stack's HelmRelease (and chart)
// in MonitoringNamespace: Prometheus, Alertmanager, Grafana,
// kube-state-metrics and node-exporter, whose series alerts read.
const PrometheusStackRelease = "kube-prometheus-stack"

const (
	// CloudWatchExporterName is the exporter's HelmRelease, the chart's
	// full name (fullnameOverride: its Deployment, Service and
	// ServiceMonitor) and its ServiceAccount, in MonitoringNamespace.
	CloudWatchExporterName = "cloudwatch-exporter"
	// CloudWatchExporterServiceAccount is the ServiceAccount the
	// exporter's IRSA role trusts.
	CloudWatchExporterServiceAccount = CloudWatchExporterName
)

// CloudWatchExporterRoleName is the IAM role (IRSA) the CloudWatch exporter
// of environment e reads CloudWatch with.
func CloudWatchExporterRoleName(p *Platform, e *Environment) string {
	return p.Name + "-" + e.Name + "-cloudwatch"
}

// CloudWatchMetric is one CloudWatch metric and statistic that an alert
// reads through the exporter, for the instances of one dimension.
type CloudWatchMetric struct {
	Namespace string // AWS/RDS
	Name      string // FreeStorageSpace
	Statistic string // Average
	Dimension string // DBInstanceIdentifier
	// Series is the name the exporter gives it, and Label the label that
	// holds the dimension's value: both follow from the fields above by
	// YACE's rules, and a test of the flux generator derives them again.
	Series, Label string
}

// RDSFreeStorage is the free storage of an RDS instance, in bytes, averaged
// over the exporter's period: what DatabaseStorageLow watches.
var RDSFreeStorage = CloudWatchMetric{
	Namespace: "AWS/RDS",
	Name:      "FreeStorageSpace",
	Statistic: "Average",
	Dimension: "DBInstanceIdentifier",
	Series:    "aws_rds_free_storage_space_average",
	Label:     "dimension_DBInstanceIdentifier",
}
