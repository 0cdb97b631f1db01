# Production guardrails for the generated Terraform, checked on the JSON of a
# plan (`terraform show -json`). Input:
#   plan        the plan JSON
#   environment {name, database: {multiAZ, deletionProtection, backupRetentionDays}}
#   repository  "<owner>/<repo>" that GitHub OIDC trust must be pinned to
#   backend     the root's S3 backend settings {encrypt, use_lockfile}
# Each rule adds one message to deny; a clean plan has none.
package groundwork.terraform

import rego.v1

creates(type) := [r |
	some r in input.plan.resource_changes
	r.type == type
	not "delete" in r.change.actions
	r.mode == "managed"
]

# Policy documents are data sources: read during the plan when their inputs
# are not known yet (a first plan), already in the prior state otherwise (a
# plan after apply). Both become {address, statements}.
documents := array.concat(
	[{"address": r.address, "statements": object.get(r.change.after, "statement", [])} |
		some r in input.plan.resource_changes
		r.type == "aws_iam_policy_document"
	],
	[{"address": v.address, "statements": object.get(v.values, "statement", [])} |
		walk(object.get(input.plan, "prior_state", {}), [_, v])
		is_object(v)
		v.type == "aws_iam_policy_document"
		v.mode == "data"
	],
)

# --- Databases ---------------------------------------------------------------

deny contains msg if {
	some r in creates("aws_db_instance")
	not r.change.after.storage_encrypted
	msg := sprintf("%s: storage is not encrypted", [r.address])
}

deny contains msg if {
	some r in creates("aws_db_instance")
	r.change.after.publicly_accessible
	msg := sprintf("%s: is publicly accessible", [r.address])
}

deny contains msg if {
	some r in creates("aws_db_instance")
	input.environment.database.deletionProtection
	not r.change.after.deletion_protection
	msg := sprintf("%s: deletion protection is off, but %s asks for it", [r.address, input.environment.name])
}

deny contains msg if {
	some r in creates("aws_db_instance")
	input.environment.database.multiAZ
	not r.change.after.multi_az
	msg := sprintf("%s: not multi-AZ, but %s asks for it", [r.address, input.environment.name])
}

deny contains msg if {
	some r in creates("aws_db_instance")
	r.change.after.backup_retention_period < input.environment.database.backupRetentionDays
	msg := sprintf("%s: keeps backups %d days, %s asks for %d", [
		r.address, r.change.after.backup_retention_period,
		input.environment.name, input.environment.database.backupRetentionDays,
	])
}

deny contains msg if {
	some r in creates("aws_db_instance")
	r.change.after.skip_final_snapshot
	msg := sprintf("%s: skips the final snapshot", [r.address])
}

# Services sign in with RDS IAM tokens (no password of theirs exists); an
# instance without IAM authentication refuses them.
deny contains msg if {
	some r in creates("aws_db_instance")
	not r.change.after.iam_database_authentication_enabled
	msg := sprintf("%s: IAM authentication is off; services sign in with IAM tokens", [r.address])
}

# --- Buckets -----------------------------------------------------------------

# bucket_part is the resource of another type that configures the same
# bucket: the storage module makes them with the bucket's resource name,
# with for_each over the same keys (its buckets) or with none (the bucket
# of their access logs).
bucket_part(bucket, type) := part if {
	some part in creates(type)
	part.module_address == bucket.module_address
	object.get(part, "name", null) == object.get(bucket, "name", null)
	object.get(part, "index", null) == object.get(bucket, "index", null)
}

deny contains msg if {
	some b in creates("aws_s3_bucket")
	not bucket_part(b, "aws_s3_bucket_public_access_block")
	msg := sprintf("%s: has no public access block", [b.address])
}

deny contains msg if {
	some b in creates("aws_s3_bucket")
	pab := bucket_part(b, "aws_s3_bucket_public_access_block")
	some setting in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	not pab.change.after[setting]
	msg := sprintf("%s: %s is not true", [pab.address, setting])
}

deny contains msg if {
	some b in creates("aws_s3_bucket")
	not owner_enforced(b)
	msg := sprintf("%s: object ownership is not BucketOwnerEnforced", [b.address])
}

