package docs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// retention is docs/data-retention.md: the policy's limits, then every
// store of every environment, as spec.DataStores lists them, which is also
// what validation holds to the limits.
func retention(m *spec.Model, stores map[*spec.Environment][]spec.DataStore) []byte {
	// The rows of the environments' tables, most of the work, are
	// written in parallel, each environment's with cells of its own.
	rows := make([][][]string, len(m.Environments))
	parallel.For(len(m.Environments), func(i int) { rows[i] = storeRows(newCells(), stores[m.Environments[i]]) })
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
	for i, e := range m.Environments {
		d.Heading(2, envTitle(e))
		d.Table([]string{"Store", "Name", "Owner", "Holds", "Classes", "Encryption", "Who may read", "Retention", "Longest copy"}, rows[i])
	}
	d.Heading(2, "Outside this inventory")
	d.List(
		"Terraform state, in "+markdown.Code(p.Cloud.StateBucket)+": made outside groundwork; it holds resource attributes (no secret values: see the guardrail in "+markdown.Code("policies/")+"). Its retention is the bucket owner's.",
		"GitHub: workflow logs and artifacts follow the repository's retention settings; the deploy workflows keep their build artifacts 1 day.",
		"Grafana (kube-prometheus-stack, in the monitoring namespace): reads Prometheus; its own state (users, unprovisioned dashboards) lives in the pod, without a volume, and goes with it.",
	)
	return d.Bytes()
}

// storeRows are the rows of an environment's table of stores.
func storeRows(c *cells, stores []spec.DataStore) [][]string {
	var rows [][]string
	for _, s := range stores {
		rows = append(rows, []string{
			c.esc(s.Kind), markdown.Code(s.Name), c.owner(s.Service), c.esc(s.Holds), classes(c, s),
			c.esc(s.Encryption), c.esc(strings.Join(s.Readers, "; ")), c.esc(s.Retention), maxDays(s),
		})
	}
	return rows
}

func classes(c *cells, s spec.DataStore) string {
	if len(s.Classes) == 0 {
		return "**unclassified**"
	}
	return c.esc(strings.Join(s.Classes, ", "))
}

func maxDays(s spec.DataStore) string {
	switch s.MaxDays {
	case spec.Forever:
		return "forever"
	case 0:
		return "as long as in use"
	}
	return strconv.Itoa(s.MaxDays) + " days"
}
