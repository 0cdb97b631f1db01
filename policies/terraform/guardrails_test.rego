# Each guardrail rejects a bad example, and a good plan passes them all.
package groundwork.terraform_test

import rego.v1

import data.groundwork.terraform

env := {"name": "prod", "database": {"multiAZ": true, "deletionProtection": true, "backupRetentionDays": 35}}

backend := {"encrypt": true, "use_lockfile": true}

db(after) := {
	"address": "module.database_api.aws_db_instance.this",
	"module_address": "module.database_api",
	"type": "aws_db_instance", "mode": "managed",
	"change": {"actions": ["create"], "after": object.union(good_db, after)},
}

good_db := {
	"storage_encrypted": true, "publicly_accessible": false, "deletion_protection": true,
	"multi_az": true, "backup_retention_period": 35, "skip_final_snapshot": false,
	"manage_master_user_password": true, "iam_database_authentication_enabled": true,
}

part(type, after) := {
	"address": sprintf("module.storage.%s.this[\"b\"]", [type]),
	"module_address": "module.storage", "index": "b",
	"type": type, "mode": "managed",
	"change": {"actions": ["create"], "after": after},
}

bucket := part("aws_s3_bucket", {"bucket": "b"})

pab := part("aws_s3_bucket_public_access_block", {
	"block_public_acls": true, "block_public_policy": true,
	"ignore_public_acls": true, "restrict_public_buckets": true,
})

ownership := part("aws_s3_bucket_ownership_controls", {"rule": [{"object_ownership": "BucketOwnerEnforced"}]})

sse := part("aws_s3_bucket_server_side_encryption_configuration", {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]})

bucket_policy := part("aws_s3_bucket_policy", {})

doc(name, statements) := {
	"address": sprintf("module.x.data.aws_iam_policy_document.%s", [name]),
	"type": "aws_iam_policy_document", "mode": "data",
	"change": {"actions": ["read"], "after": {"statement": statements}},
}

