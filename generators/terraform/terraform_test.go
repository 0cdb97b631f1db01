package terraform_test

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/groundwork-dev/groundwork/generators/terraform"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
	"github.com/groundwork-dev/groundwork/internal/tftest"
)

const repoRoot = "../.."

func render(t *testing.T, root string) *engine.Output {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(m, []engine.Generator{terraform.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The cases in testdata/cases: the sample organisation's roots are
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		out, err := engine.Render(m, []engine.Generator{terraform.Generator{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out.Files
	})
}

// tree writes the generated roots and the hand-written modules into a temp
// folder laid out like the repository, so that module sources resolve.
func tree(t *testing.T, out *engine.Output) (dir string, roots []string) {
	t.Helper()
	dir = t.TempDir()
	modules, err := os.ReadDir(filepath.Join(repoRoot, "modules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		if m.IsDir() {
			tftest.Copy(t, filepath.Join(repoRoot, "modules", m.Name()), filepath.Join(dir, "modules", m.Name()))
		}
	}
	for _, f := range out.Files {
		name := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if root := filepath.Dir(f.Path); !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	slices.Sort(roots)
	return dir, roots
}

// Every root is `terraform fmt` clean as generated, and every AWS root
// passes `terraform validate` with the real provider: for the sample
// organisation and for a synthetic one of another shape.
func TestRootsValidate(t *testing.T) {
	tf := tftest.Binary(t)
	mirror := tftest.Mirror(t)
	synth := t.TempDir()
	if err := synthetic.Write(synth, 3); err != nil {
		t.Fatal(err)
	}
	for name, root := range map[string]string{"sample": repoRoot, "synthetic": synth} {
		dir, roots := tree(t, render(t, root))
		for _, r := range roots {
			work := filepath.Join(dir, filepath.FromSlash(r))
			t.Run(name+"/"+r, func(t *testing.T) {
				t.Parallel()
				if out, err := tftest.Run(t, tf, work, tftest.Env(t), "fmt", "-check", "-diff", "-no-color"); err != nil {
					t.Fatalf("%s is not terraform fmt clean: %v\n%s", r, err, out)
				}
				if r == terraform.GitHubDir {
					checkModuleCalls(t, work, filepath.Join(dir, "modules"))
					return // integrations/github cannot be installed here
				}
				tftest.Validate(t, tf, work, r, mirror)
			})
		}
	}
}

// checkModuleCalls checks what terraform validate would check of a root
// whose provider is not available: every argument of every module call is a
// variable of that module, and every variable without a default is set.
func checkModuleCalls(t *testing.T, root, modules string) {
	t.Helper()
	p := hclparse.NewParser()
	calls := 0
	for _, f := range tfFiles(t, root) {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		content, _, _ := file.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}})
		for _, b := range content.Blocks {
			calls++
			attrs, _ := b.Body.JustAttributes()
			v, diags := attrs["source"].Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			source := v.AsString()
			vars := variables(t, p, filepath.Join(modules, filepath.Base(source)))
			for name := range attrs {
				if _, ok := vars[name]; !ok && name != "source" {
					t.Errorf("module %q: %s is not a variable of %s", b.Labels[0], name, source)
				}
			}
			for name, required := range vars {
				if _, set := attrs[name]; required && !set {
					t.Errorf("module %q: required variable %s is not set", b.Labels[0], name)
				}
			}
		}
	}
	if calls == 0 {
		t.Fatalf("%s calls no module", root)
	}
}

// variables lists a module's variables and whether each is required.
func variables(t *testing.T, p *hclparse.Parser, dir string) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, f := range tfFiles(t, dir) {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		content, _, _ := file.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "variable", LabelNames: []string{"name"}}}})
		for _, b := range content.Blocks {
			attrs, _ := b.Body.JustAttributes()
			_, hasDefault := attrs["default"]
			vars[b.Labels[0]] = !hasDefault
		}
	}
	if len(vars) == 0 {
		t.Fatalf("%s declares no variables", dir)
	}
	return vars
}

func tfFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", dir)
	}
	return files
}

// The roots name AWS resources that the specs validated against AWS's
// limits, and never reference a module output that is not there.
func TestNamesAndReferences(t *testing.T) {
	out := render(t, repoRoot)
	prod := rootOf(out, "environments/prod/terraform")
	for _, want := range []string{
		`identifier = "acme-prod-api"`,
		`"acme-prod-api-invoices"`,
		`module.secrets.secret_arns["prod/api/stripe-api-key"]`,
		`vault_lock = true`,
		`allowed_account_ids = ["210987654321"]`,
	} {
		if !strings.Contains(prod, want) {
			t.Errorf("prod root lacks %s", want)
		}
	}
	dev := rootOf(out, "environments/dev/terraform")
	if !strings.Contains(dev, "vault_lock = false") {
		t.Error("dev, which does not page, locks its backup vault")
	}
	backend := string(out.File("environments/prod/terraform/backend.tf").Data)
	for _, want := range []string{`use_lockfile = true`, `encrypt      = true`, `key          = "environments/prod/terraform.tfstate"`} {
		if !strings.Contains(backend, want) {
			t.Errorf("backend.tf lacks %s:\n%s", want, backend)
		}
	}
}

