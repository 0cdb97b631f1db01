data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  github_issuer = "token.actions.githubusercontent.com"

  github_oidc_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn

  services = { for k, s in var.services : k => merge(s, { role_name = coalesce(s.role_name, k) }) }

  # The keys a plan role may decrypt with: the state's, and the
  # plan-readable secrets'.
  plan_decrypt_keys = distinct(compact(concat([var.state_kms_key_arn], var.plan_readable_kms_key_arns)))
}

# --- GitHub Actions OIDC provider -----------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url             = "https://${local.github_issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = length(var.github_oidc_thumbprint_list) > 0 ? var.github_oidc_thumbprint_list : null

  tags = merge(var.tags, { Name = "github-actions" })
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_issuer}"
}

# --- Plan roles: pull requests, read only ----------------------------------

# Plan jobs run in a GitHub environment of their own (<env>-plan by default):
# every job that asks for a cloud token names its environment, and the role
# trusts exactly that one subject. The plan environment has no reviewers, so
# pull requests still plan without waiting.
data "aws_iam_policy_document" "plan_assume" {
  for_each = var.environments

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Exact match, not StringLike: only jobs of this repository running in
    # the environment's plan environment.
    condition {
      test     = "StringEquals"
      variable = "${local.github_issuer}:sub"
      values   = ["repo:${var.repository}:environment:${coalesce(each.value.plan_environment, "${each.key}-plan")}"]
    }
  }
}

