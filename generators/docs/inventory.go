package docs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// inventory is docs/threat-model-inventory.md: what docs/threat-model.md
// reasons about, listed from the specs so that it cannot fall behind: the
// trust boundaries, the routes published to the internet, GitHub's OIDC
// roles, the platform's roles and secrets, every partner, and a line per
// service to the file of its roles and secrets (serviceInventory). The
// routes are found from the partners, who admit them, never by asking
// every service.
func inventory(m *spec.Model) []byte {
	var d markdown.Doc
	p := m.Platform
	d.Heading(1, "Threat model inventory")
	generatedNote(&d, "the trust boundaries, published routes, CI roles, the platform's roles and secrets and the partners of every environment, and where each service's roles and secrets are listed")
	d.Para("The analysis (STRIDE per trust boundary, mitigations, residual risks) is " + markdown.Link("threat-model.md", markdown.Rel(InventoryPath, threatModelDoc)) +
		"; the data stores, their readers and retention are in " + markdown.Link("data-retention.md", markdown.Rel(InventoryPath, RetentionPath)) + ".")
	d.Para("Each service's entry points, the roles its pods assume and its secrets, in every environment, are in its file under " + markdown.Code("threat-model-inventory/") +
		", which its team owns: see " + markdown.Link("Services", "#services") + ".")

	d.Heading(2, "Trust boundaries")
	d.Table([]string{"Boundary", "Crossed by", "Enforced by"}, [][]string{
		{"Internet → cluster", "partners calling published partner APIs", "the Ingress publishes only each partner API's base path; API keys, scopes and per-key rate limits in the service"},
		{"Pull request → generator", "specs, the lock and every file of a pull request", markdown.Code("internal/tree") + " (no symlink followed, nothing read outside " + markdown.Code("specs/") + "), " + markdown.Code("internal/spec") + " (limits, validation)"},
		{"GitHub Actions → AWS", "OIDC tokens of " + markdown.Code(p.Repository) + "'s workflows", "IAM trust on the repository and GitHub environment (table below); GitHub environment protection"},
		{"Pod → AWS", "IRSA tokens of service accounts", "IAM trust on namespace and service account; one role per service"},
		{"Cluster → Secrets Manager", "External Secrets Operator", "one role that reads exactly the listed secrets"},
		{"Pod → pod", "cluster network", "default-deny NetworkPolicies per namespace, with the allowed flows generated per service"},
	})

	d.Heading(2, "Entry points from the internet")
	var published [][]string
	for _, e := range m.Environments {
		var names []string
		for _, pa := range m.Partners {
			if pa.Admits(e) {
				for _, a := range pa.Access {
					names = append(names, a.Service)
				}
			}
		}
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			if s := m.Service(name); s != nil {
				who := markdown.Link(markdown.Code(s.Name), markdown.Rel(InventoryPath, InventoryOf(s))) + " (" + markdown.Esc(s.Team) + ")"
				published = append(published, publishedRow(m, e, s, who))
			}
		}
	}
	if len(published) == 0 {
		d.Para("None: no partner is admitted anywhere, so no route is published.")
	} else {
		d.Table(publishedColumns, published)
		d.Para("Everything else of every service, health and metrics included, is reachable only inside the cluster.")
	}

	d.Heading(2, "Roles GitHub Actions assume")
	var ci [][]string
	for _, e := range m.Environments {
		subject := func(env string) string { return markdown.Code("repo:" + p.Repository + ":environment:" + env) }
		ci = append(ci,
			[]string{markdown.Code(spec.PlanRoleName(p, e)), markdown.Esc(e.Name), subject(spec.PlanEnvironment(e)),
				"pull-request plans and drift checks: AWS ReadOnlyAccess and the state bucket; denied every secret value but the databases' connection secrets (no password)",
				"none: any pull request's workflow may run it"},
			[]string{markdown.Code(spec.ApplyRoleName(p, e)), markdown.Esc(e.Name), subject(spec.DeployEnvironment(e)),
				"applies Terraform and releases: administrator of the account",
				approvals(m, e)},
		)
	}
	d.Table([]string{"Role", "Environment", "OIDC subject it trusts", "May", "Approval before use"}, ci)

	d.Heading(2, "Roles the cluster's pods assume")
	d.Para("Each service's pods assume a role of their own, and a service with a database has one more for its database jobs: they are in the service's file. The platform's:")
	databases := slices.ContainsFunc(m.Services, func(s *spec.Service) bool { return s.Database != nil })
	for _, e := range m.Environments {
		d.Heading(3, envTitle(e))
		var rows [][]string
		if databases {
			rows = append(rows, []string{markdown.Code(spec.CloudWatchExporterRoleName(p, e)), markdown.Code(spec.MonitoringNamespace + "/" + spec.CloudWatchExporterServiceAccount),
				"read CloudWatch metric statistics (cloudwatch:GetMetricStatistics, which IAM scopes to no resource), in " + markdown.Esc(e.Region) + " only: the CloudWatch exporter the database alerts read"})
		}
		rows = append(rows, []string{markdown.Code(spec.ExternalSecretsRoleName(p, e)), markdown.Code(spec.ExternalSecretsNamespace + "/" + spec.ExternalSecretsServiceAccount),
			"read the secrets it syncs: " + markdown.Code(spec.AlertmanagerSecretName(e)) + " and every service's (each service's file lists them)"})
		d.Table(roleColumns, rows)
	}

	d.Heading(2, "Secrets")
	d.Para("Values never enter the repository: Terraform creates each secret empty and people or jobs write it. External Secrets syncs each into the namespace that uses it. Each service's secrets are in its file; the platform's:")
	var secrets [][]string
	for _, e := range m.Environments {
		secrets = append(secrets, []string{markdown.Code(spec.AlertmanagerSecretName(e)), "platform", "Alertmanager's receivers: PagerDuty routing keys and Slack webhooks", fmt.Sprintf("until replaced or deleted; a deleted secret can be restored for %d days", spec.SecretRecoveryDays(e))})
	}
	d.Table(secretColumns, secrets)

	d.Heading(2, "Partners")
	if len(m.Partners) == 0 {
		d.Para("None.")
	} else {
		var rows [][]string
		for _, pa := range m.Partners {
			var access []string
			for _, a := range pa.Access {
				access = append(access, a.Service+": "+strings.Join(a.Scopes, ", "))
			}
			signed := "not signed off: sandbox only"
			if pa.SignOff != nil {
				signed = pa.SignOff.Date + " by " + pa.SignOff.By
				if pa.SignOff.Ticket != "" {
					signed += " (" + pa.SignOff.Ticket + ")"
				}
			}
			rows = append(rows, []string{markdown.Link(pa.Name, markdown.Rel(InventoryPath, PlaybookPath(pa))), markdown.Esc(pa.Team), markdown.Esc(strings.Join(pa.Environments, ", ")),
				markdown.Esc(strings.Join(access, "; ")), fmt.Sprintf("%d/min, burst %d per key", pa.RateLimit.PerMinute, pa.RateLimit.Burst), markdown.Esc(signed)})
		}
		d.Table([]string{"Partner", "Sponsor team", "Environments", "Scopes", "Rate limit", "Production sign-off"}, rows)
	}

	d.Heading(2, "Services")
	d.Para("Each service's routes published to partners, the roles its pods and database jobs assume with what each may do, and its secrets, in every environment.")
	servicesTable(&d, m, InventoryPath, InventoryOf)
	return d.Bytes()
}

