package terraform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/groundwork-dev/groundwork/internal/tftest"
)

// Pull requests plan with the plan role, running the branch's Terraform: what
// the role may do, any branch author may do. These tests plan modules/iam
// offline, take the inline policies Terraform would attach to the plan role
// from `terraform show -json`, and evaluate IAM requests against them.

const (
	stateBucket = "arn:aws:s3:::acme-terraform-state"
	stateKey    = "arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-0000-4000-8000-000000000000"
)

// Resources a branch author would want to read secrets through: a service
// secret, the RDS master user secret, the secrets module's key, a database
// key, and the AWS managed keys that decrypt for the caller.
var secretResources = []string{
	"arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/stripe-api-key-AbCdEf",
	"arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123abcd-4567-89ef-0123-456789abcdef-XyZ123",
}

var secretKeys = []string{
	"arn:aws:kms:eu-west-1:111111111111:key/1111bbbb-1111-4111-8111-111111111111", // secrets module
	"arn:aws:kms:eu-west-1:111111111111:key/2222cccc-2222-4222-8222-222222222222", // a database (master user secret)
	"arn:aws:kms:eu-west-1:111111111111:key/3333dddd-3333-4333-8333-333333333333", // aws/ssm, aws/secretsmanager
	"arn:aws:kms:us-east-1:999999999999:key/4444eeee-4444-4444-8444-444444444444", // another account's
}

// plaintextActions yield a secret's plaintext, or a data key, or a grant to
// get them.
var plaintextActions = []string{
	"kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
	"kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:DeriveSharedSecret", "kms:CreateGrant",
}

