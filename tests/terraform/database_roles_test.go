package terraform_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/tftest"
)

// A service's database is reached through two roles of modules/iam: the
// service's own, which may only sign in as its user, and its database jobs'
// (grant, backup, restore drill), which may read the connection and master
// secrets, sign in as the same user, and read and write the backup bucket
// without ever deleting. These tests plan the module offline with one such
// database and evaluate requests against the policies it would attach.

const (
	oidcIssuer     = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
	secretsKey     = "arn:aws:kms:eu-west-1:111111111111:key/1111bbbb-1111-4111-8111-111111111111"
	databaseKey    = "arn:aws:kms:eu-west-1:111111111111:key/2222cccc-2222-4222-8222-222222222222"
	storageKey     = "arn:aws:kms:eu-west-1:111111111111:key/5555ffff-5555-4555-8555-555555555555"
	connectionARN  = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/database-AbCdEf"
	masterARN      = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123abcd-4567-89ef-0123-456789abcdef-XyZ123"
	otherSecretARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/stripe-api-key-AbCdEf"
	instance       = "arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY0"
	connectARN     = instance + "/api"
	backupBucket   = "arn:aws:s3:::acme-prod-api-backups"
)

var databaseIAM = fmt.Sprintf(`
  eks_oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/%[1]s"
  eks_oidc_issuer       = %[1]q
  secrets_kms_key_arn   = %[2]q
  storage_kms_key_arn   = %[3]q

  services = {
    api = {
      role_name       = "acme-prod-api"
      namespace       = "api"
      service_account = "api"
      secret_arns     = []
      bucket_arns     = []
      db_connect_arns = [%[4]q]
    }
  }

  database_jobs = {
    api = {
      role_name             = "acme-prod-api-db"
      namespace             = "api"
      service_account       = "api-database"
      connection_secret_arn = %[5]q
      master_secret_arn     = %[6]q
      secret_kms_key_arns   = [%[2]q, %[7]q]
      db_connect_arn        = %[4]q
      backup_bucket_arn     = %[8]q
    }
  }
`, oidcIssuer, secretsKey, storageKey, connectARN, connectionARN, masterARN, databaseKey, backupBucket)