// Columns of the tables the shared inventory and the services' share.
var (
	publishedColumns = []string{"Environment", "URL (prefix)", "Service", "Partners (scopes)", "Ingress class", "Key prefix"}
	roleColumns      = []string{"Role", "Service account", "May"}
	secretColumns    = []string{"Secret", "Owner", "Holds", "Lifetime"}
)

const secretsNote = "Values never enter the repository: Terraform creates each secret empty and people or jobs write it. Every secret below is synced into its service's namespace by External Secrets."

// publishedRow is the route of s published in e, who the Service cell.
func publishedRow(m *spec.Model, e *spec.Environment, s *spec.Service, who string) []string {
	partners := m.PartnersOf(e, s)
	names := make([]string, len(partners))
	for i, pa := range partners {
		names[i] = pa.Name + " (" + strings.Join(pa.AccessTo(s).Scopes, ", ") + ")"
	}
	return []string{markdown.Esc(e.Name), markdown.Code(spec.PartnerBaseURL(e, s)), who,
		markdown.Esc(strings.Join(names, "; ")), markdown.Code(e.Ingress.Class), markdown.Code(spec.PartnerKeyPrefix(e))}
}

// serviceInventory is docs/threat-model-inventory/<service>.md: the routes
// of s published to partners, the roles its pods and database jobs assume,
// what External Secrets reads of its, and its secrets; stores[i] are its
// stores in m.Environments[i].
func serviceInventory(m *spec.Model, s *spec.Service, stores [][]spec.DataStore) []byte {
	var d markdown.Doc
	c := newCells()
	p := m.Platform
	from := InventoryOf(s)
	d.Heading(1, "Threat model inventory: "+markdown.Esc(s.Name))
	generatedNote(&d, "the entry points, cloud roles and secrets of "+markdown.Esc(s.Name)+" in every environment")
	d.Para(serviceIntro(s, from) + " The trust boundaries, the roles GitHub Actions assume, the platform's roles and the partners are in " +
		markdown.Link("threat-model-inventory.md", markdown.Rel(from, InventoryPath)) + "; the analysis is " + markdown.Link("threat-model.md", markdown.Rel(from, threatModelDoc)) +
		"; the data stores of " + markdown.Esc(s.Name) + ", their readers and retention are in " + markdown.Link(docName(RetentionOf(s)), markdown.Rel(from, RetentionOf(s))) + ".")

	d.Heading(2, "Entry points from the internet")
	var published [][]string
	for _, e := range m.Environments {
		if len(m.PartnersOf(e, s)) > 0 {
			published = append(published, publishedRow(m, e, s, owner(s)))
		}
	}
	if len(published) == 0 {
		d.Para("None: no partner is admitted to " + markdown.Esc(s.Name) + " anywhere, so no route of it is published. All of it is reachable only inside the cluster.")
	} else {
		d.Table(publishedColumns, published)
		d.Para("Everything else of " + markdown.Esc(s.Name) + ", health and metrics included, is reachable only inside the cluster.")
	}

	d.Heading(2, "Roles the cluster's pods assume")
	for i, e := range m.Environments {
		d.Heading(3, envTitle(e))
		var may []string
		for _, n := range s.Secrets {
			may = append(may, "read secret "+markdown.Code(spec.SecretName(e, s, n)))
		}
		for _, b := range s.Buckets {
			may = append(may, "read and write bucket "+markdown.Code(spec.BucketName(p, e, s, b)))
		}
		if s.Database != nil {
			may = append(may, "connect to "+markdown.Code(spec.DatabaseIdentifier(p, e, s))+" as "+markdown.Code(spec.DatabaseUser(s)))
		}
		if len(may) == 0 {
			may = []string{"nothing"}
		}
		rows := [][]string{{markdown.Code(spec.ServiceRoleName(p, e, s)), markdown.Code(spec.Namespace(s) + "/" + spec.ServiceAccount(s)), strings.Join(may, "; ")}}
		if s.Database != nil {
			rows = append(rows, []string{markdown.Code(spec.DatabaseJobsRoleName(p, e, s)), markdown.Code(spec.Namespace(s) + "/" + spec.DatabaseJobsServiceAccount(s)),
				"read the master secret and connection of " + markdown.Code(spec.DatabaseIdentifier(p, e, s)) + "; put, get and list (never delete) in " + markdown.Code(spec.BackupBucketName(p, e, s))})
		}
		var synced []string
		for _, st := range stores[i] {
			if st.Kind == secretKind {
				synced = append(synced, markdown.Code(st.Name))
			}
		}
		if len(synced) > 0 {
			rows = append(rows, []string{markdown.Code(spec.ExternalSecretsRoleName(p, e)), markdown.Code(spec.ExternalSecretsNamespace + "/" + spec.ExternalSecretsServiceAccount),
				"read the secrets it syncs, " + markdown.Esc(s.Name) + "'s among them: " + strings.Join(synced, ", ")})
		}
		d.Table(roleColumns, rows)
	}

	d.Heading(2, "Secrets")
	var secrets [][]string
	for i := range m.Environments {
		for _, st := range stores[i] {
			if st.Kind == secretKind {
				secrets = append(secrets, []string{markdown.Code(st.Name), c.owner(st.Service), c.esc(st.Holds), c.esc(st.Retention)})
			}
		}
	}
	if len(secrets) == 0 {
		d.Para("None: " + markdown.Esc(s.Name) + " has no secret in any environment.")
	} else {
		d.Para(secretsNote)
		d.Table(secretColumns, secrets)
	}
	return d.Bytes()
}

