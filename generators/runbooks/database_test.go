package runbooks_test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Every database has a recovery page: well-formed Markdown with a section
// per environment, in which every name and figure is the spec's (the
// instance, bucket, vault, secret, cluster, CronJobs, schedules and
// retentions), and the runbooks of its alerts link it and the restore
// procedure.
func TestDatabasePages(t *testing.T) {
	for name, m := range orgs(t) {
		t.Run(name, func(t *testing.T) {
			out := render(t, m)
			n := 0
			for _, s := range m.Services {
				f := out.File(spec.DatabaseRunbookPath(s))
				if s.Database == nil {
					if f != nil {
						t.Errorf("%s has no database but %s is generated", s.Name, f.Path)
					}
					continue
				}
				n++
				if f == nil {
					t.Errorf("%s: no %s", s.Name, spec.DatabaseRunbookPath(s))
					continue
				}
				if f.Service != s.Name {
					t.Errorf("%s: made for service %q, want %q", f.Path, f.Service, s.Name)
				}
				checkDatabasePage(t, m, s, f)
				for _, a := range alerting.New(m).Alerts(s) {
					rb := out.File(spec.RunbookPath(s, a.Name))
					if rb == nil {
						continue
					}
					links := parseMarkdown(string(rb.Data)).links
					want := map[string]bool{alerting.KindBackupTooOld: true, alerting.KindRestoreDrillFailed: true, alerting.KindRestoreDrillOverdue: true}[a.Kind]
					for _, l := range []string{"database-recovery.md", "../../" + spec.RestoreDrillDoc} {
						if got := slices.Contains(links, l); got != want {
							t.Errorf("%s: links %s: %v, want %v", rb.Path, l, got, want)
						}
					}
				}
			}
			if n == 0 {
				t.Fatal("no service of the organisation has a database")
			}
		})
	}
}

func checkDatabasePage(t *testing.T, m *spec.Model, s *spec.Service, f *engine.Rendered) {
	t.Helper()
	text := string(f.Data)
	d := parseMarkdown(text)
	for _, pr := range d.problems {
		t.Errorf("%s: %s", f.Path, pr)
	}
	var sections []string
	for i, h := range d.headings {
		switch {
		case h.level == 1 && i != 0:
			t.Errorf("%s:%d: a second title %q", f.Path, h.line, h.text)
		case h.level == 2:
			sections = append(sections, h.text)
		}
	}
	want := []string{"Copies and schedules"}
	for _, e := range m.Environments {
		want = append(want, e.Name)
	}
	if !slices.Equal(sections, want) {
		t.Errorf("%s: sections %q, want %q", f.Path, sections, want)
	}
	for _, c := range d.codes {
		if c.lang != "sh" {
			t.Errorf("%s:%d: a code block tagged %q, not sh", f.Path, c.line, c.lang)
		}
	}
	db := s.Database
	has := func(what, want string) {
		t.Helper()
		if !strings.Contains(text, want) {
			t.Errorf("%s: no %s: %q", f.Path, what, want)
		}
	}
	has("logical backup schedule", "`"+db.Backup.Schedule+"`")
	has("AWS Backup schedule", "`"+db.Backup.AWSSchedule()+"`")
	has("drill schedule", "`"+db.Drill.Schedule+"`")
	has("backup maxAge", "after "+string(db.Backup.MaxAge))
	has("drill maxAge", "after "+string(db.Drill.MaxAge))
	has("backup retention", fmt.Sprintf("kept %d day", db.Backup.RetentionDays))
	has("backup CronJob", "--from=cronjob/"+spec.BackupJobName(s))
	has("drill CronJob", "--from=cronjob/"+spec.DrillJobName(s))
	// Each environment's section holds its own names.
	parts := strings.Split(text, "\n## ")
	for _, e := range m.Environments {
		i := slices.IndexFunc(parts, func(p string) bool { return strings.HasPrefix(p, e.Name+"\n") })
		if i < 0 {
			continue // reported above
		}
		sec := parts[i]
		id := spec.DatabaseIdentifier(m.Platform, e, s)
		for what, w := range map[string]string{
			"instance":          "--db-instance-identifier " + id,
			"vault":             "--backup-vault-name " + id,
			"bucket":            "s3://" + spec.BackupBucketName(m.Platform, e, s) + "/",
			"connection secret": "`" + spec.DatabaseSecretName(e, s) + "`",
			"cluster":           "update-kubeconfig --name " + e.Cluster.Name + " --region " + e.Region,
			"PITR retention":    pitr(e.Database.BackupRetentionDays),
			"instance class":    "--db-instance-class " + e.Database.InstanceClass,
		} {
			if !strings.Contains(sec, w) {
				t.Errorf("%s, %s: no %s: %q", f.Path, e.Name, what, w)
			}
		}
		deployed := strings.Contains(sec, "CronJobs run here")
		if want := m.PgopsDigest(e) != ""; deployed != want {
			t.Errorf("%s, %s: says the jobs run: %v, want %v", f.Path, e.Name, deployed, want)
		}
		if strings.Contains(sec, "--multi-az") != e.Database.MultiAZ || strings.Contains(sec, "--deletion-protection") != e.Database.DeletionProtection {
			t.Errorf("%s, %s: a restored instance's Multi-AZ or deletion protection differs from the environment's", f.Path, e.Name)
		}
	}
}

