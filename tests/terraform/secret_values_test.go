package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Everything Terraform manages or reads lands in the state, and every plan
// role (so every pull request) reads the state. No module and no generated
// root may hold a secret value: these checks parse the HCL and look at block
// types and arguments, so a comment or a description never trips them and a
// reformatted file never slips past.

// secretValueTypes keep a secret value in their state attributes, whether
// managed or read (data sources are stored too).
var secretValueTypes = map[string]string{
	"random_password":                   "its result is a password kept in the state; let the service generate it (RDS: manage_master_user_password)",
	"aws_secretsmanager_secret_version": "the secret's value is kept in the state; put values in out of band",
	"aws_kms_secrets":                   "the plaintext is kept in the state",
	"aws_iam_access_key":                "the secret access key is kept in the state; use roles",
	"aws_iam_user_login_profile":        "the password is kept in the state",
	"tls_private_key":                   "the private key is kept in the state",
}

// secretArguments set a value Terraform then keeps in the state (write-only
// arguments, *_wo, are not stored and are the way to pass one, if ever).
var secretArguments = []string{"password", "master_password", "secret_string", "secret_binary"}

// databaseTypes must let the service manage the master password.
var databaseTypes = []string{"aws_db_instance", "aws_rds_cluster"}

// The one exemption, as in policies/terraform: the database module writes
// the connection to its database (services sign in with RDS IAM tokens, so
// it holds no password). Exactly this file and resource, and a
// secret_string that is jsonencode of an object of exactly these keys.
const (
	connectionFile     = "modules/database/main.tf"
	connectionResource = "connection"
)

var connectionKeys = []string{"dbname", "host", "master_secret_arn", "port", "sslmode", "username"}

func TestNoSecretValuesInTerraform(t *testing.T) {
	repo := filepath.Join("..", "..")
	dirs, err := filepath.Glob(filepath.Join(repo, "modules", "*"))
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := filepath.Glob(filepath.Join(repo, "environments", "*", "terraform"))
	others, _ := filepath.Glob(filepath.Join(repo, "terraform", "*"))
	dirs = append(append(dirs, roots...), others...)
	if len(roots) == 0 {
		t.Fatalf("no generated root under %s/environments/*/terraform", repo)
	}
	files, databases := 0, 0
	for _, dir := range dirs {
		tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		for _, name := range tfs {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(repo, name)
			findings, dbs := secretValueFindings(t, filepath.ToSlash(rel), src)
			for _, f := range findings {
				t.Error(f)
			}
			files++
			databases += dbs
		}
	}
	// The database module is among the files: its aws_db_instance was checked.
	if files < 20 || databases == 0 {
		t.Fatalf("checked %d files and %d database resources: the search paths are wrong", files, databases)
	}
	t.Logf("checked %d .tf files, %d database resources", files, databases)
}

// secretValueFindings parses one file and reports every block or argument
// that would put a secret value in the state, and how many database
// resources it checked.
func secretValueFindings(t *testing.T, name string, src []byte) ([]string, int) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	var out []string
	databases := 0
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if (b.Type != "resource" && b.Type != "data" && b.Type != "ephemeral") || len(b.Labels) < 2 {
			continue
		}
		// Ephemeral resources are never stored: they are how a value should
		// reach a provider, if one ever must.
		if b.Type == "ephemeral" {
			continue
		}
		typ := b.Labels[0]
		at := fmt.Sprintf("%s:%d: %s %q %q", name, b.DefRange().Start.Line, b.Type, typ, b.Labels[1])
		if name == connectionFile && b.Type == "resource" && typ == "aws_secretsmanager_secret_version" && b.Labels[1] == connectionResource {
			if problem := connectionProblem(b.Body); problem != "" {
				out = append(out, at+": "+problem)
			}
			continue
		}
		if why, bad := secretValueTypes[typ]; bad {
			out = append(out, at+": "+why)
		}
		if typ == "aws_ssm_parameter" && ssmParameterIsSecret(b) {
			out = append(out, at+": a SecureString value is kept in the state")
		}
		walkBody(b.Body, func(attr *hclsyntax.Attribute) {
			if slices.Contains(secretArguments, attr.Name) {
				out = append(out, fmt.Sprintf("%s:%d: %s sets %s, which Terraform keeps in the state", name, attr.SrcRange.Start.Line, at, attr.Name))
			}
		})
		if b.Type == "resource" && slices.Contains(databaseTypes, typ) {
			databases++
			if v, ok := literal(b.Body, "manage_master_user_password"); !ok || v != cty.True {
				out = append(out, at+": manage_master_user_password must be true, so that RDS keeps the master password out of Terraform")
			}
		}
	}
	return out, databases
}

