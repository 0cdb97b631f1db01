package docs_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/groundwork-dev/groundwork/generators/docs"
	"github.com/groundwork-dev/groundwork/generators/terraform"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

const repoRoot = "../.."

func render(t *testing.T, root string) (*spec.Model, *engine.Output) {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(m, []engine.Generator{docs.Generator{}, terraform.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

// mdLink is an inline link's destination.
var mdLink = regexp.MustCompile(`\]\(([^()\s]+)\)`)

// Every relative link of every generated document resolves to a file of
// the repository (the hand-written threat model and policy included), and
// every table row has as many cells as its header.
func TestLinksAndTables(t *testing.T) {
	_, out := render(t, repoRoot)
	n := 0
	for _, f := range out.Files {
		if !strings.HasPrefix(f.Path, "docs/") {
			continue
		}
		n++
		for _, m := range mdLink.FindAllStringSubmatch(string(f.Data), -1) {
			dest := m[1]
			if strings.Contains(dest, "://") {
				continue
			}
			target := path.Join(path.Dir(f.Path), strings.SplitN(dest, "#", 2)[0])
			if out.File(target) != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(target))); err != nil {
				t.Errorf("%s links %s, which does not exist", f.Path, dest)
			}
		}
		cells := 0
		for i, line := range strings.Split(string(f.Data), "\n") {
			if !strings.HasPrefix(line, "|") {
				cells = 0
				continue
			}
			c := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)) - 1
			if cells == 0 {
				cells = c
			} else if c != cells {
				t.Errorf("%s:%d: %d cells in a table of %d columns: %s", f.Path, i+1, c, cells, line)
			}
		}
	}
	if n < 3 {
		t.Fatalf("%d documents; want the retention inventory, the threat model's and a playbook", n)
	}
}

// row is one store of docs/data-retention.md, by its name.
type row struct{ kind, retention, longest string }

// inventoryRows reads the store tables of docs/data-retention.md by
// environment heading.
func inventoryRows(t *testing.T, doc string) map[string]map[string]row {
	t.Helper()
	out := map[string]map[string]row{}
	env := ""
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "## ") {
			env, _, _ = strings.Cut(strings.TrimPrefix(line, "## "), " ")
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) != 9 || !strings.HasPrefix(cells[1], "`") {
			continue
		}
		if out[env] == nil {
			out[env] = map[string]row{}
		}
		kind := strings.TrimPrefix(cells[0], "| ")
		out[env][firstWord(kind)+" "+strings.Trim(cells[1], "`")] = row{kind: strings.TrimPrefix(cells[0], "| "), retention: cells[7], longest: strings.TrimSuffix(cells[8], " |")}
	}
	return out
}