owner_enforced(b) if {
	oc := bucket_part(b, "aws_s3_bucket_ownership_controls")
	oc.change.after.rule[0].object_ownership == "BucketOwnerEnforced"
}

deny contains msg if {
	some b in creates("aws_s3_bucket")
	not kms_encrypted(b)
	not sse_s3_access_log_bucket(b)
	msg := sprintf("%s: not encrypted with KMS by default", [b.address])
}

# sse_s3_access_log_bucket is the storage module's bucket of the other
# buckets' S3 server access logs, encrypted with SSE-S3: S3's log delivery
# writes to no bucket encrypted with SSE-KMS by default.
sse_s3_access_log_bucket(b) if {
	b.name == "access_logs"
	sse := bucket_part(b, "aws_s3_bucket_server_side_encryption_configuration")
	some rule in sse.change.after.rule
	some d in rule.apply_server_side_encryption_by_default
	d.sse_algorithm == "AES256"
}

kms_encrypted(b) if {
	sse := bucket_part(b, "aws_s3_bucket_server_side_encryption_configuration")
	some rule in sse.change.after.rule
	some d in rule.apply_server_side_encryption_by_default
	d.sse_algorithm == "aws:kms"
}

deny contains msg if {
	some b in creates("aws_s3_bucket")
	not bucket_part(b, "aws_s3_bucket_policy")
	msg := sprintf("%s: has no bucket policy (TLS only)", [b.address])
}

deny contains msg if {
	count(creates("aws_s3_bucket")) > 0
	not tls_only_document
	msg := "no bucket policy document denies requests without TLS (aws:SecureTransport = false)"
}

tls_only_document if {
	some d in documents
	some s in d.statements
	s.effect == "Deny"
	some c in s.condition
	c.variable == "aws:SecureTransport"
	c.values == ["false"]
}

# --- IAM ---------------------------------------------------------------------

github_sub := "token.actions.githubusercontent.com:sub"

# Every trust of GitHub's OIDC tokens names one exact subject of this
# repository and environment.
deny contains msg if {
	some d in documents
	some s in d.statements
	some c in s.condition
	c.variable == github_sub
	c.test != "StringEquals"
	msg := sprintf("%s: GitHub OIDC trust uses %s; pin the subject with StringEquals", [d.address, c.test])
}

deny contains msg if {
	some d in documents
	some s in d.statements
	some c in s.condition
	c.variable == github_sub
	some v in c.values
	not v in allowed_subjects
	msg := sprintf("%s: GitHub OIDC subject %q is not this repository's %s environments", [d.address, v, input.environment.name])
}

allowed_subjects := {
	sprintf("repo:%s:environment:%s", [input.repository, input.environment.name]),
	sprintf("repo:%s:environment:%s-plan", [input.repository, input.environment.name]),
}

# Service roles name the secrets, buckets and database users they use: no
# wildcard resource on an action that reads data.
data_actions := {"secretsmanager:GetSecretValue", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "rds-db:connect"}

deny contains msg if {
	some d in documents
	some s in d.statements
	object.get(s, "effect", null) != "Deny"
	some a in s.actions
	a in data_actions
	some res in s.resources
	res == "*"
	msg := sprintf("%s: %s on every resource; name the ARNs", [d.address, a])
}

# rds-db:connect names one user on one instance
# (dbuser:<resource id>/<user>): a wildcard anywhere in it would let a role
# sign in as another user (the master among them, once it has rds_iam) or
# to another database.
deny contains msg if {
	some d in documents
	some s in d.statements
	object.get(s, "effect", null) != "Deny"
	some a in s.actions
	glob.match(lower(a), [], "rds-db:connect") # the statement's action is the pattern
	some res in s.resources
	res != "*" # reported above
	not exact_db_user(res)
	msg := sprintf("%s: %s on %s; name one database user on one instance", [d.address, a, res])
}

exact_db_user(res) if regex.match(`^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:[A-Za-z0-9-]+/[A-Za-z0-9_]+$`, res)

