//go:build e2e

// Package e2e_test applies the dev root of the sample organisation against
// moto_server, an AWS API emulator, on 127.0.0.1: it checks that every
// resource exists (a second plan finds nothing to do), runs the production
// guardrails on that plan and on the plans of every other environment,
// checks what a service with a database will find (IAM authentication on,
// the connection secret holding the connection and no password, the root's
// outputs), and destroys everything. Run it with `make e2e`.
//
// A test-only override file points the AWS provider at moto, keeps state
// locally, and replaces two modules by stand-ins in stubs/: moto cannot run
// EKS node groups, nor AWS Backup selections, restore testing and the
// AWS-managed Backup policies. Everything else is the generated root and the
// real modules.
package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tftest"
)

const repoRoot = "../.."

// motoAccount is the account moto answers GetCallerIdentity with.
const motoAccount = "123456789012"

func TestEnvironmentsAgainstMoto(t *testing.T) {
	tf := tftest.Binary(t)
	mirror := tftest.Mirror(t)
	endpoint := startMoto(t)

	m, err := spec.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Environments {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			work := tree(t, out, m, e, endpoint)
			env := tftest.Init(t, tf, work, spec.TerraformDir(e), mirror)
			run := func(args ...string) string {
				t.Helper()
				o, err := tftest.Run(t, tf, work, env, args...)
				if err != nil {
					t.Fatalf("terraform %s in %s: %v\n%s", args[0], e.Name, err, tail(o))
				}
				return o
			}
			if e.Name != "dev" {
				// Only dev is applied: the others are planned, and their
				// plans must pass the guardrails.
				run("plan", "-input=false", "-no-color", "-out=tfplan")
				guardrails(t, m, e, work, run("show", "-json", "tfplan"))
				return
			}
			start := time.Now()
			run("apply", "-input=false", "-no-color", "-auto-approve")
			t.Logf("dev applied in %s", time.Since(start).Round(time.Second))
			resources := strings.Fields(run("state", "list"))
			if len(resources) < 50 {
				t.Fatalf("state holds %d resources after apply, want the whole environment", len(resources))
			}
			// A plan after apply reads every resource back from moto: nothing
			// to create or replace means each one exists. Moto does not keep
			// every attribute (tags of some resources, Performance Insights,
			// parameter group values), so in-place updates are only logged.
			run("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := run("show", "-json", "tfplan")
			var after struct {
				ResourceChanges []struct {
					Address string `json:"address"`
					Change  struct {
						Actions []string `json:"actions"`
					} `json:"change"`
				} `json:"resource_changes"`
			}
			if err := json.Unmarshal([]byte(planJSON), &after); err != nil {
				t.Fatal(err)
			}
			for _, rc := range after.ResourceChanges {
				switch a := strings.Join(rc.Change.Actions, ","); a {
				case "no-op", "read":
				case "update":
					t.Logf("moto does not keep every attribute of %s", rc.Address)
				default:
					t.Errorf("%s: %s after apply; it does not exist as applied", rc.Address, a)
				}
			}
			guardrails(t, m, e, work, planJSON)
			// The plan's prior state is every resource as the refresh read
			// it back from moto: what the services and jobs will find.
			applied := refreshed(t, planJSON)
			databaseWiring(t, m, e, applied, run("output", "-json"))
			databaseChain(t, m, e, out, applied)
			start = time.Now()
			run("destroy", "-input=false", "-no-color", "-auto-approve")
			t.Logf("dev destroyed in %s (%d resources)", time.Since(start).Round(time.Second), len(resources))
			if left := strings.TrimSpace(run("state", "list")); left != "" {
				t.Fatalf("resources left after destroy:\n%s", left)
			}
		})
	}
}

// startMoto runs moto_server on a free port of 127.0.0.1 for the test.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("moto_server is not on PATH; install it with pip install 'moto[server]'")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// The plan and apply roles attach AWS-managed policies (ReadOnlyAccess,
	// AdministratorAccess), which moto has only when asked to load them.
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	log, _ := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	t.Fatalf("moto_server did not listen on %s within 30s", addr)
	return ""
}