// Every row of the retention inventory is what the environment's
// Terraform root makes: the same buckets with the same expiry, the same
// databases with the same automated-backup retention, the same AWS Backup
// plans, the same secrets and log retention; and every IAM role of the
// root is in the threat model's inventory.
func TestInventoryMatchesTerraform(t *testing.T) {
	m, out := render(t, repoRoot)
	stores := inventoryRows(t, string(out.File(docs.RetentionPath).Data))
	inventory := string(out.File(docs.InventoryPath).Data)
	for _, e := range m.Environments {
		rows := stores[e.Name]
		if len(rows) == 0 {
			t.Fatalf("%s: no stores in %s", e.Name, docs.RetentionPath)
		}
		mods, tf := modules(t, out, spec.TerraformDir(e))
		seen := map[string]bool{}
		expect := func(name, kind string, days int) {
			t.Helper()
			name = firstWord(kind) + " " + name
			seen[name] = true
			r, ok := rows[name]
			if !ok {
				t.Errorf("%s: Terraform makes %s %s; the inventory does not list it", e.Name, kind, name)
				return
			}
			if !strings.HasPrefix(r.kind, kind) || (days >= 0 && r.longest != strconv.Itoa(days)+" days") {
				t.Errorf("%s: %s is %q kept %q in the inventory; Terraform: %s, %d days", e.Name, name, r.kind, r.longest, kind, days)
			}
		}
		for _, mod := range mods {
			switch {
			case mod.name == "storage":
				for name, b := range mod.attr(t, "buckets").AsValueMap() {
					days := num(b.GetAttr("expire_days"))
					if b.GetAttr("versioning").True() {
						days += num(b.GetAttr("noncurrent_expire_days"))
					}
					expect(name, "S3 bucket", days)
				}
				// The bucket of the others' access logs, unversioned.
				expect(mod.attr(t, "access_log_bucket").AsString(), "S3 bucket", num(mod.attr(t, "access_log_expire_days")))
			case strings.HasPrefix(mod.name, "database_"):
				expect(mod.attr(t, "identifier").AsString(), "RDS PostgreSQL", num(mod.attr(t, "backup_retention_period")))
				expect(mod.attr(t, "connection_secret_name").AsString(), "Secrets Manager secret", -1)
				prefix := "/aws/rds/instance/" + mod.attr(t, "identifier").AsString() + "/"
				for _, kind := range []string{"postgresql", "upgrade"} { // modules/database's log_exports
					expect(prefix+kind, "CloudWatch log group", num(mod.attr(t, "log_retention_days")))
				}
			case strings.HasPrefix(mod.name, "backup_"):
				name := mod.attr(t, "name").AsString()
				if r := rows["AWS "+name]; !strings.Contains(r.retention, strconv.Itoa(num(mod.attr(t, "retention_days")))+" days") {
					t.Errorf("%s: AWS Backup %s keeps %d days; the inventory says %q", e.Name, name, num(mod.attr(t, "retention_days")), r.retention)
				}
			case mod.name == "secrets":
				for _, v := range mod.attr(t, "names").AsValueSlice() {
					if n := v.AsString(); n != spec.AlertmanagerSecretName(e) {
						expect(n, "Secrets Manager secret", -1)
					} else if !strings.Contains(inventory, "`"+n+"`") {
						t.Errorf("%s: secret %s is not in the threat model's inventory", e.Name, n)
					}
				}
			case mod.name == "network":
				expect("/aws/vpc-flow-logs/"+mod.attr(t, "name").AsString(), "CloudWatch log group", num(mod.attr(t, "flow_logs_retention_days")))
			case mod.name == "cluster":
				expect(spec.ClusterLogGroup(e), "CloudWatch log group", num(mod.attr(t, "cluster_log_retention_days")))
			}
		}
		for name, r := range rows {
			if (strings.HasPrefix(r.kind, "S3") || strings.HasPrefix(r.kind, "RDS") || strings.HasPrefix(r.kind, "Secrets")) && !seen[name] {
				t.Errorf("%s: the inventory lists %s %s, which Terraform does not make", e.Name, r.kind, name)
			}
		}
		for _, role := range regexp.MustCompile(`role_name\s+= "([^"]+)"`).FindAllStringSubmatch(tf, -1) {
			if !strings.Contains(inventory, "`"+role[1]+"`") {
				t.Errorf("%s: IAM role %s is not in %s", e.Name, role[1], docs.InventoryPath)
			}
		}
		for _, role := range []string{spec.PlanRoleName(m.Platform, e), spec.ApplyRoleName(m.Platform, e)} {
			if !strings.Contains(inventory, "`"+role+"`") {
				t.Errorf("%s: CI role %s is not in %s", e.Name, role, docs.InventoryPath)
			}
		}
	}
}

// A change of a bucket's expiry changes the retention document in the
// same render.
func TestExpiryChangesTheDocument(t *testing.T) {
	_, before := render(t, repoRoot)
	m, _ := render(t, repoRoot)
	m.Services[slices.IndexFunc(m.Services, func(s *spec.Service) bool { return len(s.Buckets) > 0 })].Buckets[0].ExpireDays += 10
	after, err := engine.Render(m, []engine.Generator{docs.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(before.File(docs.RetentionPath).Data) == string(after.File(docs.RetentionPath).Data) {
		t.Fatal("a bucket's expiry changed and docs/data-retention.md did not")
	}
}

type module struct {
	name  string
	attrs hcl.Attributes
	ctx   *hcl.EvalContext
}

func (m module) attr(t *testing.T, name string) cty.Value {
	t.Helper()
	a, ok := m.attrs[name]
	if !ok {
		t.Fatalf("module %s has no %s", m.name, name)
	}
	v, diags := a.Expr.Value(m.ctx)
	if diags.HasErrors() {
		t.Fatalf("module %s: %s: %v", m.name, name, diags)
	}
	return v
}

// modules are the module calls of the root in dir, whose arguments
// evaluate with the root's locals that need no module's output (each
// service's names of secrets and buckets), and concat and merge; and the
// text of the root's files.
func modules(t *testing.T, out *engine.Output, dir string) ([]module, string) {
	t.Helper()
	p := hclparse.NewParser()
	var text strings.Builder
	var mods []module
	locals := map[string]cty.Value{}
	for _, f := range out.Files {
		if path.Dir(f.Path) != dir || path.Ext(f.Path) != ".tf" {
			continue
		}
		text.Write(f.Data)
		file, diags := p.ParseHCL(f.Data, f.Path)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		content, _, _ := file.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}, {Type: "locals"}}})
		for _, b := range content.Blocks {
			attrs, _ := b.Body.JustAttributes()
			if b.Type == "locals" {
				for name, a := range attrs {
					if v, diags := a.Expr.Value(nil); !diags.HasErrors() {
						locals[name] = v
					}
				}
				continue
			}
			mods = append(mods, module{name: b.Labels[0], attrs: attrs})
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"local": cty.ObjectVal(locals)},
		Functions: map[string]function.Function{"concat": stdlib.ConcatFunc, "merge": stdlib.MergeFunc},
	}
	for i := range mods {
		mods[i].ctx = ctx
	}
	return mods, text.String()
}

func firstWord(s string) string { w, _, _ := strings.Cut(s, " "); return w }

func num(v cty.Value) int {
	if v.IsNull() {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}