data "aws_iam_policy_document" "plan_state" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
    resources = [var.state_bucket_arn]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.state_bucket_arn}/*"]
  }

  # The S3 backend with use_lockfile takes a lock by writing <key>.tflock even
  # for plan; allow writing those objects and nothing else.
  statement {
    sid       = "StateLockObjects"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.state_bucket_arn}/*.tflock"]
  }

  dynamic "statement" {
    for_each = var.state_kms_key_arn == null ? [] : [var.state_kms_key_arn]

    content {
      sid       = "StateKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

# A plan job runs the pull request's Terraform, and any provider or external
# program it names, with this role: whatever the role can do, every branch
# author can do. So it must never see a secret value. ReadOnlyAccess grants no
# secretsmanager:GetSecretValue today, but it is AWS's policy to change, and
# it does let KMS-backed services decrypt for the caller (an SSM SecureString
# under aws/ssm, an SSE-KMS object). An explicit Deny wins over every Allow,
# present or future, attached here or elsewhere.
#
# The one exemption: plan_readable_secret_arns, secrets that hold no
# credential and whose value Terraform keeps in the state anyway (the
# database module's connection secrets). Terraform reads them back with
# GetSecretValue on every refresh, so a plan that could not would fail; the
# role learns nothing its state does not hold already.
data "aws_iam_policy_document" "plan_deny_secrets" {
  statement {
    sid           = "NoSecretValues"
    effect        = "Deny"
    actions       = ["secretsmanager:GetSecretValue"]
    resources     = length(var.plan_readable_secret_arns) == 0 ? ["*"] : null
    not_resources = length(var.plan_readable_secret_arns) == 0 ? null : distinct(var.plan_readable_secret_arns)
  }

  statement {
    sid       = "NoBatchSecretValues"
    effect    = "Deny"
    actions   = ["secretsmanager:BatchGetSecretValue"]
    resources = ["*"]
  }

  # Every KMS operation that yields plaintext (or a grant to get it) is denied
  # on every key but the state key: the secrets key, each database's key
  # (which holds the RDS master user secret), the storage key, AWS managed
  # keys and keys made later or in other accounts alike. Naming the secret
  # keys instead would miss all but the first, and their ARNs are not known
  # before the first apply. A plan decrypts nothing but its state (and the
  # plan-readable secrets, whose key, aws/secretsmanager, only Secrets
  # Manager can use, for secrets the role may read); keep the state key for
  # state only.
  statement {
    sid    = "NoDecryptionButState"
    effect = "Deny"
    actions = [
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DeriveSharedSecret",
      "kms:CreateGrant",
    ]
    resources     = var.state_kms_key_arn == null ? ["*"] : null
    not_resources = var.state_kms_key_arn == null ? null : [var.state_kms_key_arn]
  }

  statement {
    sid           = "NoDecryptButStateAndPlanReadable"
    effect        = "Deny"
    actions       = ["kms:Decrypt"]
    resources     = length(local.plan_decrypt_keys) == 0 ? ["*"] : null
    not_resources = length(local.plan_decrypt_keys) == 0 ? null : local.plan_decrypt_keys
  }
}

data "aws_iam_policy_document" "plan_read_secrets" {
  count = length(var.plan_readable_secret_arns) > 0 ? 1 : 0

  statement {
    sid       = "ReadPlanReadableSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = distinct(var.plan_readable_secret_arns)
  }

  # An AWS managed key's policy already allows this; a customer-managed
  # key's defers to IAM.
  dynamic "statement" {
    for_each = length(var.plan_readable_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "DecryptPlanReadableSecrets"
      actions   = ["kms:Decrypt"]
      resources = distinct(var.plan_readable_kms_key_arns)

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "plan" {
  for_each = var.environments

  name                 = each.value.plan_role_name
  description          = "Terraform plan for ${each.key} from pull requests of ${var.repository} (read only)"
  assume_role_policy   = data.aws_iam_policy_document.plan_assume[each.key].json
  max_session_duration = var.max_session_duration

  tags = merge(var.tags, { Environment = each.key })
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  for_each = var.environments

  role       = aws_iam_role.plan[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  for_each = var.environments

  name   = "terraform-state-read"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan_state.json
}

resource "aws_iam_role_policy" "plan_deny_secrets" {
  for_each = var.environments

  name   = "deny-secret-values"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan_deny_secrets.json
}

resource "aws_iam_role_policy" "plan_read_secrets" {
  for_each = length(var.plan_readable_secret_arns) > 0 ? var.environments : {}

  name   = "read-plan-readable-secrets"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan_read_secrets[0].json

  lifecycle {
    precondition {
      condition     = length(var.plan_readable_kms_key_arns) > 0
      error_message = "plan_readable_secret_arns is not empty: set plan_readable_kms_key_arns to their key, or the plan role's deny keeps it from decrypting them."
    }
  }
}

# --- Apply roles: one GitHub environment each ------------------------------

data "aws_iam_policy_document" "apply_assume" {
  for_each = var.environments

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Only jobs that declared this GitHub environment get here, so the
    # environment's reviewers and branch policy gate every apply.
    condition {
      test     = "StringEquals"
      variable = "${local.github_issuer}:sub"
      values   = ["repo:${var.repository}:environment:${each.key}"]
    }
  }
}

resource "aws_iam_role" "apply" {
  for_each = var.environments

  name                 = each.value.apply_role_name
  description          = "Terraform apply for ${each.key} from the ${each.key} GitHub environment of ${var.repository}"
  assume_role_policy   = data.aws_iam_policy_document.apply_assume[each.key].json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.apply_role_permissions_boundary_arn

  tags = merge(var.tags, { Environment = each.key })
}

resource "aws_iam_role_policy_attachment" "apply" {
  for_each = {
    for pair in setproduct(keys(var.environments), var.apply_role_policy_arns) :
    "${pair[0]} ${pair[1]}" => { environment = pair[0], policy_arn = pair[1] }
  }

  role       = aws_iam_role.apply[each.value.environment].name
  policy_arn = each.value.policy_arn
}

# --- IRSA roles: one per service ------------------------------------------

data "aws_iam_policy_document" "service_assume" {
  for_each = local.services

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:sub"
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"]
    }
  }
}

data "aws_iam_policy_document" "service" {
  for_each = local.services

  dynamic "statement" {
    for_each = length(each.value.secret_arns) > 0 ? [1] : []

    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = each.value.secret_arns
    }
  }

  # Only through Secrets Manager: the role cannot use the key directly.
  # The null check only keeps a missing key from failing here; the
  # precondition on the role reports it.
  dynamic "statement" {
    for_each = length(each.value.secret_arns) > 0 && var.secrets_kms_key_arn != null ? [1] : []

    content {
      sid       = "DecryptOwnSecrets"
      actions   = ["kms:Decrypt"]
      resources = [var.secrets_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }

  # A token for exactly the service's own login role on exactly its own
  # instance (dbuser:<resource id>/<user>): the database module's
  # iam_connect_arn.
  dynamic "statement" {
    for_each = length(each.value.db_connect_arns) > 0 ? [1] : []

    content {
      sid       = "ConnectToOwnDatabase"
      actions   = ["rds-db:connect"]
      resources = each.value.db_connect_arns
    }
  }

  dynamic "statement" {
    for_each = length(each.value.bucket_arns) > 0 ? [1] : []

    content {
      sid       = "ListOwnBuckets"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = each.value.bucket_arns
    }
  }

  # "<bucket>/*" names the objects of exactly that bucket; S3 has no other
  # way to address them.
  dynamic "statement" {
    for_each = length(each.value.bucket_arns) > 0 ? [1] : []

    content {
      sid       = "ReadWriteOwnObjects"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
      resources = [for b in each.value.bucket_arns : "${b}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.bucket_arns) > 0 && var.storage_kms_key_arn != null ? [1] : []

    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.storage_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "service" {
  for_each = local.services

  name               = each.value.role_name
  description        = "IRSA role of ${each.key} (${each.value.namespace}/${each.value.service_account})"
  assume_role_policy = data.aws_iam_policy_document.service_assume[each.key].json

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    precondition {
      condition     = var.eks_oidc_provider_arn != null && var.eks_oidc_issuer != null
      error_message = "services is not empty: set eks_oidc_provider_arn and eks_oidc_issuer from the cluster module."
    }
    precondition {
      condition     = length(each.value.secret_arns) == 0 || var.secrets_kms_key_arn != null
      error_message = "Service ${each.key} lists secret_arns: set secrets_kms_key_arn from the secrets module."
    }
    precondition {
      condition     = length(each.value.bucket_arns) == 0 || var.storage_kms_key_arn != null
      error_message = "Service ${each.key} lists bucket_arns: set storage_kms_key_arn from the storage module."
    }
  }
}

resource "aws_iam_role_policy" "service" {
  for_each = { for k, s in local.services : k => s if length(s.secret_arns) + length(s.bucket_arns) + length(s.db_connect_arns) > 0 }

  name   = "service-access"
  role   = aws_iam_role.service[each.key].id
  policy = data.aws_iam_policy_document.service[each.key].json
}

# --- IRSA roles of the database jobs: one per database ---------------------

# The grant job, the backup CronJob and the restore drill of a service run
# as a ServiceAccount of their own, so that the service's role stays with
# what the service needs (connect), and the master secret and the backups
# are out of its reach.
data "aws_iam_policy_document" "database_jobs_assume" {
  for_each = var.database_jobs

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:sub"
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"]
    }
  }
}

data "aws_iam_policy_document" "database_jobs" {
  for_each = var.database_jobs

  # The connection (for the libpq settings) and the RDS-managed master
  # credentials (the grant job signs in as master to create the login role).
  statement {
    sid       = "ReadDatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [each.value.connection_secret_arn, each.value.master_secret_arn]
  }

  statement {
    sid       = "DecryptDatabaseSecrets"
    actions   = ["kms:Decrypt"]
    resources = distinct(each.value.secret_kms_key_arns)

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
    }
  }

  statement {
    sid       = "ConnectAsServiceUser"
    actions   = ["rds-db:connect"]
    resources = [each.value.db_connect_arn]
  }

  statement {
    sid       = "ListBackups"
    actions   = ["s3:ListBucket"]
    resources = [each.value.backup_bucket_arn]
  }

  # Read and write, never delete: the bucket's lifecycle expires backups,
  # so a compromised job cannot erase them (and versioning keeps what it
  # overwrites). Multipart uploads are authorised by s3:PutObject; one left
  # unfinished is aborted by the bucket's lifecycle.
  statement {
    sid       = "ReadWriteBackups"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${each.value.backup_bucket_arn}/*"]
  }

  # Stays true whatever else is attached to the role later.
  statement {
    sid       = "NeverDeleteBackups"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning"]
    resources = [each.value.backup_bucket_arn, "${each.value.backup_bucket_arn}/*"]
  }

  dynamic "statement" {
    for_each = var.storage_kms_key_arn != null ? [1] : []

    content {
      sid       = "UseBackupKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.storage_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "database_jobs" {
  for_each = var.database_jobs

  name               = each.value.role_name
  description        = "IRSA role of the database jobs of ${each.key} (${each.value.namespace}/${each.value.service_account}): grant, backup, restore drill"
  assume_role_policy = data.aws_iam_policy_document.database_jobs_assume[each.key].json

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    precondition {
      condition     = var.eks_oidc_provider_arn != null && var.eks_oidc_issuer != null
      error_message = "database_jobs is not empty: set eks_oidc_provider_arn and eks_oidc_issuer from the cluster module."
    }
    precondition {
      condition     = var.storage_kms_key_arn != null
      error_message = "database_jobs of ${each.key} write SSE-KMS backups: set storage_kms_key_arn from the storage module."
    }
  }
}

resource "aws_iam_role_policy" "database_jobs" {
  for_each = var.database_jobs

  name   = "database-jobs"
  role   = aws_iam_role.database_jobs[each.key].id
  policy = data.aws_iam_policy_document.database_jobs[each.key].json
}
