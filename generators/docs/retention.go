package docs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// storeColumns head every table of stores, the platform's and each
// service's alike.
var storeColumns = []string{"Store", "Name", "Owner", "Holds", "Classes", "Encryption", "Who may read", "Retention", "Longest copy"}

// retention is docs/data-retention.md: the policy's limits, the platform's
// own stores of every environment, and a line per service to the file of
// its stores (serviceRetention). It reads no service's stores, so that a
// thousand services cost a line each.
func retention(m *spec.Model, platform [][]spec.DataStore) []byte {
	var d markdown.Doc
	c := newCells()
	d.Heading(1, "Data inventory and retention")
	generatedNote(&d, "the limits, the platform's own stores of every environment, and where each service's databases, backups, buckets and secrets are listed")
	d.Para("The policy these numbers follow, and how deletion requests and legal holds are handled: " +
		markdown.Link("data-retention-policy.md", markdown.Rel(RetentionPath, policyDoc)) + ". Restoring from the backups listed here: " + markdown.Link("restore-drill.md", markdown.Rel(RetentionPath, restoreDrillDoc)) + ".")
	d.Para("Every store of a service, environment by environment, is in that service's file under " + markdown.Code("data-retention/") +
		", which its team owns: see " + markdown.Link("Services", "#services") + ". Below are the stores of the platform itself.")
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
		d.Table(storeColumns, storeRows(c, platform[i]))
	}
	d.Heading(2, "Outside this inventory")
	d.List(
		"Terraform state, in "+markdown.Code(p.Cloud.StateBucket)+": made outside groundwork; it holds resource attributes (no secret values: see the guardrail in "+markdown.Code("policies/")+"). Its retention is the bucket owner's.",
		"GitHub: workflow logs and artifacts follow the repository's retention settings; the deploy workflows keep their build artifacts 1 day.",
		"Grafana (kube-prometheus-stack, in the monitoring namespace): reads Prometheus; its own state (users, unprovisioned dashboards) lives in the pod, without a volume, and goes with it.",
	)
	d.Heading(2, "Services")
	d.Para("Each service's database, its backups and log groups, its buckets and its secrets, in every environment, with the columns above and held to the same limits.")
	servicesTable(&d, m, RetentionPath, RetentionOf)
	return d.Bytes()
}

// serviceRetention is docs/data-retention/<service>.md: the stores of s,
// stores[i] those in m.Environments[i].
func serviceRetention(m *spec.Model, s *spec.Service, stores [][]spec.DataStore) []byte {
	var d markdown.Doc
	c := newCells()
	p := m.Platform
	d.Heading(1, "Data inventory and retention: "+markdown.Esc(s.Name))
	generatedNote(&d, "every database, backup, log group, bucket and secret of "+markdown.Esc(s.Name)+" in every environment")
	from := RetentionOf(s)
	d.Para(serviceIntro(s, from) + " Personal data may be kept at most " + fmt.Sprintf("%d days", p.Data.PersonalMaxDays) + ", any copy (" +
		markdown.Code(p.Source.Path) + " " + markdown.Code("data.personalMaxDays") + "); the other limits, the platform's own stores (cluster and network logs, metrics, alert state) and the policy are in " +
		markdown.Link("data-retention.md", markdown.Rel(from, RetentionPath)) + ". Who may reach these stores, as the threat model sees it: " +
		markdown.Link(docName(InventoryOf(s)), markdown.Rel(from, InventoryOf(s))) + ".")
	for i, e := range m.Environments {
		d.Heading(2, envTitle(e))
		if len(stores[i]) == 0 {
			d.Para("None: " + markdown.Esc(s.Name) + " keeps no database, bucket or secret here.")
			continue
		}
		d.Table(storeColumns, storeRows(c, stores[i]))
	}
	return d.Bytes()
}

// storeRows are the rows of a table of stores.
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