// squeeze collapses runs of white space into one space, so that a check
// depends neither on how terraform fmt aligns a block's arguments nor on
// line breaks.
func squeeze(b []byte) string { return strings.Join(strings.Fields(string(b)), " ") }

// rootOf is every file of the root in dir, squeezed, one after another.
func rootOf(out *engine.Output, dir string) string {
	var files []string
	for _, f := range out.Files {
		if path.Dir(f.Path) == dir {
			files = append(files, squeeze(f.Data))
		}
	}
	return strings.Join(files, " ")
}

// A service's database is wired in every environment by the names that the
// Flux tree and the jobs use (internal/spec/naming_database.go): the
// connection secret, the login role, the backup bucket, the jobs' role and
// ServiceAccount.
func TestDatabaseWiring(t *testing.T) {
	out := render(t, repoRoot)
	m, err := spec.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	api := m.Service("api")
	if api == nil || api.Database == nil {
		t.Fatal("the sample organisation's api has no database")
	}
	for _, e := range m.Environments {
		main := squeeze(out.File(spec.TerraformDir(e) + "/main.tf").Data)
		own := squeeze(out.File(spec.TerraformDir(e) + "/service-api.tf").Data)
		backups := spec.BackupBucketName(m.Platform, e, api)
		for _, want := range []string{
			`db_name = "` + spec.DatabaseName(api) + `"`,
			`iam_username = "` + spec.DatabaseUser(api) + `"`,
			`connection_secret_name = "` + spec.DatabaseSecretName(e, api) + `"`,
			// Pull-request plans refresh the connection version: the plan
			// role may read it.
			`plan_readable_secret_arns = [module.database_api.connection_secret_arn_pattern]`,
			`plan_readable_kms_key_arns = [module.database_api.connection_secret_kms_key_arn]`,
			// The backup bucket: versioned, expiring after retentionDays,
			// its expired versions gone within a week.
			fmt.Sprintf("%s = { versioning = true expire_days = %d noncurrent_expire_days = 7 }", backups, api.Database.Backup.RetentionDays),
			// The service connects, as its own user, and reads no secret of
			// its database.
			`bucket_arns = [module.storage.bucket_arns["` + spec.BucketName(m.Platform, e, api, api.Buckets[0]) + `"]] db_connect_arns = [module.database_api.iam_connect_arn] }`,
			// External Secrets copies the connection into the cluster.
			`[module.secrets.secret_arns["` + spec.AlertmanagerSecretName(e) + `"]], [module.database_api.connection_secret_arn])`,
			`database_jobs = { api = local.service_api_access.database_job }`,
			// Every service's secrets and buckets, and its role, from its
			// own file.
			`names = concat(local.service_api.secret_names, `,
			`buckets = merge(local.service_api.buckets)`,
			`api = local.service_api_access.role`,
		} {
			if !strings.Contains(main+" "+own, want) {
				t.Errorf("%s: main.tf and service-api.tf lack %s", e.Name, want)
			}
		}
		for _, want := range []string{
			`database_job = { role_name = "` + spec.DatabaseJobsRoleName(m.Platform, e, api) + `" namespace = "` + spec.Namespace(api) +
				`" service_account = "` + spec.DatabaseJobsServiceAccount(api) + `"`,
			`master_secret_arn = module.database_api.master_user_secret_arn`,
			`backup_bucket_arn = module.storage.bucket_arns["` + backups + `"]`,
			`output "database_api_connection_secret_name" {`,
			`value = module.storage.bucket_ids["` + backups + `"]`,
			`value = module.iam.database_jobs_role_arns["api"]`,
		} {
			if !strings.Contains(own, want) {
				t.Errorf("%s: service-api.tf lacks %s", e.Name, want)
			}
		}
		// Only the service with a database connects to one.
		if n := strings.Count(rootOf(out, spec.TerraformDir(e)), "db_connect_arns"); n != 1 {
			t.Errorf("%s: %d services with db_connect_arns, want 1 (api)", e.Name, n)
		}
	}
}

// Every file is as hclwrite formats it, which is how terraform fmt formats
// it, with no terraform at hand: the blocks that took their spaces from a
// block laid out alike, rather than formatting, are spaced as formatting
// would. For the sample organisation and for a synthetic one, whose
// services' blocks are all laid out alike.
func TestFilesAreFormatted(t *testing.T) {
	synth := t.TempDir()
	if err := synthetic.Write(synth, 5); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{repoRoot, synth} {
		m, err := spec.Load(root)
		if err != nil {
			t.Fatal(err)
		}
		files, err := terraform.Generator{}.Generate(engine.NewInput(m))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if want := hclwrite.Format(f.Data); !bytes.Equal(f.Data, want) {
				t.Errorf("%s is not formatted:\n%s", f.Path, cmp.Diff(string(want), string(f.Data)))
			}
		}
	}
}
