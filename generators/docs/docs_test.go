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
	"github.com/groundwork-dev/groundwork/internal/golden"
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

// The cases in testdata/cases; the sample organisation's documents are
// committed and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := engine.Render(m, []engine.Generator{docs.Generator{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out.Files
	})
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

// Each service has its two documents, its team's (File.Service), each
// linked from the line of the service in the shared one; and no other
// document is in their folders.
func TestEveryServiceHasItsDocuments(t *testing.T) {
	m, out := render(t, repoRoot)
	for _, top := range []struct{ path, dir string }{{docs.RetentionPath, docs.RetentionDir}, {docs.InventoryPath, docs.InventoryDir}} {
		linked := serviceLinks(t, out, top.path)
		for _, s := range m.Services {
			file := top.dir + "/" + s.Name + ".md"
			f := out.File(file)
			switch {
			case f == nil:
				t.Errorf("%s: no %s", s.Name, file)
			case f.Service != s.Name:
				t.Errorf("%s is made for %q, not for its service %s", file, f.Service, s.Name)
			case !strings.Contains(string(f.Data), "## "+m.Environments[0].Name+" ") && !strings.Contains(string(f.Data), "### "+m.Environments[0].Name+" "):
				t.Errorf("%s has no heading of environment %s", file, m.Environments[0].Name)
			}
			if linked[s.Name] != file {
				t.Errorf("%s links %s as %q, want %s", top.path, s.Name, linked[s.Name], file)
			}
			delete(linked, s.Name)
		}
		for name := range linked {
			t.Errorf("%s lists %s, which is no service", top.path, name)
		}
		for _, f := range out.Files {
			if strings.HasPrefix(f.Path, top.dir+"/") && m.Service(strings.TrimSuffix(path.Base(f.Path), ".md")) == nil {
				t.Errorf("%s is no service's", f.Path)
			}
		}
	}
}

// The privacy lead finds the services holding personal data with
// `grep -lw personal docs/data-retention/*.md` (docs/data-retention-policy.md,
// section 7): the word is in a service's file exactly when one of its
// stores is classified personal.
func TestPersonalIsFoundByWord(t *testing.T) {
	m, out := render(t, repoRoot)
	word := regexp.MustCompile(`(^|[^A-Za-z0-9_])personal($|[^A-Za-z0-9_])`)
	holders := 0
	for _, s := range m.Services {
		personal := false
		for _, e := range m.Environments {
			for _, st := range m.DataStores(e) {
				personal = personal || (st.Service == s && st.Personal())
			}
		}
		if personal {
			holders++
		}
		if found := word.Match(out.File(docs.RetentionOf(s)).Data); found != personal {
			t.Errorf("%s: the word personal is in %s: %v; a store of it is classified personal: %v", s.Name, docs.RetentionOf(s), found, personal)
		}
	}
	if holders == 0 || holders == len(m.Services) {
		t.Fatalf("%d of %d services hold personal data: the sample shows neither case", holders, len(m.Services))
	}
}

// serviceRow is a line of the table of services of a shared document:
// the service, linked to its file.
var serviceRow = regexp.MustCompile("(?m)^\\| \\[`([^`]+)`\\]\\(([^()]+)\\) \\|")

// serviceLinks reads the table of services of the shared document at top:
// the repository path of each service's file, by service.
func serviceLinks(t *testing.T, out *engine.Output, top string) map[string]string {
	t.Helper()
	f := out.File(top)
	if f == nil {
		t.Fatalf("no %s", top)
	}
	_, services, ok := strings.Cut(string(f.Data), "\n## Services\n")
	if !ok {
		t.Fatalf("%s has no Services section", top)
	}
	links := map[string]string{}
	for _, m := range serviceRow.FindAllStringSubmatch(services, -1) {
		links[m[1]] = path.Join(path.Dir(top), m[2])
	}
	return links
}

