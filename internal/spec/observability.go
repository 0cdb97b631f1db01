package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Names that alert rules, Alertmanager routing, dashboards and runbooks must
// agree on. They are made here, beside the cloud names, so that validation
// can refuse a spec alert that would take a generated alert's name and so
// that every generated link has exactly one place it can point to.

// Generated alerts every service gets, by the suffix after the service's
// UpperCamelCase name (ApiTargetDown). An SLO adds
// <Service><SLO>ErrorBudgetBurn.
const (
	AlertTargetDown            = "TargetDown"
	AlertPodCrashLooping       = "PodCrashLooping"
	AlertBackupTooOld          = "BackupTooOld"
	AlertDatabaseStorageLow    = "DatabaseStorageLow"
	AlertDatabasePoolSaturated = "DatabasePoolSaturated"
	AlertRestoreDrillFailed    = "RestoreDrillFailed"
	AlertRestoreDrillOverdue   = "RestoreDrillOverdue"
	alertBurnSuffix            = "ErrorBudgetBurn"
)

// Camel turns a DNS label into UpperCamelCase: order-service → OrderService.
// A '-' before a letter capitalises it; one before a digit or another '-'
// becomes '_' (api-v2 → Api_v2, a--b → A_B), so that two labels never make
// one name: "latency-99" and "latency99" would otherwise both be Latency99,
// and two SLOs' burn alerts would share a name, rules and a runbook.
func Camel(name string) string {
	var b strings.Builder
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' && i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z':
			up = true
		case c == '-':
			b.WriteByte('_')
		case up && c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
			up = false
		default:
			b.WriteByte(c)
			up = false
		}
	}
	return b.String()
}

// ReservedAlertNames are alerts of kube-prometheus-stack that Alertmanager
// routes to no one (Watchdog proves the pipeline works by always firing,
// InfoInhibitor only inhibits): a spec alert of one of these names would
// never reach its team.
var ReservedAlertNames = []string{"Watchdog", "InfoInhibitor"}

// PlatformAlertName is the name of generated alert kind (AlertTargetDown…)
// for service s.
func PlatformAlertName(s *Service, kind string) string { return Camel(s.Name) + kind }

// BurnAlertName is the burn-rate alert of SLO o of service s; its four
// window tiers share the name and differ by their tier label.
func BurnAlertName(s *Service, o *SLO) string { return Camel(s.Name) + Camel(o.Name) + alertBurnSuffix }

// GeneratedAlertNames lists the names of the alerts Groundwork generates for
// s, whatever the environment.
func GeneratedAlertNames(s *Service) []string {
	names := []string{PlatformAlertName(s, AlertTargetDown), PlatformAlertName(s, AlertPodCrashLooping)}
	if s.Database != nil {
		names = append(names,
			PlatformAlertName(s, AlertBackupTooOld),
			PlatformAlertName(s, AlertDatabaseStorageLow),
			PlatformAlertName(s, AlertDatabasePoolSaturated),
			PlatformAlertName(s, AlertRestoreDrillFailed),
			PlatformAlertName(s, AlertRestoreDrillOverdue))
	}
	for _, o := range s.SLOs {
		if len(o.Tiers()) > 0 { // an SLO with every tier off alerts on nothing
			names = append(names, BurnAlertName(s, o))
		}
	}
	return names
}

// RunbooksDir holds one runbook per alert, by service, and an index.
const RunbooksDir = "runbooks"

// RunbookPath is the runbook of alert name of service s.
func RunbookPath(s *Service, alert string) string {
	return RunbooksDir + "/" + s.Name + "/" + alert + ".md"
}

// DatabaseRunbookPath is the generated page, beside service s's runbooks,
// that says where each environment keeps the backups of its database and
// gives the commands to list them, take one, run the restore drill and
// restore. Its name holds a '-', which no alert name can (they are
// UpperCamelCase), so that no alert's runbook can take its path, not even
// on a case-insensitive file system.
func DatabaseRunbookPath(s *Service) string {
	return RunbooksDir + "/" + s.Name + "/database-recovery.md"
}

// RestoreDrillDoc is the hand-written procedure of a restore: when to
// restore, from which copy, who decides, how to cut over, and what the
// restore drill proves. The database runbooks link it.
const RestoreDrillDoc = "docs/restore-drill.md"

// DefaultBranch is the branch whose files alert links point at.
const DefaultBranch = "main"

// RunbookURL is where on-call reads the runbook: the file on the default
// branch, as GitHub renders it.
func RunbookURL(p *Platform, s *Service, alert string) string {
	return "https://github.com/" + p.Repository + "/blob/" + DefaultBranch + "/" + RunbookPath(s, alert)
}

// DashboardsDir holds the Grafana dashboards as JSON.
const DashboardsDir = "dashboards"

// OverviewDashboard is the file stem and uid of the dashboard of all services.
const OverviewDashboard = "overview"

// DashboardPath is the dashboard JSON of service s.
func DashboardPath(s *Service) string { return DashboardsDir + "/" + s.Name + ".json" }

// maxGrafanaUID is Grafana's limit on a dashboard uid.
const maxGrafanaUID = 40

// DashboardUID is the stable uid of service s's dashboard. Grafana allows 40
// characters, so a long service name is cut and made unique by a hash. Only
// cut uids are 40 characters long, so that no service's plain uid can be
// another's cut one (a 36-character name ending in "-" and 8 hex digits).
func DashboardUID(s *Service) string {
	uid := "svc-" + s.Name
	if len(uid) < maxGrafanaUID {
		return uid
	}
	sum := sha256.Sum256([]byte(s.Name))
	return uid[:maxGrafanaUID-9] + "-" + hex.EncodeToString(sum[:4])
}

