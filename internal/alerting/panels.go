package alerting

import "github.com/groundwork-dev/groundwork/internal/spec"

// Titles of the dashboard panels that alerts and runbooks send on-call to.
// The dashboards generator makes a panel of each title that applies to a
// service, and a test holds it to that.
const (
	PanelRequests     = "Requests per second"  // services with a port
	PanelErrors       = "Error ratio (5xx)"    // services with a port
	PanelLatency      = "Latency percentiles"  // services with a port
	PanelReplicas     = "Replicas reporting"   // every service
	PanelDatabasePool = "Database pool in use" // services with a database
	PanelBackupAge    = "Newest backup age"    // services with a database
	// The restore drill's panels, beside the backup's, for services with
	// a database.
	PanelBackupSize    = "Backup size"
	PanelBackupTime    = "Backup duration"
	PanelDrillAge      = "Newest restore drill age"
	PanelDrillResult   = "Restore drill result"
	PanelDrillDuration = "Restore drill duration (RTO)"
	PanelDrillRPO      = "Restored data age (RPO)"
	// PanelFlagEvaluations shows, for services with flags, which variant
	// each flag gives: where a flag is switched, its effect shows here.
	PanelFlagEvaluations = "Flag evaluations by variant"
)

// PanelSLI shows an SLO's error ratio against its budget.
func PanelSLI(o *spec.SLO) string { return "SLO " + o.Name + ": error ratio" }

// PanelBurnRate shows an SLO's burn rate over each tier's windows.
func PanelBurnRate(o *spec.SLO) string { return "SLO " + o.Name + ": burn rate" }

// PanelBudget shows the share of an SLO's error budget left in its window.
func PanelBudget(o *spec.SLO) string { return "SLO " + o.Name + ": error budget remaining" }

// PanelSpecAlert plots the query a spec alert compares with its threshold.
func PanelSpecAlert(a *spec.Alert) string { return "Alert " + a.Name }