// secretKind is the Kind of a spec.DataStore that is a secret.
const secretKind = "Secrets Manager secret"

// approvals says what GitHub asks before the apply role is used in e:
// the deploy environment's reviewers (one approval lets a job through),
// and the approving reviews pull requests into e's source branch need.
func approvals(m *spec.Model, e *spec.Environment) string {
	dl := e.Delivery
	var parts []string
	if len(dl.Reviewers) > 0 {
		teams := slices.Clone(dl.Reviewers)
		slices.Sort(teams)
		parts = append(parts, "the deploy job waits for one approval from "+strings.Join(teams, " or "))
	}
	if dl.WaitMinutes > 0 {
		parts = append(parts, fmt.Sprintf("then %d minutes", dl.WaitMinutes))
	}
	b := spec.SourceBranch(e)
	parts = append(parts, fmt.Sprintf("commits reach it from %s, where pull requests need %d approving review(s)", b, m.BranchApprovals()[b]))
	switch dl.Trigger {
	case spec.TriggerMerge:
		parts = append(parts, "runs on every push to "+b)
	case spec.TriggerTag:
		parts = append(parts, "runs on a release tag")
	default:
		parts = append(parts, "runs when started by hand")
	}
	return markdown.Esc(strings.Join(parts, "; "))
}