// tree lays out modules/ and the environment's generated root in a temp
// folder, with the stand-in modules and the override file beside the root.
func tree(t *testing.T, out *engine.Output, m *spec.Model, e *spec.Environment, endpoint string) string {
	t.Helper()
	dir := t.TempDir()
	modules, err := os.ReadDir(filepath.Join(repoRoot, "modules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, mod := range modules {
		tftest.Copy(t, filepath.Join(repoRoot, "modules", mod.Name()), filepath.Join(dir, "modules", mod.Name()))
	}
	// moto delivers S3 access logs as Terraform reads the buckets, so the
	// log bucket is never empty when dev is destroyed. In AWS it is emptied
	// deliberately, as the other buckets are, never by a destroy.
	if err := os.WriteFile(filepath.Join(dir, "modules", "storage", "e2e_override.tf"), []byte(storageOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	root := spec.TerraformDir(e)
	work := filepath.Join(dir, filepath.FromSlash(root))
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range out.Files {
		if filepath.Dir(f.Path) == root {
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, stub := range []string{"cluster", "backup"} {
		tftest.Copy(t, filepath.Join("stubs", stub), filepath.Join(work, "e2e", stub))
	}
	if err := os.WriteFile(filepath.Join(work, "e2e_override.tf"), []byte(override(m, e, endpoint)), 0o644); err != nil {
		t.Fatal(err)
	}
	return work
}

// storageOverride lets a destroy empty the access log bucket.
const storageOverride = `resource "aws_s3_bucket" "access_logs" {
  force_destroy = true
}
`

// motoServices are the AWS APIs the roots call.
var motoServices = []string{"backup", "cloudwatchlogs", "ec2", "eks", "iam", "kms", "rds", "s3", "secretsmanager", "sts"}

// override points the provider at moto, keeps state in a local file, and
// swaps in the stand-in modules.
func override(m *spec.Model, e *spec.Environment, endpoint string) string {
	var b strings.Builder
	b.WriteString("terraform {\n  backend \"local\" {}\n}\n\n")
	fmt.Fprintf(&b, "provider \"aws\" {\n  region                      = %q\n", e.Region)
	fmt.Fprintf(&b, "  allowed_account_ids         = [%q]\n", motoAccount)
	b.WriteString("  access_key                  = \"moto\"\n  secret_key                  = \"moto\"\n")
	b.WriteString("  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  s3_use_path_style           = true\n")
	b.WriteString("  endpoints {\n")
	for _, s := range motoServices {
		fmt.Fprintf(&b, "    %s = %q\n", s, endpoint)
	}
	b.WriteString("  }\n}\n\nmodule \"cluster\" {\n  source = \"./e2e/cluster\"\n}\n")
	for _, s := range m.Services {
		if s.Database != nil {
			fmt.Fprintf(&b, "\nmodule \"backup_%s\" {\n  source = \"./e2e/backup\"\n}\n", strings.ReplaceAll(s.Name, "-", "_"))
		}
	}
	return b.String()
}

// guardrails runs the policies of policies/terraform on a plan's JSON, with
// the environment's own figures, and fails on any denial.
func guardrails(t *testing.T, m *spec.Model, e *spec.Environment, work, planJSON string) {
	t.Helper()
	var plan any
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	input := map[string]any{
		"plan":       plan,
		"repository": m.Platform.Repository,
		"environment": map[string]any{
			"name": e.Name,
			"database": map[string]any{
				"multiAZ":             e.Database.MultiAZ,
				"deletionProtection":  e.Database.DeletionProtection,
				"backupRetentionDays": e.Database.BackupRetentionDays,
			},
		},
		// The override keeps state locally: the guardrail reads the
		// generated backend, which the override replaced.
		"backend": backendSettings(t, filepath.Join(work, "backend.tf")),
	}
	rs, err := rego.New(
		rego.Query("data.groundwork.terraform.deny"),
		rego.Load([]string{filepath.Join(repoRoot, "policies", "terraform", "guardrails.rego")}, nil),
		rego.Input(input),
	).Eval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		t.Fatalf("guardrails gave no result: %v", rs)
	}
	denials, _ := rs[0].Expressions[0].Value.([]any)
	for _, d := range denials {
		t.Errorf("guardrail: %v", d)
	}
	t.Logf("%s: %d guardrail denials on a plan of %d resource changes", e.Name, len(denials), len(plan.(map[string]any)["resource_changes"].([]any)))
}

// refreshed is the values of every managed resource in a plan's prior
// state, by address.
func refreshed(t *testing.T, planJSON string) map[string]map[string]any {
	t.Helper()
	type module struct {
		Resources []struct {
			Address string         `json:"address"`
			Mode    string         `json:"mode"`
			Values  map[string]any `json:"values"`
		} `json:"resources"`
		ChildModules []json.RawMessage `json:"child_modules"`
	}
	var plan struct {
		PriorState struct {
			Values struct {
				RootModule json.RawMessage `json:"root_module"`
			} `json:"values"`
		} `json:"prior_state"`
	}
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var m module
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Resources {
			if r.Mode == "managed" {
				out[r.Address] = r.Values
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(plan.PriorState.Values.RootModule)
	return out
}

// databaseWiring checks, for every service with a database, what apply
// made of it as moto returns it: the instance takes IAM authentication, the
// connection secret holds the connection and nothing else (no password),
// and the root's outputs name the secret, the backup bucket and the jobs'
// role by the names of internal/spec.
func databaseWiring(t *testing.T, m *spec.Model, e *spec.Environment, applied map[string]map[string]any, outputsJSON string) {
	t.Helper()
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	stdout, _, _ := strings.Cut(outputsJSON, "\n[stderr]\n")
	if err := json.Unmarshal([]byte(stdout), &outputs); err != nil {
		t.Fatalf("terraform output -json: %v\n%s", err, outputsJSON)
	}
	checked := 0
	for _, s := range m.Services {
		if s.Database == nil {
			continue
		}
		checked++
		mod := "module.database_" + strings.ReplaceAll(s.Name, "-", "_")
		db := applied[mod+".aws_db_instance.this"]
		if db == nil {
			t.Fatalf("%s: no database instance in the plan after apply", s.Name)
		}
		if db["iam_database_authentication_enabled"] != true {
			t.Errorf("%s: the instance does not take IAM authentication", s.Name)
		}
		version := applied[mod+".aws_secretsmanager_secret_version.connection"]
		raw, _ := version["secret_string"].(string)
		var conn map[string]string
		if err := json.Unmarshal([]byte(raw), &conn); err != nil {
			t.Fatalf("%s: the connection secret is not a JSON object of strings: %v", s.Name, err)
		}
		masterARN := ""
		if ms, _ := db["master_user_secret"].([]any); len(ms) == 1 {
			masterARN, _ = ms[0].(map[string]any)["secret_arn"].(string)
		}
		want := map[string]string{
			"host": fmt.Sprint(db["address"]), "port": "5432", "dbname": spec.DatabaseName(s),
			"username": spec.DatabaseUser(s), "sslmode": "require", "master_secret_arn": masterARN,
		}
		if fmt.Sprint(conn) != fmt.Sprint(want) || masterARN == "" || want["host"] == "" {
			t.Errorf("%s: the connection secret holds %v, want %v", s.Name, conn, want)
		}
		prefix := strings.TrimPrefix(mod, "module.")
		for name, value := range map[string]string{
			prefix + "_connection_secret_name": spec.DatabaseSecretName(e, s),
			prefix + "_backup_bucket":          spec.BackupBucketName(m.Platform, e, s),
			prefix + "_jobs_role_arn":          "arn:aws:iam::" + motoAccount + ":role/" + spec.DatabaseJobsRoleName(m.Platform, e, s),
		} {
			if got := fmt.Sprint(outputs[name].Value); got != value {
				t.Errorf("output %s = %q, want %q", name, got, value)
			}
		}
		planRoleMayRefresh(t, e, applied, fmt.Sprint(applied[mod+".aws_secretsmanager_secret.connection"]["arn"]))
		t.Logf("%s: connection secret %s holds %v", s.Name, spec.DatabaseSecretName(e, s), conn)
	}
	if checked == 0 {
		t.Fatalf("%s has no database to check", e.Name)
	}
}

// planRoleMayRefresh checks the plan role's inline policies, as applied,
// against the connection secret's real ARN: pull-request plans refresh its
// version with GetSecretValue, which no Deny may block and an Allow must
// grant (the role's managed ReadOnlyAccess does not). Moto does not enforce
// IAM, so this is where a pattern that misses the real ARN (its account,
// region or suffix) shows.
func planRoleMayRefresh(t *testing.T, e *spec.Environment, applied map[string]map[string]any, secretARN string) {
	t.Helper()
	type statement struct {
		Effect      string
		Action      any
		Resource    any
		NotResource any
	}
	var denied, allowed bool
	policies := 0
	for address, values := range applied {
		if !strings.HasPrefix(address, "module.iam.aws_iam_role_policy.plan_") || !strings.HasSuffix(address, fmt.Sprintf("[%q]", spec.DeployEnvironment(e))) {
			continue
		}
		policies++
		var doc struct{ Statement []statement }
		if err := json.Unmarshal([]byte(fmt.Sprint(values["policy"])), &doc); err != nil {
			t.Fatalf("%s: %v", address, err)
		}
		for _, st := range doc.Statement {
			if !globAny(st.Action, "secretsmanager:GetSecretValue") {
				continue
			}
			covers := globAny(st.Resource, secretARN) || (st.NotResource != nil && !globAny(st.NotResource, secretARN))
			denied = denied || (covers && st.Effect == "Deny")
			allowed = allowed || (covers && st.Effect == "Allow")
		}
	}
	if policies < 2 || denied || !allowed {
		t.Errorf("the plan role (%d inline policies) may not GetSecretValue on %s (denied %v, allowed %v): every pull-request plan would fail to refresh the connection", policies, secretARN, denied, allowed)
	}
}

// globAny matches an IAM Action or Resource value (a string or a list) with
// its * and ? wildcards against s.
func globAny(patterns any, s string) bool {
	var list []string
	switch p := patterns.(type) {
	case string:
		list = []string{p}
	case []any:
		for _, v := range p {
			list = append(list, fmt.Sprint(v))
		}
	}
	for _, p := range list {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(s) {
			return true
		}
	}
	return false
}

// backendSettings reads encrypt and use_lockfile from a generated backend.tf.
func backendSettings(t *testing.T, name string) map[string]any {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCLFile(name)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	content, _, _ := f.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}})
	settings := map[string]any{}
	for _, tb := range content.Blocks {
		inner, _, _ := tb.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "backend", LabelNames: []string{"type"}}}})
		for _, b := range inner.Blocks {
			attrs, _ := b.Body.JustAttributes()
			for _, k := range []string{"encrypt", "use_lockfile"} {
				if a, ok := attrs[k]; ok {
					v, _ := a.Expr.Value(nil)
					settings[k] = v.True()
				}
			}
		}
	}
	return settings
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}
