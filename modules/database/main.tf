data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# The AWS managed key of Secrets Manager, which encrypts the connection
# secret (see below). DescribeKey of this alias creates the key in an
# account that has none yet, so the lookup never fails, and its ARN is known
# when the plan is made.
data "aws_kms_key" "secretsmanager" {
  key_id = "alias/aws/secretsmanager"
}

locals {
  major_version = split(".", var.engine_version)[0]
  family        = "postgres${local.major_version}"

  backup_tags = { (var.backup_tag_key) = var.backup_tag_value }
  log_exports = ["postgresql", "upgrade"]
}

# A key per database keeps the blast radius of a key policy mistake, and the
# audit trail of decrypts, to one service. It encrypts the exported logs
# too: they hold client addresses, users and statements with their
# parameters, as the database does.
data "aws_iam_policy_document" "kms" {
  # The default key policy: IAM decides, so RDS and Secrets Manager use the
  # key through the grants and permissions of whoever calls them.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts with the key itself, so the key policy (not IAM)
  # must let the regional Logs service use it, and only for this database's
  # log groups.
  statement {
    sid       = "CloudWatchLogsUse"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [for g in local.log_exports : "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws/rds/instance/${var.identifier}/${g}"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "RDS ${var.identifier}: storage, Performance Insights, master user secret and exported logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/rds/${var.identifier}"
  target_key_id = aws_kms_key.this.key_id
}

# No inline rules and no egress rules: Terraform removes the default
# allow-all egress rule, and a database never initiates connections.
resource "aws_security_group" "this" {
  # A prefix, because create_before_destroy needs the old and new group to
  # coexist under different names.
  name_prefix = "${var.identifier}-db-"
  description = "PostgreSQL ${var.identifier}: 5432 from the cluster only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.identifier}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from the allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.allowed_security_group_id

  tags = var.tags
}

# name_prefix + create_before_destroy lets a major-version upgrade swap in a
# parameter group of the new family without first deleting the one in use.
resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-${local.family}-"
  family      = local.family
  description = "PostgreSQL ${local.major_version} parameters of ${var.identifier}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# The log groups RDS exports to, made before the instance: RDS would make
# them itself, kept forever. PostgreSQL's log names clients, users and
# statements, so it is held to the platform's log retention.
resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name                       = var.db_name
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn

  # Services sign in as their own login role with a 15-minute token made per
  # connection (rds-db:connect on exactly that role), so no password of
  # theirs exists anywhere. The master password stays with RDS.
  iam_database_authentication_enabled = true

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  db_subnet_group_name   = var.db_subnet_group_name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  port                   = 5432
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = var.apply_immediately

  performance_insights_enabled          = var.performance_insights_enabled
  performance_insights_kms_key_id       = var.performance_insights_enabled ? aws_kms_key.this.arn : null
  performance_insights_retention_period = var.performance_insights_enabled ? var.performance_insights_retention_days : null

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = merge(var.tags, local.backup_tags)

  depends_on = [aws_cloudwatch_log_group.exports]

  lifecycle {
    precondition {
      condition     = var.max_allocated_storage == 0 || var.max_allocated_storage > var.allocated_storage
      error_message = "max_allocated_storage must be 0 (no autoscaling) or greater than allocated_storage."
    }
  }
}

# --- The connection, for the service and its database jobs -----------------

# A predictable name (the RDS-managed master secret is "rds!db-<id>", known
# only after apply), so that an ExternalSecret can name it when the manifests
# are generated.
#
# Encrypted with aws/secretsmanager, not a customer-managed key: Terraform
# reads the version back (GetSecretValue) on every refresh, and pull-request
# plans refresh with a plan role that may decrypt with no customer-managed
# key but the state's (modules/iam). That role may read exactly the
# connection secrets (connection_secret_arn_pattern) with exactly this key,
# whose ARN is known when the plan is made, as a new key's would not be. It
# learns nothing the state it reads does not hold already. External Secrets
# and the database jobs decrypt through Secrets Manager too, which the AWS
# managed key's policy lets every principal of the account do; none of them
# needs the database key for it, which guards the master password alone.
resource "aws_secretsmanager_secret" "connection" {
  name                    = var.connection_secret_name
  description             = "Connection to ${var.identifier} (no password: RDS IAM authentication). Managed by Terraform."
  recovery_window_in_days = var.connection_secret_recovery_window_days

  tags = var.tags
}

# The one secret version Terraform writes (policies/terraform allows exactly
# this address): it is kept in the state, which plan roles read, and that is
# harmless because it holds where the database is and who signs in, never a
# password. Add no key to it that is a credential. Every value is a string,
# as the Kubernetes Secret that External Secrets fills from it will hold.
resource "aws_secretsmanager_secret_version" "connection" {
  secret_id = aws_secretsmanager_secret.connection.id
  secret_string = jsonencode({
    host              = aws_db_instance.this.address
    port              = tostring(aws_db_instance.this.port)
    dbname            = aws_db_instance.this.db_name
    username          = var.iam_username
    sslmode           = "require"
    master_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
  })

  lifecycle {
    precondition {
      condition     = lower(var.iam_username) != lower(var.master_username)
      error_message = "iam_username must not be the master user: services sign in as a login role of their own."
    }
  }
}