tls_doc := doc("tls_only", [{"effect": "Deny", "actions": ["s3:*"], "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}])

trust(test, sub) := doc("apply_assume", [{"actions": ["sts:AssumeRoleWithWebIdentity"], "condition": [{"test": test, "variable": "token.actions.githubusercontent.com:sub", "values": [sub]}]}])

iam(type, name, after) := {
	"address": sprintf("module.iam.%s.%s[\"prod\"]", [type, name]),
	"module_address": "module.iam", "index": "prod",
	"type": type, "name": name, "mode": "managed",
	"change": {"actions": ["create"], "after": after},
}

plan_role := iam("aws_iam_role", "plan", {"name": "acme-prod-github-plan"})

state_key := "arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-0000-4000-8000-000000000000"

# What modules/iam renders with a state key: the key is the one exemption.
plan_denies := iam("aws_iam_role_policy", "plan_deny_secrets", {"policy": json.marshal({"Version": "2012-10-17", "Statement": [
	{"Sid": "NoSecretValues", "Effect": "Deny", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], "Resource": "*"},
	{"Sid": "NoDecryptionButState", "Effect": "Deny", "Action": ["kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "NotResource": state_key},
]})})

role_policy(statements) := iam("aws_iam_role_policy", "plan_deny_secrets", {"policy": json.marshal({"Version": "2012-10-17", "Statement": statements})})

# What modules/database writes to its connection secret: no password.
connection := {
	"host": "acme-prod-api.abc.eu-west-1.rds.amazonaws.com", "port": "5432", "dbname": "api",
	"username": "api", "sslmode": "require",
	"master_secret_arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123-AbCdEf",
}

version(address, after) := {
	"address": address,
	"module_address": "module.database_api",
	"type": "aws_secretsmanager_secret_version", "mode": "managed",
	"change": {"actions": ["create"], "after": after},
}

connection_version := version(
	"module.database_api.aws_secretsmanager_secret_version.connection",
	{"secret_string": json.marshal(connection), "secret_binary": null},
)

connect_doc := doc("service", [{"actions": ["rds-db:connect"], "resources": ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFGHIJKL01234/api"]}])

# What modules/iam renders for the CloudWatch exporter: the one read IAM
# cannot scope, in one region.
in_region(regions) := [{"test": "StringEquals", "variable": "aws:RequestedRegion", "values": regions}]

cloudwatch_doc := doc("cloudwatch_exporter", [{"effect": "Allow", "actions": ["cloudwatch:GetMetricStatistics"], "resources": ["*"], "condition": in_region(["eu-west-1"])}])

good_resources := [
	db({}), bucket, pab, ownership, sse, bucket_policy, tls_doc,
	trust("StringEquals", "repo:acme/platform:environment:prod"),
	plan_role, plan_denies, connection_version, connect_doc, cloudwatch_doc,
]

plan(resources) := {"environment": env, "backend": backend, "repository": "acme/platform", "plan": {"resource_changes": resources}}

# replace swaps the good resource of one type for a bad one.
replace(type, bad) := array.concat([r | some r in good_resources; r.type != type], [bad])

denied(input_doc, fragment) if {
	some msg in terraform.deny with input as input_doc
	contains(msg, fragment)
}

test_good_plan_passes if {
	count(terraform.deny) == 0 with input as plan(good_resources)
}

test_unencrypted_database if denied(plan(replace("aws_db_instance", db({"storage_encrypted": false}))), "not encrypted")

test_public_database if denied(plan(replace("aws_db_instance", db({"publicly_accessible": true}))), "publicly accessible")

test_database_without_deletion_protection if denied(plan(replace("aws_db_instance", db({"deletion_protection": false}))), "deletion protection")

test_database_not_multi_az if denied(plan(replace("aws_db_instance", db({"multi_az": false}))), "multi-AZ")

test_database_short_retention if denied(plan(replace("aws_db_instance", db({"backup_retention_period": 7}))), "keeps backups 7 days")

test_database_skips_final_snapshot if denied(plan(replace("aws_db_instance", db({"skip_final_snapshot": true}))), "final snapshot")

test_bucket_without_public_access_block if denied(plan(replace("aws_s3_bucket_public_access_block", part("aws_iam_role", {}))), "no public access block")

test_bucket_public_acls_allowed if denied(
	plan(replace("aws_s3_bucket_public_access_block", part("aws_s3_bucket_public_access_block", object.union(pab.change.after, {"ignore_public_acls": false})))),
	"ignore_public_acls is not true",
)

test_bucket_not_owner_enforced if denied(
	plan(replace("aws_s3_bucket_ownership_controls", part("aws_s3_bucket_ownership_controls", {"rule": [{"object_ownership": "ObjectWriter"}]}))),
	"BucketOwnerEnforced",
)

test_bucket_not_kms if denied(
	plan(replace("aws_s3_bucket_server_side_encryption_configuration", part("aws_s3_bucket_server_side_encryption_configuration", {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]}))),
	"KMS",
)

# The access log bucket: every part of a bucket, but SSE-S3; one of each,
# without for_each.
log_part(type, after) := {
	"address": sprintf("module.storage.%s.access_logs", [type]),
	"module_address": "module.storage",
	"type": type, "name": "access_logs", "mode": "managed",
	"change": {"actions": ["create"], "after": after},
}

log_bucket_parts(algorithm) := [
	log_part("aws_s3_bucket", {"bucket": "logs"}),
	log_part("aws_s3_bucket_public_access_block", pab.change.after),
	log_part("aws_s3_bucket_ownership_controls", ownership.change.after),
	log_part("aws_s3_bucket_server_side_encryption_configuration", {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": algorithm}]}]}),
	log_part("aws_s3_bucket_policy", {}),
]

test_good_access_log_bucket_passes if {
	count(terraform.deny) == 0 with input as plan(array.concat(good_resources, log_bucket_parts("AES256")))
}

test_access_log_bucket_not_encrypted if denied(
	plan(array.concat(good_resources, [r | some r in log_bucket_parts("AES256"); r.type != "aws_s3_bucket_server_side_encryption_configuration"])),
	"access_logs: not encrypted with KMS",
)

test_other_bucket_sse_s3 if denied(
	plan(array.concat(good_resources, [object.union(r, {"name": "uploads"}) | some r in log_bucket_parts("AES256")])),
	"not encrypted with KMS",
)

# A part of the access log bucket is not a part of another bucket.
test_access_log_bucket_parts_are_its_own if denied(
	plan(array.concat(good_resources, [r | some r in log_bucket_parts("AES256"); r.type != "aws_s3_bucket_public_access_block"])),
	"access_logs: has no public access block",
)

test_bucket_without_policy if denied(plan(replace("aws_s3_bucket_policy", part("aws_iam_role", {}))), "no bucket policy")

test_no_tls_only_policy if denied(
	plan([r | some r in good_resources; r != tls_doc]),
	"aws:SecureTransport",
)

test_github_trust_with_wildcard if denied(
	plan(replace("aws_iam_policy_document", trust("StringLike", "repo:acme/platform:*"))),
	"StringLike",
)

test_github_trust_of_another_environment if denied(
	plan(array.concat([r | some r in good_resources; r.type != "aws_iam_policy_document"], [tls_doc, trust("StringEquals", "repo:acme/platform:environment:staging")])),
	"is not this repository's prod environments",
)

test_wildcard_secret_access if denied(
	plan(array.concat(good_resources, [doc("service", [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["*"]}])])),
	"on every resource",
)

test_database_password_through_terraform if denied(plan(replace("aws_db_instance", db({"manage_master_user_password": false}))), "manage_master_user_password")

test_plan_role_without_denies if denied(
	plan(replace("aws_iam_role_policy", role_policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))),
	"no inline policy denies secretsmanager:GetSecretValue",
)

test_plan_role_denies_only_named_secrets if denied(
	plan(replace("aws_iam_role_policy", role_policy([
		{"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/stripe-api-key-AbCdEf"},
		{"Effect": "Deny", "Action": ["secretsmanager:BatchGetSecretValue", "kms:*"], "Resource": "*"},
	]))),
	"no inline policy denies secretsmanager:GetSecretValue on every resource",
)

test_plan_role_exempts_every_key if denied(
	plan(replace("aws_iam_role_policy", role_policy([
		{"Effect": "Deny", "Action": "secretsmanager:*SecretValue", "Resource": "*"},
		{"Effect": "Deny", "Action": "kms:Decrypt", "NotResource": "arn:aws:kms:*"},
	]))),
	"no inline policy denies kms:Decrypt",
)

test_plan_role_deny_with_condition if denied(
	plan(replace("aws_iam_role_policy", role_policy([
		{"Effect": "Deny", "Action": ["secretsmanager:*", "kms:*"], "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
	]))),
	"no inline policy denies",
)

# Wildcards in the denied actions count, and an unrelated policy beside the
# denies changes nothing.
test_plan_role_wildcard_denies_pass if {
	wide := role_policy([{"Effect": "Deny", "Action": ["secretsmanager:Get*", "secretsmanager:Batch*", "kms:*"], "Resource": ["*"]}])
	state := iam("aws_iam_role_policy", "plan_state", {"policy": json.marshal({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})})
	count(terraform.deny) == 0 with input as plan(array.concat(replace("aws_iam_role_policy", wide), [state]))
}

test_plan_trusted_without_plan_role if denied(
	plan(array.concat(
		[r | some r in good_resources; r.type != "aws_iam_role"],
		[trust("StringEquals", "repo:acme/platform:environment:prod-plan")],
	)),
	"no plan role",
)

test_secret_version_in_state if denied(
	plan(array.concat(good_resources, [part("aws_secretsmanager_secret_version", {"secret_string": "s3cr3t"})])),
	"keeps a secret value in the Terraform state",
)

test_random_password_in_state if denied(
	plan(array.concat(good_resources, [part("random_password", {"length": 32})])),
	"random_password.this[\"b\"]: keeps a secret value",
)

test_secret_read_in_prior_state if denied(
	object.union(plan(good_resources), {"plan": {"resource_changes": good_resources, "prior_state": {"values": {"root_module": {"resources": [{
		"address": "data.aws_secretsmanager_secret_version.stripe",
		"mode": "data", "type": "aws_secretsmanager_secret_version",
		"values": {"secret_string": "s3cr3t"},
	}]}}}}}),
	"data.aws_secretsmanager_secret_version.stripe: keeps a secret value",
)

test_unencrypted_state if denied(object.union(plan(good_resources), {"backend": {"encrypt": false, "use_lockfile": true}}), "encrypt state")

test_state_without_lock if denied(object.union(plan(good_resources), {"backend": {"encrypt": true, "use_lockfile": false}}), "no lock")

# After an apply, policy documents are in the prior state, not in the changes.
test_documents_read_from_prior_state if {
	prior := {"values": {"root_module": {"child_modules": [{"resources": [{
		"address": "module.storage.data.aws_iam_policy_document.tls_only",
		"mode": "data", "type": "aws_iam_policy_document",
		"values": {"statement": tls_doc.change.after.statement},
	}]}]}}}
	resources := [r | some r in good_resources; r != tls_doc]
	count(terraform.deny) == 0 with input as object.union(plan(resources), {"plan": {"resource_changes": resources, "prior_state": prior}})
}

# The plan that removes a secret value from the state is the fix, not a finding.
test_deleting_secret_version_passes if {
	gone := object.union(part("aws_secretsmanager_secret_version", {}), {"change": {"actions": ["delete"], "after": null}})
	resources := array.concat(good_resources, [gone])
	prior := {"values": {"root_module": {"child_modules": [{"resources": [{
		"address": gone.address, "mode": "managed", "type": "aws_secretsmanager_secret_version",
		"values": {"secret_string": "s3cr3t"},
	}]}]}}}
	count(terraform.deny) == 0 with input as object.union(plan(resources), {"plan": {"resource_changes": resources, "prior_state": prior}})
}

test_database_without_iam_authentication if denied(
	plan(replace("aws_db_instance", db({"iam_database_authentication_enabled": false}))),
	"IAM authentication is off",
)

# --- The database module's connection secret: the one version allowed ---------

# In a first plan the value is unknown (absent from "after"): allowed, the
# source is checked by tests/terraform.
test_good_connection_version_unknown_passes if {
	unknown := version(connection_version.address, {})
	count(terraform.deny) == 0 with input as plan(replace("aws_secretsmanager_secret_version", unknown))
}

test_good_connection_version_of_another_database_passes if {
	other := version("module.database_billing_v2.aws_secretsmanager_secret_version.connection", connection_version.change.after)
	count(terraform.deny) == 0 with input as plan(array.concat(good_resources, [other]))
}

test_secret_version_elsewhere_in_database_module if denied(
	plan(array.concat(good_resources, [version("module.database_api.aws_secretsmanager_secret_version.password", {"secret_string": "s3cr3t"})])),
	"module.database_api.aws_secretsmanager_secret_version.password: keeps a secret value",
)

test_connection_version_outside_database_module if denied(
	plan(array.concat(good_resources, [version("module.secrets.aws_secretsmanager_secret_version.connection", connection_version.change.after)])),
	"module.secrets.aws_secretsmanager_secret_version.connection: keeps a secret value",
)

test_connection_version_in_root if denied(
	plan(array.concat(good_resources, [version("aws_secretsmanager_secret_version.connection", connection_version.change.after)])),
	"aws_secretsmanager_secret_version.connection: keeps a secret value",
)

test_connection_version_read_as_data if denied(
	plan(array.concat(good_resources, [object.union(
		version("module.database_api.data.aws_secretsmanager_secret_version.connection", connection_version.change.after),
		{"mode": "data", "change": {"actions": ["read"]}},
	)])),
	"data.aws_secretsmanager_secret_version.connection: keeps a secret value",
)

test_connection_version_with_password if denied(
	plan(replace("aws_secretsmanager_secret_version", version(
		connection_version.address,
		{"secret_string": json.marshal(object.union(connection, {"password": "s3cr3t"}))},
	))),
	"holds password besides the connection",
)

test_connection_version_not_json if denied(
	plan(replace("aws_secretsmanager_secret_version", version(connection_version.address, {"secret_string": "postgres://api:s3cr3t@db/api"}))),
	"not a JSON object",
)

test_connection_version_with_binary if denied(
	plan(replace("aws_secretsmanager_secret_version", version(connection_version.address, {"secret_binary": "czNjcjN0"}))),
	"holds a secret_binary",
)

test_connection_version_in_prior_state_with_password if denied(
	object.union(plan(good_resources), {"plan": {
		"resource_changes": [r | some r in good_resources; r != connection_version],
		"prior_state": {"values": {"root_module": {"child_modules": [{"resources": [{
			"address": connection_version.address, "mode": "managed", "type": "aws_secretsmanager_secret_version",
			"values": {"secret_string": json.marshal(object.union(connection, {"master_password": "s3cr3t"}))},
		}]}]}}},
	}}),
	"holds master_password besides the connection",
)

# After apply the version is in the prior state and in the plan as a no-op.
test_good_connection_version_in_prior_state_passes if {
	prior := {"values": {"root_module": {"child_modules": [{"resources": [{
		"address": connection_version.address, "mode": "managed", "type": "aws_secretsmanager_secret_version",
		"values": connection_version.change.after,
	}]}]}}}
	count(terraform.deny) == 0 with input as object.union(plan(good_resources), {"plan": {"resource_changes": good_resources, "prior_state": prior}})
}

# --- rds-db:connect names one user on one instance -------------------------------

test_db_connect_on_every_resource if denied(
	plan(array.concat(good_resources, [doc("jobs", [{"actions": ["rds-db:connect"], "resources": ["*"]}])])),
	"rds-db:connect on every resource",
)

test_db_connect_as_any_user if denied(
	plan(array.concat(good_resources, [doc("jobs", [{"actions": ["rds-db:connect"], "resources": ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFGHIJKL01234/*"]}])])),
	"name one database user on one instance",
)

test_db_connect_wildcard_action_on_any_instance if denied(
	plan(array.concat(good_resources, [doc("jobs", [{"actions": ["rds-db:*"], "resources": ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:*/api"]}])])),
	"rds-db:* on arn:aws:rds-db:eu-west-1:111111111111:dbuser:*/api",
)

# --- The plan role's exemption: the environment's connection secrets -----------

connection_key := "arn:aws:kms:eu-west-1:111111111111:key/6666aaaa-6666-4666-8666-666666666666"

denies_but(secrets) := role_policy([
	{"Sid": "NoSecretValues", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "NotResource": secrets},
	{"Sid": "NoBatchSecretValues", "Effect": "Deny", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
	{"Sid": "NoDecryptionButState", "Effect": "Deny", "Action": ["kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "NotResource": [state_key, connection_key]},
])

test_good_plan_role_reads_connection_secrets if {
	denies := denies_but([
		"arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/database-??????",
		"arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/billing-v2/database-AbC123",
	])
	count(terraform.deny) == 0 with input as plan(replace("aws_iam_role_policy", denies))
}

test_plan_role_exempts_a_declared_secret if denied(
	plan(replace("aws_iam_role_policy", denies_but(["arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/stripe-api-key-AbCdEf"]))),
	"no inline policy denies secretsmanager:GetSecretValue on every resource",
)

test_plan_role_exempts_another_environments_connection if denied(
	plan(replace("aws_iam_role_policy", denies_but(["arn:aws:secretsmanager:eu-west-1:111111111111:secret:staging/api/database-??????"]))),
	"no inline policy denies secretsmanager:GetSecretValue on every resource",
)

test_plan_role_exempts_every_connection_by_wildcard if denied(
	plan(replace("aws_iam_role_policy", denies_but(["arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/*/database-??????"]))),
	"no inline policy denies secretsmanager:GetSecretValue on every resource",
)

test_plan_role_exempts_a_longer_name if denied(
	plan(replace("aws_iam_role_policy", denies_but(["arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api/database-extra-*"]))),
	"no inline policy denies secretsmanager:GetSecretValue on every resource",
)

# --- "*" only for reads IAM cannot scope, in named regions -----------------------

with_doc(statements) := plan(array.concat(good_resources, [doc("exporter", statements)]))

test_every_resource_for_a_scopable_action if denied(
	with_doc([{"actions": ["cloudwatch:GetMetricStatistics", "logs:GetLogEvents"], "resources": ["*"], "condition": in_region(["eu-west-1"])}]),
	"allows logs:GetLogEvents on every resource",
)

test_cloudwatch_read_in_every_region if denied(
	with_doc([{"actions": ["cloudwatch:GetMetricData"], "resources": ["*"]}]),
	"in every region",
)

test_cloudwatch_read_in_a_wildcard_region if denied(
	with_doc([{"actions": ["cloudwatch:ListMetrics"], "resources": ["*"], "condition": in_region(["eu-*"])}]),
	"in every region",
)

test_cloudwatch_read_with_another_condition if denied(
	with_doc([{"actions": ["cloudwatch:GetMetricStatistics"], "resources": ["*"], "condition": [{"test": "StringLike", "variable": "aws:RequestedRegion", "values": ["eu-west-1"]}]}]),
	"in every region",
)

test_cloudwatch_write_on_every_resource if denied(
	with_doc([{"actions": ["cloudwatch:PutMetricData"], "resources": ["*"], "condition": in_region(["eu-west-1"])}]),
	"allows cloudwatch:PutMetricData on every resource",
)

test_good_key_policy_on_every_resource_passes if {
	count(terraform.deny) == 0 with input as with_doc([{"actions": ["kms:*"], "resources": ["*"], "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111111111111:root"]}]}])
}

test_good_deny_on_every_resource_passes if {
	count(terraform.deny) == 0 with input as with_doc([{"effect": "Deny", "actions": ["s3:*"], "resources": ["*"]}])
}