// pitr is how the recovery page says the point-in-time window.
func pitr(days int) string {
	if days == 1 {
		return "any moment of the last day ("
	}
	return fmt.Sprintf("any moment of the last %d days (", days)
}

// What the recovery page says of the snapshots and point-in-time recovery
// is what the environment's Terraform root asks for: the AWS Backup vault
// and plan named after the instance, on the page's schedule and retention,
// and the instance's backup retention.
func TestDatabasePageAgreesWithTerraform(t *testing.T) {
	m := load(t, repoRoot)
	out := render(t, m)
	for _, e := range m.Environments {
		modules := terraformModules(t, out, e)
		for _, s := range m.Services {
			if s.Database == nil {
				continue
			}
			id := spec.DatabaseIdentifier(m.Platform, e, s)
			backup := findModule(modules, "modules/backup", "name", id)
			database := findModule(modules, "modules/database", "identifier", id)
			if backup == nil || database == nil {
				t.Errorf("%s/%s: no backup module named %s, or no database module of identifier %s, in the Terraform root", e.Name, s.Name, id, id)
				continue
			}
			for _, c := range []struct {
				mod  map[string]cty.Value
				attr string
				want cty.Value
			}{
				{backup, "schedule", cty.StringVal(s.Database.Backup.AWSSchedule())},
				{backup, "retention_days", cty.NumberIntVal(int64(s.Database.Backup.RetentionDays))},
				{database, "backup_retention_period", cty.NumberIntVal(int64(e.Database.BackupRetentionDays))},
			} {
				if got, ok := c.mod[c.attr]; !ok || !got.RawEquals(c.want) {
					t.Errorf("%s/%s: %s = %#v in the Terraform root, the page says %#v", e.Name, s.Name, c.attr, got, c.want)
				}
			}
		}
	}
}

// terraformModules are the literal attributes of every module block of
// environment e's Terraform root.
func terraformModules(t *testing.T, out *engine.Output, e *spec.Environment) []map[string]cty.Value {
	t.Helper()
	var mods []map[string]cty.Value
	prefix := "environments/" + e.Name + "/terraform/"
	for _, f := range out.Files {
		if !strings.HasPrefix(f.Path, prefix) || !strings.HasSuffix(f.Path, ".tf") {
			continue
		}
		file, diags := hclsyntax.ParseConfig(f.Data, f.Path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", f.Path, diags)
		}
		for _, b := range file.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "module" {
				continue
			}
			attrs := map[string]cty.Value{}
			for name, a := range b.Body.Attributes {
				if v, diags := a.Expr.Value(nil); !diags.HasErrors() {
					attrs[name] = v
				}
			}
			mods = append(mods, attrs)
		}
	}
	if len(mods) == 0 {
		t.Fatalf("no module in %s", prefix)
	}
	return mods
}

// findModule is the module whose source ends in source and whose attribute
// key is value.
func findModule(mods []map[string]cty.Value, source, key, value string) map[string]cty.Value {
	for _, mod := range mods {
		src, ok1 := mod["source"]
		v, ok2 := mod[key]
		if ok1 && ok2 && src.Type() == cty.String && v.Type() == cty.String &&
			strings.HasSuffix(src.AsString(), source) && v.AsString() == value {
			return mod
		}
	}
	return nil
}

// The hand-written restore procedure, which every database runbook links,
// exists, and its own links lead to files (generated or committed) and to
// its own headings.
func TestRestoreDrillDocLinks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(spec.RestoreDrillDoc)))
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, load(t, repoRoot))
	d := parseMarkdown(string(data))
	anchors := map[string]bool{}
	for _, h := range d.headings {
		anchors["#"+strings.ReplaceAll(strings.ToLower(strings.Trim(h.text, " ")), " ", "-")] = true
	}
	if len(d.links) == 0 {
		t.Fatalf("%s links nothing", spec.RestoreDrillDoc)
	}
	for _, l := range d.links {
		switch {
		case strings.Contains(l, "://"):
		case strings.HasPrefix(l, "#"):
			if !anchors[l] {
				t.Errorf("%s: link %s to no heading", spec.RestoreDrillDoc, l)
			}
		default:
			target := path.Join(path.Dir(spec.RestoreDrillDoc), l)
			if out.File(target) != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(target))); err != nil {
				t.Errorf("%s: link %s leads to %s, which is neither generated nor in the repository", spec.RestoreDrillDoc, l, target)
			}
		}
	}
}