# An identity policy may allow an action on every resource ("*") only when
# IAM cannot scope that action to one: CloudWatch's metric reads, which
# have no resource type (the CloudWatch exporter's role), and only in named
# regions (aws:RequestedRegion), so that the grant stays the environment's.
# Key, bucket and trust policies name principals: a "*" there is the
# resource they are attached to, and they are left to the rules above.
unscopable_reads := {"cloudwatch:GetMetricStatistics", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics"}

allows_everywhere(s) if {
	object.get(s, "effect", null) != "Deny"
	count(object.get(s, "principals", [])) == 0
	"*" in object.get(s, "resources", [])
}

deny contains msg if {
	some d in documents
	some s in d.statements
	allows_everywhere(s)
	some a in object.get(s, "actions", [])
	not a in unscopable_reads
	msg := sprintf("%s: allows %s on every resource; only reads IAM cannot scope to a resource (%s) may name \"*\"", [d.address, a, concat(", ", sort(unscopable_reads))])
}

deny contains msg if {
	some d in documents
	some s in d.statements
	allows_everywhere(s)
	not region_pinned(s)
	msg := sprintf("%s: allows %s on every resource in every region; pin aws:RequestedRegion to the environment's", [d.address, concat(", ", object.get(s, "actions", []))])
}

region_pinned(s) if {
	some c in object.get(s, "condition", [])
	c.variable == "aws:RequestedRegion"
	c.test == "StringEquals"
	count(c.values) > 0
	every v in c.values {
		not contains(v, "*")
		not contains(v, "?")
	}
}

# --- Secret values -------------------------------------------------------------

# Pull requests plan with the plan role, running the branch's Terraform: what
# that role can read, any branch author can. Its inline policies must deny
# every way of reading a secret's plaintext, on every resource. NotResource
# may exempt keys named exactly (the state key, the connection secrets' key)
# and, from the secret denies, the environment's database connection
# secrets: they hold no password, Terraform keeps their values in the state
# the role reads anyway, and refreshes them with GetSecretValue.
plan_role_denied_actions := {
	"secretsmanager:GetSecretValue",
	"secretsmanager:BatchGetSecretValue",
	"kms:Decrypt",
	"kms:ReEncryptFrom",
}

plan_subject := sprintf("repo:%s:environment:%s-plan", [input.repository, input.environment.name])

# The iam module's plan role. Its trust policy is often unknown in a first
# plan (it names the OIDC provider being created), so the role is known by
# its address; the rule below makes sure it is there when plans are trusted.
plan_roles := [r |
	some r in creates("aws_iam_role")
	r.name == "plan"
]

deny contains msg if {
	some d in documents
	some s in d.statements
	some c in s.condition
	c.variable == github_sub
	plan_subject in c.values
	count(plan_roles) == 0
	msg := sprintf("%s: trusts %s, but the plan has no plan role (aws_iam_role.plan) whose denies can be checked", [d.address, plan_subject])
}

deny contains msg if {
	some role in plan_roles
	some action in plan_role_denied_actions
	not plan_role_denies(role, action)
	msg := sprintf("%s: no inline policy denies %s on every resource; pull requests plan with this role", [role.address, action])
}

plan_role_denies(role, action) if {
	some p in creates("aws_iam_role_policy")
	object.get(p, "module_address", "") == object.get(role, "module_address", "")
	object.get(p, "index", null) == object.get(role, "index", null)
	is_string(p.change.after.policy)
	some s in as_array(json.unmarshal(p.change.after.policy).Statement)
	s.Effect == "Deny"
	not s.Condition
	some pattern in as_array(s.Action)
	glob.match(lower(pattern), [], lower(action))
	every_resource(s, action)
}

every_resource(s, _) if "*" in as_array(object.get(s, "Resource", []))

every_resource(s, action) if {
	count(as_array(object.get(s, "NotResource", []))) > 0
	every r in as_array(s.NotResource) {
		may_exempt(action, r)
	}
}

may_exempt(action, r) if {
	not startswith(action, "secretsmanager:")
	not contains(r, "*")
	not contains(r, "?")
}

# A connection secret of this environment: <env>/<service>/database, with
# Secrets Manager's six-character suffix, or "??????" for it (the ARN is
# not known before the secret exists, and the plan must be).
may_exempt(action, r) if {
	startswith(action, "secretsmanager:")
	regex.match(connection_secret_arn, r)
}

connection_secret_arn := sprintf(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:%s/[a-z0-9-]+/database-([A-Za-z0-9]{6}|\?{6})$`, [input.environment.name])

as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# Whatever Terraform manages or reads is written to the state, which every
# plan role reads. These types hold a secret value in their attributes.
secret_value_types := {
	"random_password",
	"aws_secretsmanager_secret_version",
	"aws_kms_secrets",
	"aws_iam_access_key",
	"aws_iam_user_login_profile",
	"tls_private_key",
}

deny contains msg if {
	some r in input.plan.resource_changes
	r.type in secret_value_types
	not "delete" in r.change.actions
	not connection_version(r)
	msg := sprintf("%s: keeps a secret value in the Terraform state, which plan roles read", [r.address])
}

deny contains msg if {
	some v in prior_resources
	v.type in secret_value_types
	not planned(v.address)
	not connection_version(v)
	msg := sprintf("%s: keeps a secret value in the Terraform state, which plan roles read", [v.address])
}

prior_resources contains v if {
	walk(object.get(input.plan, "prior_state", {}), [_, v])
	is_object(v)
	is_string(v.type)
	is_string(v.address)
}

# The one exemption: the connection secret of the database module, which
# Terraform must write (the RDS-managed master secret's name is known only
# after apply, so nothing else could point the service at its database). It
# is in the state, and that is harmless because it holds where the database
# is and who signs in, never a password: services sign in with RDS IAM
# tokens. Exactly that address, a managed resource, and only the connection's
# keys (checked below whenever the plan or the state knows the value).
connection_version(r) if {
	r.type == "aws_secretsmanager_secret_version"
	r.mode == "managed"
	regex.match(`^module\.database_[a-z0-9_]+\.aws_secretsmanager_secret_version\.connection$`, r.address)
}

connection_keys := {"host", "port", "dbname", "username", "sslmode", "master_secret_arn"}

deny contains msg if {
	some r in input.plan.resource_changes
	connection_version(r)
	not "delete" in r.change.actions
	some problem in connection_problems(object.get(r.change, "after", {}))
	msg := sprintf("%s: %s; only the connection may be kept in the state, which plan roles read", [r.address, problem])
}

deny contains msg if {
	some v in prior_resources
	connection_version(v)
	not planned(v.address)
	some problem in connection_problems(object.get(v, "values", {}))
	msg := sprintf("%s: %s; only the connection may be kept in the state, which plan roles read", [v.address, problem])
}

# An unknown value (a first plan) is absent from the plan's "after".
connection_problems(after) := {problem |
	s := object.get(after, "secret_string", null)
	is_string(s)
	some problem in string_problems(s)
} | {"holds a secret_binary" |
	b := object.get(after, "secret_binary", null)
	not b in {null, ""}
}

string_problems(s) := {"its secret_string is not a JSON object"} if {
	not json.is_valid(s)
} else := {"its secret_string is not a JSON object"} if {
	not is_object(json.unmarshal(s))
} else := {sprintf("its secret_string holds %s besides the connection", [concat(", ", sort(extra))]) |
	extra := {k | some k, _ in json.unmarshal(s); not k in connection_keys}
	count(extra) > 0
}

planned(address) if {
	some r in input.plan.resource_changes
	r.address == address
}

# RDS must generate and keep the master password itself (in Secrets Manager);
# a password given to Terraform lands in the state.
deny contains msg if {
	some r in creates("aws_db_instance")
	not r.change.after.manage_master_user_password
	msg := sprintf("%s: the master password passes through Terraform; set manage_master_user_password", [r.address])
}

# --- State -------------------------------------------------------------------

deny contains "the S3 backend does not encrypt state (encrypt = true)" if {
	not input.backend.encrypt
}

deny contains "the S3 backend takes no lock (use_lockfile = true)" if {
	not input.backend.use_lockfile
}