func TestDatabaseRoles(t *testing.T) {
	tf := tftest.Binary(t)
	mirror := tftest.Mirror(t)
	plan := planIAM(t, tf, mirror, "", databaseIAM)

	jobs := rolePolicy(t, plan, "database_jobs", "api")
	service := rolePolicy(t, plan, "service", "api")

	type request struct{ action, resource string }
	for _, c := range []struct {
		role    string
		docs    []policyDoc
		allow   []request
		refused []request
	}{
		{
			role: "database jobs",
			docs: jobs,
			allow: []request{
				{"secretsmanager:GetSecretValue", connectionARN},
				{"secretsmanager:GetSecretValue", masterARN},
				{"kms:Decrypt", secretsKey},
				{"kms:Decrypt", databaseKey},
				{"rds-db:connect", connectARN},
				{"s3:ListBucket", backupBucket},
				{"s3:GetObject", backupBucket + "/20260101T030000Z.dump"},
				{"s3:PutObject", backupBucket + "/20260101T030000Z.json"},
				{"kms:GenerateDataKey", storageKey},
				{"kms:Decrypt", storageKey},
			},
			refused: []request{
				{"secretsmanager:GetSecretValue", otherSecretARN},
				{"secretsmanager:PutSecretValue", connectionARN},
				{"rds-db:connect", instance + "/dbadmin"},
				{"rds-db:connect", "arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ZZZZZZZZZZZZZZZZZZZZZZZZZ0/api"},
				{"s3:DeleteObject", backupBucket + "/20260101T030000Z.dump"},
				{"s3:DeleteObjectVersion", backupBucket + "/20260101T030000Z.dump"},
				{"s3:PutLifecycleConfiguration", backupBucket},
				{"s3:GetObject", "arn:aws:s3:::acme-prod-api-invoices/x"},
				{"kms:Decrypt", "arn:aws:kms:eu-west-1:111111111111:key/3333dddd-3333-4333-8333-333333333333"},
			},
		},
		{
			role:  "service",
			docs:  service,
			allow: []request{{"rds-db:connect", connectARN}},
			refused: []request{
				{"rds-db:connect", instance + "/dbadmin"},
				{"secretsmanager:GetSecretValue", connectionARN},
				{"secretsmanager:GetSecretValue", masterARN},
				{"kms:Decrypt", databaseKey},
				{"s3:GetObject", backupBucket + "/20260101T030000Z.dump"},
			},
		},
	} {
		for _, r := range c.allow {
			if !allowed(c.docs, r.action, r.resource) {
				t.Errorf("the %s role cannot %s on %s", c.role, r.action, r.resource)
			}
		}
		for _, r := range c.refused {
			if allowed(c.docs, r.action, r.resource) {
				t.Errorf("the %s role may %s on %s", c.role, r.action, r.resource)
			}
		}
	}

	// Exactly the actions the contract lists, no more; KMS only through
	// the service that holds the data.
	if got, want := allowedActions(jobs), []string{
		"kms:Decrypt", "kms:GenerateDataKey", "rds-db:connect", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "secretsmanager:GetSecretValue",
	}; !slices.Equal(got, want) {
		t.Errorf("the database jobs role is allowed %v, want exactly %v", got, want)
	}
	if got := allowedActions(service); !slices.Equal(got, []string{"rds-db:connect"}) {
		t.Errorf("the service role is allowed %v, want exactly rds-db:connect", got)
	}
	for _, d := range jobs {
		for _, st := range d.Statement {
			if st.Effect == "Allow" && anyGlob(st.Action, "kms:Decrypt", true) && !strings.Contains(string(st.Condition), "kms:ViaService") {
				t.Errorf("the database jobs role may use a key directly, not through a service: %+v", st)
			}
		}
	}

	// Each role is assumed by its own ServiceAccount only.
	for role, sa := range map[string]string{"acme-prod-api-db": "system:serviceaccount:api:api-database", "acme-prod-api": "system:serviceaccount:api:api"} {
		trust := roleTrust(t, plan, role)
		if !strings.Contains(trust, `"`+oidcIssuer+`:sub":"`+sa+`"`) {
			t.Errorf("role %s is not trusted by exactly %s: %s", role, sa, trust)
		}
	}

	// The guardrails pass the module's real plan with the new statements.
	if d := guardrailDenials(t, plan); len(d) != 0 {
		t.Errorf("guardrails deny the plan of modules/iam with a database:\n%s", strings.Join(d, "\n"))
	}
}

// rolePolicy is the inline policy that the plan attaches with
// aws_iam_role_policy.<name>[index] of modules/iam.
func rolePolicy(t *testing.T, plan []byte, name, index string) []policyDoc {
	t.Helper()
	for _, r := range resourceChanges(t, plan) {
		if r.Type != "aws_iam_role_policy" || r.Name != name || r.Index != index {
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
		return []policyDoc{d}
	}
	t.Fatalf("the plan has no aws_iam_role_policy.%s[%q]", name, index)
	return nil
}

// roleTrust is the trust policy of the role named name, compacted.
func roleTrust(t *testing.T, plan []byte, name string) string {
	t.Helper()
	for _, r := range resourceChanges(t, plan) {
		if r.Type == "aws_iam_role" && r.Change.After["name"] == name {
			text, ok := r.Change.After["assume_role_policy"].(string)
			if !ok {
				t.Fatalf("%s: the trust policy is not known at plan time", r.Address)
			}
			var v any
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	t.Fatalf("the plan has no role %s", name)
	return ""
}

func resourceChanges(t *testing.T, plan []byte) []resourceChange {
	t.Helper()
	var p struct {
		ResourceChanges []resourceChange `json:"resource_changes"`
	}
	if err := json.Unmarshal(plan, &p); err != nil {
		t.Fatal(err)
	}
	return p.ResourceChanges
}

// allowedActions lists the actions of the Allow statements, sorted.
func allowedActions(docs []policyDoc) []string {
	var out []string
	for _, d := range docs {
		for _, st := range d.Statement {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
