data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  # Restore-testing names allow only letters, digits and underscores.
  restore_testing_name = replace(var.name, "-", "_")
}

resource "aws_kms_key" "this" {
  description             = "AWS Backup vault ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/backup/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_backup_vault" "this" {
  name        = var.name
  kms_key_arn = aws_kms_key.this.arn

  # A destroy must never take recovery points with it.
  force_destroy = false

  tags = var.tags
}

# Without changeable_for_days the lock is in governance mode; with it, it is
# in compliance mode and becomes immutable once that many days have passed.
resource "aws_backup_vault_lock_configuration" "this" {
  count = var.vault_lock ? 1 : 0

  backup_vault_name   = aws_backup_vault.this.name
  min_retention_days  = var.vault_lock_min_retention_days
  max_retention_days  = var.vault_lock_max_retention_days
  changeable_for_days = var.vault_lock_changeable_for_days

  lifecycle {
    precondition {
      condition     = var.vault_lock_min_retention_days <= var.retention_days && var.retention_days <= var.vault_lock_max_retention_days
      error_message = "With vault_lock, retention_days must lie between vault_lock_min_retention_days and vault_lock_max_retention_days, or every backup job is rejected."
    }
  }
}

resource "aws_backup_plan" "this" {
  name = var.name

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = var.schedule
    start_window      = var.start_window_minutes
    completion_window = var.completion_window_minutes

    lifecycle {
      delete_after = var.retention_days
    }

    recovery_point_tags = var.tags
  }

  tags = var.tags
}

# --- Service role ----------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-backup"
  description        = "AWS Backup ${var.name}: backups, restores and restore tests"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

# The restores policy is needed too: restore tests run under this same role.
resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset([
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
  ])

  role       = aws_iam_role.this.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/${each.value}"
}

# Selecting by tag lets each module opt its resources in (the database module
# tags its instance) without this module knowing their ARNs.
resource "aws_backup_selection" "this" {
  name         = "${var.name}-tagged"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.this.arn

  selection_tag {
    type  = "STRINGEQUALS"
    key   = var.selection_tag_key
    value = var.selection_tag_value
  }

  depends_on = [aws_iam_role_policy_attachment.this]
}

# --- Restore testing ---------------------------------------------------------
# A backup that was never restored is a hope, not a backup.

resource "aws_backup_restore_testing_plan" "this" {
  count = var.restore_testing_enabled ? 1 : 0

  name                = local.restore_testing_name
  schedule_expression = var.restore_testing_schedule

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [aws_backup_vault.this.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = var.restore_testing_selection_window_days
  }

  tags = var.tags
}

resource "aws_backup_restore_testing_selection" "rds" {
  count = var.restore_testing_enabled ? 1 : 0

  name                      = "${local.restore_testing_name}_rds"
  restore_testing_plan_name = aws_backup_restore_testing_plan.this[0].name
  protected_resource_type   = "RDS"
  iam_role_arn              = aws_iam_role.this.arn
  validation_window_hours   = var.restore_testing_validation_window_hours

  protected_resource_conditions {
    string_equals {
      key   = "aws:ResourceTag/${var.selection_tag_key}"
      value = var.selection_tag_value
    }
  }

  restore_metadata_overrides = length(var.restore_metadata_overrides) > 0 ? var.restore_metadata_overrides : null

  depends_on = [aws_iam_role_policy_attachment.this]
}