// linked is the text of the shared document at top and of every
// service's document its table of services links, as one: what the old
// single document held.
func linked(t *testing.T, out *engine.Output, top string) string {
	t.Helper()
	var b strings.Builder
	b.Write(out.File(top).Data)
	for name, p := range serviceLinks(t, out, top) {
		f := out.File(p)
		if f == nil {
			t.Fatalf("%s links %s's document %s, which is not generated", top, name, p)
		}
		b.Write(f.Data)
	}
	return b.String()
}

// A render scoped to one service makes the shared documents and that
// service's, byte for byte as a full render does, and no other service's.
func TestPartialRender(t *testing.T) {
	m, _ := render(t, repoRoot)
	all, err := docs.Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	full := map[string]string{}
	for _, f := range all {
		full[f.Path] = string(f.Data)
	}
	for _, s := range m.Services {
		files, err := docs.Generator{}.Generate(engine.Input{Spec: m, Scope: engine.NewScope(s.Name)})
		if err != nil {
			t.Fatal(err)
		}
		mine := 0
		for _, f := range files {
			switch f.Service {
			case "":
			case s.Name:
				mine++
			default:
				t.Errorf("scoped to %s: made %s of %s", s.Name, f.Path, f.Service)
				continue
			}
			if want, ok := full[f.Path]; !ok || want != string(f.Data) {
				t.Errorf("scoped to %s: %s is not as a full render makes it", s.Name, f.Path)
			}
		}
		if mine != 2 {
			t.Errorf("scoped to %s: %d of its documents, want 2", s.Name, mine)
		}
	}
}

// row is one store of the retention documents, by its name.
type row struct{ kind, retention, longest string }

// inventoryRows reads the store tables of the retention documents by
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

// Every row of the retention inventory (the shared document and the
// services' it links) is what the environment's Terraform root makes: the
// same buckets with the same expiry, the same databases with the same
// automated-backup retention, the same AWS Backup plans, the same secrets
// and log retention; and every IAM role of the root is in the threat
// model's inventory, a service's in that service's document.
func TestInventoryMatchesTerraform(t *testing.T) {
	m, out := render(t, repoRoot)
	stores := inventoryRows(t, linked(t, out, docs.RetentionPath))
	inventory := linked(t, out, docs.InventoryPath)
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
		top := string(out.File(docs.InventoryPath).Data)
		for _, role := range []string{spec.PlanRoleName(m.Platform, e), spec.ApplyRoleName(m.Platform, e), spec.ExternalSecretsRoleName(m.Platform, e)} {
			if !strings.Contains(top, "`"+role+"`") {
				t.Errorf("%s: platform role %s is not in %s", e.Name, role, docs.InventoryPath)
			}
		}
		for _, s := range m.Services {
			own := string(out.File(docs.InventoryOf(s)).Data)
			roles := []string{spec.ServiceRoleName(m.Platform, e, s)}
			if s.Database != nil {
				roles = append(roles, spec.DatabaseJobsRoleName(m.Platform, e, s))
			}
			for _, role := range roles {
				if !strings.Contains(own, "`"+role+"`") {
					t.Errorf("%s: role %s of %s is not in %s", e.Name, role, s.Name, docs.InventoryOf(s))
				}
			}
			for _, n := range s.Secrets {
				if name := spec.SecretName(e, s, n); !strings.Contains(own, "| `"+name+"` |") {
					t.Errorf("%s: secret %s of %s is not in the secrets of %s", e.Name, name, s.Name, docs.InventoryOf(s))
				}
			}
		}
	}
}

// A change of a bucket's expiry changes the retention document of the
// bucket's service in the same render, and only that one.
func TestExpiryChangesTheDocument(t *testing.T) {
	_, before := render(t, repoRoot)
	m, _ := render(t, repoRoot)
	s := m.Services[slices.IndexFunc(m.Services, func(s *spec.Service) bool { return len(s.Buckets) > 0 })]
	s.Buckets[0].ExpireDays += 10
	after, err := engine.Render(m, []engine.Generator{docs.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range after.Files {
		changed := string(before.File(f.Path).Data) != string(f.Data)
		if want := f.Path == docs.RetentionOf(s); changed != want {
			t.Errorf("a bucket of %s changed its expiry: %s changed: %v, want %v", s.Name, f.Path, changed, want)
		}
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