// connectionProblem says what is wrong with the database module's
// connection version, or "": its only value is secret_string =
// jsonencode({...}) with exactly the connection's keys.
func connectionProblem(body *hclsyntax.Body) string {
	for name := range body.Attributes {
		if slices.Contains(secretArguments, name) && name != "secret_string" {
			return "sets " + name + "; the connection secret holds only secret_string"
		}
	}
	attr, ok := body.Attributes["secret_string"]
	if !ok {
		return "sets no secret_string"
	}
	call, ok := attr.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
		return "secret_string must be jsonencode({...}) of the connection's keys"
	}
	obj, ok := call.Args[0].(*hclsyntax.ObjectConsExpr)
	if !ok {
		return "secret_string must be jsonencode of an object literal, whose keys can be checked"
	}
	var keys []string
	for _, item := range obj.Items {
		k, ok := item.KeyExpr.(*hclsyntax.ObjectConsKeyExpr)
		key := ""
		if ok {
			key = hcl.ExprAsKeyword(k.Wrapped)
		}
		if key == "" {
			if v, diags := item.KeyExpr.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
				key = v.AsString()
			}
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, connectionKeys) {
		return fmt.Sprintf("secret_string holds keys %v, want exactly %v (no password: IAM authentication)", keys, connectionKeys)
	}
	return ""
}

// ssmParameterIsSecret: a SecureString resource, or a data source that
// decrypts (with_decryption defaults to true).
func ssmParameterIsSecret(b *hclsyntax.Block) bool {
	if b.Type == "data" {
		v, ok := literal(b.Body, "with_decryption")
		return !ok || v != cty.False
	}
	v, ok := literal(b.Body, "type")
	return !ok || v != cty.StringVal("String") && v != cty.StringVal("StringList")
}

