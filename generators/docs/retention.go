package docs

import (
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// retention is docs/data-retention.md: the policy's limits, then every
// store of every environment, as spec.DataStores lists them, which is also
// what validation holds to the limits.
func retention(m *spec.Model) []byte {
	var d markdown.Doc
	d.Heading(1, "Data inventory and retention")
	generatedNote(&d, "every database, bucket, backup, secret, log and metrics store of every environment")
	d.Para("The policy these numbers follow, and how deletion requests and legal holds are handled: " +
		markdown.Link("data-retention-policy.md", policyDoc) + ". Restoring from the backups listed here: " + markdown.Link("restore-drill.md", restoreDrillDoc) + ".")
	p := m.Platform
	d.Heading(2, "Limits")
	d.Table([]string{"Setting", "Value", "Where"}, [][]string{
		{"Personal data, any copy", fmt.Sprintf("at most %d days", p.Data.PersonalMaxDays), markdown.Code(p.Source.Path) + " " + markdown.Code("data.personalMaxDays")},
		{"Cluster control-plane and audit logs", fmt.Sprintf("%d days", p.Data.LogDays), markdown.Code("data.logDays")},
		{"Metrics (Prometheus)", fmt.Sprintf("%d days", p.Data.MetricsDays), markdown.Code("data.metricsDays")},
	})
	d.Para("A store classified " + markdown.Code(spec.ClassPersonal) + " that keeps any copy longer than the limit, or a bucket that does not state " +
		markdown.Code("expireDays") + " or " + markdown.Code("keepForever") + ", fails " + markdown.Code("groundwork generate") + " with the spec line to change. " +
		"A store whose classification is " + markdown.Code("unclassified") + " has none in its spec: say what it holds there.")
	for _, e := range m.Environments {
		d.Heading(2, envTitle(e))
		var rows [][]string
		for _, s := range m.DataStores(e) {
			rows = append(rows, []string{
				markdown.Esc(s.Kind), markdown.Code(s.Name), owner(s.Service), markdown.Esc(s.Holds), classes(s),
				markdown.Esc(s.Encryption), markdown.Esc(strings.Join(s.Readers, "; ")), markdown.Esc(s.Retention), maxDays(s),
			})
		}
		d.Table([]string{"Store", "Name", "Owner", "Holds", "Classes", "Encryption", "Who may read", "Retention", "Longest copy"}, rows)
	}
	d.Heading(2, "Outside this inventory")
	d.List(
		"Terraform state, in "+markdown.Code(p.Cloud.StateBucket)+": made outside groundwork; it holds resource attributes (no secret values: see the guardrail in "+markdown.Code("policies/")+"). Its retention is the bucket owner's.",
		"GitHub: workflow logs and artifacts follow the repository's retention settings; the deploy workflows keep their build artifacts 1 day.",
		"Grafana (kube-prometheus-stack, in the monitoring namespace): reads Prometheus; its own state (users, unprovisioned dashboards) lives in the pod, without a volume, and goes with it.",
	)
	return d.Bytes()
}

func classes(s spec.DataStore) string {
	if len(s.Classes) == 0 {
		return "**unclassified**"
	}
	return markdown.Esc(strings.Join(s.Classes, ", "))
}

func maxDays(s spec.DataStore) string {
	switch s.MaxDays {
	case spec.Forever:
		return "forever"
	case 0:
		return "as long as in use"
	}
	return fmt.Sprintf("%d days", s.MaxDays)
}