func TestPlanRoleCannotReadSecrets(t *testing.T) {
	tf := tftest.Binary(t)
	mirror := tftest.Mirror(t)

	for _, tc := range []struct {
		name        string
		stateKey    string // "" for SSE-S3 state
		connections bool   // the root has a database: its connection secret is plan-readable
	}{
		{"sse-s3-state", "", false},
		{"sse-kms-state", stateKey, false},
		{"connection-secrets", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			extra := ""
			if tc.connections {
				extra = fmt.Sprintf("  plan_readable_secret_arns  = [%q]\n  plan_readable_kms_key_arns = [%q]\n", connectionPattern, secretsManagerKey)
			}
			plan := planIAM(t, tf, mirror, tc.stateKey, extra)
			role, policies := planRolePolicies(t, plan, "prod")
			t.Logf("%s: %d inline policies", role, len(policies))

			if tc.connections {
				checkConnectionExemption(t, role, policies)
			}
			for _, res := range secretResources {
				for _, a := range []string{"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"} {
					if !explicitlyDenied(policies, a, res) {
						t.Errorf("%s may be allowed %s on %s: no unconditional Deny", role, a, res)
					}
				}
			}
			keys := secretKeys
			if tc.stateKey == "" {
				keys = append(keys, stateKey) // without a state key, no key is exempt
			}
			for _, k := range keys {
				for _, a := range plaintextActions {
					if !explicitlyDenied(policies, a, k) {
						t.Errorf("%s may be allowed %s on %s: no unconditional Deny", role, a, k)
					}
				}
			}

			// What terraform plan needs stays possible: reading the state,
			// and with SSE-KMS state, decrypting it with the state key.
			for _, need := range []struct{ action, resource string }{
				{"s3:GetObject", stateBucket + "/prod/terraform.tfstate"},
				{"s3:ListBucket", stateBucket},
			} {
				if !allowed(policies, need.action, need.resource) {
					t.Errorf("%s cannot %s on %s: terraform plan cannot read its state", role, need.action, need.resource)
				}
			}
			if tc.stateKey != "" {
				for _, a := range []string{"kms:Decrypt", "kms:GenerateDataKey"} {
					if !allowed(policies, a, tc.stateKey) {
						t.Errorf("%s cannot %s on the state key: terraform plan cannot read its state", role, a)
					}
				}
			}

			// The guardrail of policies/terraform agrees on the real plan,
			// and objects once the denies are gone.
			if d := guardrailDenials(t, plan); len(d) != 0 {
				t.Errorf("guardrails deny the iam module's plan:\n%s", strings.Join(d, "\n"))
			}
			d := guardrailDenials(t, withoutResource(t, plan, `module.iam.aws_iam_role_policy.plan_deny_secrets["prod"]`))
			if !containsAll(d, "no inline policy denies secretsmanager:GetSecretValue", "no inline policy denies kms:Decrypt") {
				t.Errorf("without the deny policy, the guardrails should object to the plan role; they said:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// The database module's connection secret, as the plan roles may read it
// (its ARN pattern, known before it exists), and its key, aws/secretsmanager.
const (
	connectionPattern = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/database-??????"
	secretsManagerKey = "arn:aws:kms:eu-west-1:111111111111:key/7777abcd-7777-4777-8777-777777777777"
)

// checkConnectionExemption: the plan role may read the connection secret
// (a refresh of its version calls GetSecretValue), decrypting with its key
// and nothing more, and no other secret whose name merely starts alike.
func checkConnectionExemption(t *testing.T, role string, policies []policyDoc) {
	t.Helper()
	connection := strings.TrimSuffix(connectionPattern, "??????") + "AbCdEf"
	if !allowed(policies, "secretsmanager:GetSecretValue", connection) {
		t.Errorf("%s cannot GetSecretValue on %s: refreshing the connection version fails", role, connection)
	}
	if !allowed(policies, "kms:Decrypt", secretsManagerKey) {
		t.Errorf("%s cannot decrypt with aws/secretsmanager: refreshing the connection version fails", role)
	}
	for _, other := range []string{
		strings.TrimSuffix(connectionPattern, "-??????") + "-extra-AbCdEf",
		strings.Replace(connection, ":secret:prod/", ":secret:staging/", 1),
	} {
		if !explicitlyDenied(policies, "secretsmanager:GetSecretValue", other) {
			t.Errorf("%s may read %s", role, other)
		}
	}
	for _, a := range plaintextActions {
		if a != "kms:Decrypt" && !explicitlyDenied(policies, a, secretsManagerKey) {
			t.Errorf("%s may %s with aws/secretsmanager; only Decrypt is exempt", role, a)
		}
	}
}

// planIAM plans modules/iam for one environment, offline (dummy credentials,
// no API call), with extra arguments for the module if any, and returns
// `terraform show -json` of the plan.
func planIAM(t *testing.T, tf, mirror, stateKMSKey, extra string) []byte {
	t.Helper()
	dir := t.TempDir()
	tftest.Copy(t, filepath.Join(modulesRoot(t), "iam"), filepath.Join(dir, "modules", "iam"))
	work := filepath.Join(dir, "root")
	key := "null"
	if stateKMSKey != "" {
		key = fmt.Sprintf("%q", stateKMSKey)
	}
	root := fmt.Sprintf(`provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

module "iam" {
  source = "../modules/iam"

  repository        = "acme/platform"
  state_bucket_arn  = %q
  state_kms_key_arn = %s
  environments = {
    prod = { plan_role_name = "acme-prod-github-plan", apply_role_name = "acme-prod-github-apply" }
  }
%s
}
`, stateBucket, key, extra)
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(root), 0o644); err != nil {
		t.Fatal(err)
	}
	env := tftest.Init(t, tf, work, "modules/iam", mirror, "-backend=false")
	if out, err := tftest.Run(t, tf, work, env, "plan", "-input=false", "-no-color", "-out=tfplan"); err != nil {
		t.Fatalf("terraform plan of modules/iam: %v\n%s", err, out)
	}
	out, err := tftest.Run(t, tf, work, env, "show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	stdout, _, _ := strings.Cut(out, "\n[stderr]\n")
	return []byte(stdout)
}

type resourceChange struct {
	Address       string `json:"address"`
	ModuleAddress string `json:"module_address"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	Index         any    `json:"index"`
	Change        struct {
		After map[string]any `json:"after"`
	} `json:"change"`
}

// planRolePolicies returns the plan role's address and the inline policies
// the plan attaches to it (aws_iam_role_policy for_each over the same
// environments, so the same module and index).
func planRolePolicies(t *testing.T, plan []byte, env string) (string, []policyDoc) {
	t.Helper()
	var p struct {
		ResourceChanges []resourceChange `json:"resource_changes"`
	}
	if err := json.Unmarshal(plan, &p); err != nil {
		t.Fatal(err)
	}
	var role *resourceChange
	for i, r := range p.ResourceChanges {
		if r.Type == "aws_iam_role" && r.Name == "plan" && r.Index == env {
			role = &p.ResourceChanges[i]
		}
	}
	if role == nil {
		t.Fatalf("the plan has no aws_iam_role.plan[%q]", env)
	}
	var docs []policyDoc
	for _, r := range p.ResourceChanges {
		if r.Type != "aws_iam_role_policy" || r.ModuleAddress != role.ModuleAddress || r.Index != env {
			continue
		}
		text, ok := r.Change.After["policy"].(string)
		if !ok {
			t.Fatalf("%s: the policy is not known at plan time", r.Address)
		}
		var d policyDoc
		if err := json.Unmarshal([]byte(text), &d); err != nil {
			t.Fatalf("%s: %v\n%s", r.Address, err, text)
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		t.Fatalf("%s has no inline policy", role.Address)
	}
	return role.Address, docs
}

// --- a small IAM evaluator: enough for Action/NotAction, Resource/NotResource
// and wildcards; a statement with a Condition never counts as unconditional.

type policyDoc struct {
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect      string          `json:"Effect"`
	Action      stringOrList    `json:"Action"`
	NotAction   stringOrList    `json:"NotAction"`
	Resource    stringOrList    `json:"Resource"`
	NotResource stringOrList    `json:"NotResource"`
	Condition   json.RawMessage `json:"Condition"`
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func (st statement) matches(action, resource string) bool {
	actionOK := anyGlob(st.Action, action, true) || (len(st.NotAction) > 0 && !anyGlob(st.NotAction, action, true))
	resourceOK := anyGlob(st.Resource, resource, false) || (len(st.NotResource) > 0 && !anyGlob(st.NotResource, resource, false))
	return actionOK && resourceOK
}

func explicitlyDenied(docs []policyDoc, action, resource string) bool {
	for _, d := range docs {
		for _, st := range d.Statement {
			if st.Effect == "Deny" && len(st.Condition) == 0 && st.matches(action, resource) {
				return true
			}
		}
	}
	return false
}

// allowed is whether the inline policies alone allow the request (the role's
// managed ReadOnlyAccess is not modelled) and nothing denies it.
func allowed(docs []policyDoc, action, resource string) bool {
	allow := false
	for _, d := range docs {
		for _, st := range d.Statement {
			if !st.matches(action, resource) {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			allow = allow || st.Effect == "Allow"
		}
	}
	return allow
}

// anyGlob matches IAM wildcards: * any run of characters, ? one character;
// actions compare case-insensitively, resources exactly.
func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*"), `\?`, ".") + "$"
		if fold {
			re = "(?i)" + re
		}
		if regexp.MustCompile(re).MatchString(s) {
			return true
		}
	}
	return false
}

func TestIAMEvaluator(t *testing.T) {
	// The evaluator decides what the test above proves: it must not be
	// generous.
	var d policyDoc
	if err := json.Unmarshal([]byte(`{"Statement":[
		{"Effect":"Deny","Action":"kms:Decrypt","NotResource":"arn:aws:kms:eu-west-1:1:key/state"},
		{"Effect":"Deny","Action":"secretsmanager:Get*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`), &d); err != nil {
		t.Fatal(err)
	}
	docs := []policyDoc{d}
	for _, c := range []struct {
		denied         bool
		action, target string
	}{
		{true, "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/other"},
		{true, "KMS:decrypt", "arn:aws:kms:eu-west-1:1:key/other"},
		{false, "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/state"},
		{false, "kms:DecryptX", "arn:aws:kms:eu-west-1:1:key/other"},
		{false, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:1:secret:x"},
	} {
		if got := explicitlyDenied(docs, c.action, c.target); got != c.denied {
			t.Errorf("explicitlyDenied(%s, %s) = %v, want %v", c.action, c.target, got, c.denied)
		}
	}
	if !allowed(docs, "s3:GetObject", "arn:aws:s3:::b/k") || allowed(docs, "s3:GetObject", "arn:aws:s3:::c/k") || allowed(docs, "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/state") {
		t.Error("allowed() is wrong on the sample policy")
	}
}

// --- the guardrails of policies/terraform on the same plan

func guardrailDenials(t *testing.T, plan []byte) []string {
	t.Helper()
	var p any
	if err := json.Unmarshal(plan, &p); err != nil {
		t.Fatal(err)
	}
	input := map[string]any{
		"plan":        p,
		"repository":  "acme/platform",
		"environment": map[string]any{"name": "prod", "database": map[string]any{"multiAZ": true, "deletionProtection": true, "backupRetentionDays": 35}},
		"backend":     map[string]any{"encrypt": true, "use_lockfile": true},
	}
	rs, err := rego.New(
		rego.Query("data.groundwork.terraform.deny"),
		rego.Load([]string{filepath.Join("..", "..", "policies", "terraform", "guardrails.rego")}, nil),
		rego.Input(input),
	).Eval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		t.Fatalf("guardrails gave no result: %v", rs)
	}
	var out []string
	for _, d := range rs[0].Expressions[0].Value.([]any) {
		out = append(out, fmt.Sprint(d))
	}
	return out
}

func withoutResource(t *testing.T, plan []byte, address string) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(plan, &p); err != nil {
		t.Fatal(err)
	}
	var kept []any
	found := false
	for _, r := range p["resource_changes"].([]any) {
		if r.(map[string]any)["address"] == address {
			found = true
			continue
		}
		kept = append(kept, r)
	}
	if !found {
		t.Fatalf("the plan has no %s", address)
	}
	p["resource_changes"] = kept
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func containsAll(msgs []string, fragments ...string) bool {
	for _, f := range fragments {
		found := false
		for _, m := range msgs {
			found = found || strings.Contains(m, f)
		}
		if !found {
			return false
		}
	}
	return true
}