// literal evaluates an argument that needs no variables; ok is false when it
// is missing or computed.
func literal(body *hclsyntax.Body, name string) (cty.Value, bool) {
	attr, ok := body.Attributes[name]
	if !ok {
		return cty.NilVal, false
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

func walkBody(body *hclsyntax.Body, fn func(*hclsyntax.Attribute)) {
	for _, a := range body.Attributes {
		fn(a)
	}
	for _, b := range body.Blocks {
		walkBody(b.Body, fn)
	}
}

func TestSecretValueFindings(t *testing.T) {
	// Each bad example is found, and the good ones are not: the check above
	// cannot pass by finding nothing.
	bad := `
resource "random_password" "db" {
  length = 32
}

resource "aws_secretsmanager_secret_version" "alertmanager" {
  secret_id     = aws_secretsmanager_secret.this.id
  secret_string = "{}"
}

data "aws_secretsmanager_secret_version" "stripe" {
  secret_id = "prod/api/stripe-api-key"
}

resource "aws_db_instance" "with_password" {
  password = random_password.db.result
}

resource "aws_db_instance" "computed" {
  manage_master_user_password = var.managed
}

resource "aws_ssm_parameter" "token" {
  name  = "/x"
  type  = "SecureString"
  value = "x"
}

data "aws_ssm_parameter" "token" {
  name = "/x"
}

resource "aws_rds_cluster" "c" {
  master_password = "x"
}
`
	good := `
# random_password is not used here; secret_string neither.
resource "aws_db_instance" "this" {
  username                    = "dbadmin"
  manage_master_user_password = true
  description                 = "password is managed by RDS"
}

resource "aws_secretsmanager_secret" "this" {
  name = "prod/api/stripe-api-key"
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/endpoint"
  type  = "String"
  value = "db.internal"
}

data "aws_ssm_parameter" "ami" {
  name            = "/aws/service/eks/optimized-ami/1.31/amazon-linux-2/recommended/image_id"
  with_decryption = false
}

ephemeral "aws_secretsmanager_secret_version" "read_at_apply_only" {
  secret_id = "x"
}
`
	findings, _ := secretValueFindings(t, "bad.tf", []byte(bad))
	for _, want := range []string{
		`bad.tf:2: resource "random_password" "db"`,
		`bad.tf:6: resource "aws_secretsmanager_secret_version" "alertmanager": the secret's value`,
		`bad.tf:8: bad.tf:6: resource "aws_secretsmanager_secret_version" "alertmanager" sets secret_string`,
		`bad.tf:11: data "aws_secretsmanager_secret_version" "stripe"`,
		`bad.tf:16: bad.tf:15: resource "aws_db_instance" "with_password" sets password`,
		`bad.tf:15: resource "aws_db_instance" "with_password": manage_master_user_password`,
		`bad.tf:19: resource "aws_db_instance" "computed": manage_master_user_password`,
		`bad.tf:23: resource "aws_ssm_parameter" "token": a SecureString`,
		`bad.tf:29: data "aws_ssm_parameter" "token": a SecureString`,
		`bad.tf:34: bad.tf:33: resource "aws_rds_cluster" "c" sets master_password`,
	} {
		found := false
		for _, f := range findings {
			found = found || strings.HasPrefix(f, want)
		}
		if !found {
			t.Errorf("no finding starts with %q; found:\n%s", want, strings.Join(findings, "\n"))
		}
	}
	if findings, dbs := secretValueFindings(t, "good.tf", []byte(good)); len(findings) != 0 || dbs != 1 {
		t.Errorf("good.tf: %d database resources, findings:\n%s", dbs, strings.Join(findings, "\n"))
	}
}

// The database module's connection version is the one exemption, and only
// there, with that name and the connection's keys.
func TestConnectionVersionExemption(t *testing.T) {
	version := func(label, object string) []byte {
		return []byte(`resource "aws_secretsmanager_secret_version" "` + label + `" {
  secret_id = aws_secretsmanager_secret.connection.id
  secret_string = ` + object + `
}
`)
	}
	good := `jsonencode({
    host              = aws_db_instance.this.address
    port              = tostring(aws_db_instance.this.port)
    dbname            = aws_db_instance.this.db_name
    username          = var.iam_username
    sslmode           = "require"
    master_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
  })`
	if f, _ := secretValueFindings(t, connectionFile, version(connectionResource, good)); len(f) != 0 {
		t.Errorf("the connection version is refused:\n%s", strings.Join(f, "\n"))
	}
	withPassword := strings.Replace(good, `sslmode           = "require"`, `sslmode = "require"
    "password" = var.password`, 1)
	for _, c := range []struct {
		file, label, object, want string
	}{
		{connectionFile, connectionResource, withPassword, "secret_string holds keys [dbname host master_secret_arn password port sslmode username]"},
		{connectionFile, connectionResource, `jsonencode(local.connection)`, "jsonencode of an object literal"},
		{connectionFile, connectionResource, `"postgres://api@db/api"`, "must be jsonencode"},
		{connectionFile, "password", good, "the secret's value is kept in the state"},
		{"modules/secrets/main.tf", connectionResource, good, "the secret's value is kept in the state"},
		{"environments/dev/terraform/main.tf", connectionResource, good, "the secret's value is kept in the state"},
	} {
		f, _ := secretValueFindings(t, c.file, version(c.label, c.object))
		if len(f) == 0 || !strings.Contains(strings.Join(f, "\n"), c.want) {
			t.Errorf("%s %q with %s: findings %q, want one saying %q", c.file, c.label, c.object, f, c.want)
		}
	}
	binary := []byte(`resource "aws_secretsmanager_secret_version" "connection" {
  secret_id     = "x"
  secret_binary = "czNjcjN0"
}
`)
	if f, _ := secretValueFindings(t, connectionFile, binary); len(f) != 1 || !strings.Contains(f[0], "sets secret_binary") {
		t.Errorf("a binary connection version: findings %q", f)
	}
}