// OverviewDashboardUID is the uid of the dashboard of every service.
const OverviewDashboardUID = "groundwork-overview"

// DashboardTitle is the title of service s's dashboard, which Grafana's
// search finds it by.
func DashboardTitle(p *Platform, s *Service) string { return p.Name + " / " + s.Name }

// DashboardGrafanaPath is service s's dashboard as a path inside a Grafana,
// /d/<uid>/<name>: how the dashboards link each other. One dashboard file
// serves every environment's Grafana, and Grafana puts its own base URL
// (sub-path included) before a link that starts with '/'; outside Grafana
// the path alone leads nowhere.
func DashboardGrafanaPath(s *Service) string { return "/d/" + DashboardUID(s) + "/" + s.Name }

// DashboardURL is the link to service s's dashboard in environment e's
// Grafana, or "" when e names no Grafana. A bare path would be resolved
// against wherever it is shown (GitHub, Slack, PagerDuty) and lead nowhere,
// so such an environment's alerts, notifications and runbooks link no
// dashboard and name it instead (DashboardTitle, DashboardUID, and the
// EnvironmentFile in which alerting.grafana would link it).
func DashboardURL(e *Environment, s *Service) string {
	if e.Alerting.Grafana == "" {
		return ""
	}
	return strings.TrimSuffix(e.Alerting.Grafana, "/") + DashboardGrafanaPath(s)
}

// EnvironmentFile is the spec file of environment e: where it was read
// from, or where a YAML spec of it would be.
func EnvironmentFile(e *Environment) string {
	if e.Source != nil && e.Source.Path != "" {
		return e.Source.Path
	}
	return Dir + "/environments/" + e.Name + ".yaml"
}

// WithoutGrafana says, one line per environment that names no Grafana,
// that its alerts link no dashboard and how to make them: so that the
// missing link is noticed when specs are generated, not during a page.
func WithoutGrafana(m *Model) []string {
	var out []string
	for _, e := range m.Environments {
		if e.Alerting.Grafana == "" {
			out = append(out, fmt.Sprintf("%s names no Grafana: its alerts, notifications and runbooks name each service's dashboard instead of linking it; set alerting.grafana in %s",
				e.Name, EnvironmentFile(e)))
		}
	}
	return out
}

// BurnTier is one multi-window burn-rate alert of an SLO, after the Google SRE
// workbook: it fires while both windows burn the error budget faster than
// Factor times the sustainable rate, which spends Budget of the whole budget
// within Long.
type BurnTier struct {
	Name     string        // the tier label, e.g. page-1h
	Severity string        // page or ticket, before the environment's alerting.page
	Short    time.Duration // resets the alert soon after the burn stops
	Long     time.Duration // the window whose burn the tier is about
	Budget   float64       // share of the window's error budget spent within Long
	For      time.Duration
}

// BurnTiers are the four tiers, fastest first; at a 30-day window their
// factors are 14.4, 6, 3 and 1.
var BurnTiers = []BurnTier{
	{Name: "page-1h", Severity: SeverityPage, Short: 5 * time.Minute, Long: time.Hour, Budget: 0.02, For: 2 * time.Minute},
	{Name: "page-6h", Severity: SeverityPage, Short: 30 * time.Minute, Long: 6 * time.Hour, Budget: 0.05, For: 15 * time.Minute},
	{Name: "ticket-1d", Severity: SeverityTicket, Short: 2 * time.Hour, Long: 24 * time.Hour, Budget: 0.10, For: time.Hour},
	{Name: "ticket-3d", Severity: SeverityTicket, Short: 6 * time.Hour, Long: 72 * time.Hour, Budget: 0.10, For: 3 * time.Hour},
}

// Factor is the burn rate the tier fires above, for an SLO window.
func (t BurnTier) Factor(window time.Duration) float64 {
	return t.Budget * float64(window) / float64(t.Long)
}

// ErrorBudget is the share of events the SLO may fail: 0.001 for 99.9.
func (o *SLO) ErrorBudget() float64 { return (100 - o.Objective) / 100 }

// Tiers lists the SLO's burn tiers that are switched on.
func (o *SLO) Tiers() []BurnTier {
	var ts []BurnTier
	for _, t := range BurnTiers {
		if (t.Severity == SeverityPage && o.PageEnabled()) || (t.Severity == SeverityTicket && o.TicketEnabled()) {
			ts = append(ts, t)
		}
	}
	return ts
}

// AlertmanagerSecretName is the Secrets Manager secret of environment e that
// holds the receivers' credentials, one key per team and channel:
// pagerduty-<team> (a PagerDuty Events v2 routing key) and slack-<team> (a
// Slack incoming-webhook URL). Terraform creates it empty; people fill it in.
func AlertmanagerSecretName(e *Environment) string { return e.Name + "/platform/alertmanager" }

// AlertmanagerSecretKeys lists the keys of the Alertmanager secret.
func AlertmanagerSecretKeys(p *Platform) []string {
	var keys []string
	for _, t := range slices.Sorted(maps.Keys(p.Teams)) {
		keys = append(keys, AlertmanagerPagerDutyKey(t), AlertmanagerSlackKey(t))
	}
	return keys
}

// AlertmanagerPagerDutyKey is the key of team's PagerDuty Events v2
// routing key in the Alertmanager secret.
func AlertmanagerPagerDutyKey(team string) string { return "pagerduty-" + team }

// AlertmanagerSlackKey is the key of team's Slack webhook URL in the
// Alertmanager secret.
func AlertmanagerSlackKey(team string) string { return "slack-" + team }
