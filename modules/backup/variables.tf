variable "name" {
  description = "Name of the backup vault and plan, e.g. \"acme-prod\". Also the prefix of the IAM role and KMS alias; the restore-testing plan uses it with '-' turned into '_'."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$", var.name))
    error_message = "name must be 1-41 letters, digits, '_' and '-', starting with a letter or digit."
  }
}

variable "schedule" {
  description = "When the backup job starts, as an AWS cron expression in UTC, e.g. \"cron(0 3 * * ? *)\" for 03:00 daily."
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    condition     = can(regex("^cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)$", var.schedule))
    error_message = "schedule must be an AWS cron expression with six fields, e.g. \"cron(0 3 * * ? *)\"."
  }
}

variable "retention_days" {
  description = "Days each recovery point is kept (the rule's delete_after)."
  type        = number

  validation {
    condition     = var.retention_days >= 1 && var.retention_days == floor(var.retention_days)
    error_message = "retention_days must be a whole number >= 1."
  }
}

variable "start_window_minutes" {
  description = "Minutes after the scheduled time within which a job must start before it is counted as missed."
  type        = number
  default     = 60

  validation {
    condition     = var.start_window_minutes >= 60
    error_message = "start_window_minutes must be at least 60 (AWS Backup's minimum)."
  }
}

variable "completion_window_minutes" {
  description = "Minutes within which a started job must complete before AWS Backup cancels it."
  type        = number
  default     = 480

  validation {
    condition     = var.completion_window_minutes >= 120
    error_message = "completion_window_minutes must be at least 120."
  }
}

variable "selection_tag_key" {
  description = "Tag key that selects resources into the plan (the database module sets it)."
  type        = string
  default     = "backup"

  validation {
    condition     = length(var.selection_tag_key) > 0 && length(var.selection_tag_key) <= 128
    error_message = "selection_tag_key must be 1-128 characters."
  }
}

variable "selection_tag_value" {
  description = "Value of selection_tag_key that selects a resource."
  type        = string
  default     = "true"
}

variable "vault_lock" {
  description = "Lock the vault so that recovery points cannot be deleted or have their retention shortened, not even by the account root. Irreversible once the grace period (vault_lock_changeable_for_days) has passed."
  type        = bool
  default     = false
}

variable "vault_lock_min_retention_days" {
  description = "Vault lock: shortest retention a recovery point in the vault may have. Must not exceed retention_days or the plan's jobs fail."
  type        = number
  default     = 7

  validation {
    condition     = var.vault_lock_min_retention_days >= 1 && var.vault_lock_min_retention_days == floor(var.vault_lock_min_retention_days)
    error_message = "vault_lock_min_retention_days must be a whole number >= 1."
  }
}

variable "vault_lock_max_retention_days" {
  description = "Vault lock: longest retention a recovery point in the vault may have."
  type        = number
  default     = 365

  validation {
    condition     = var.vault_lock_max_retention_days >= 1 && var.vault_lock_max_retention_days <= 36500 && var.vault_lock_max_retention_days == floor(var.vault_lock_max_retention_days)
    error_message = "vault_lock_max_retention_days must be a whole number between 1 and 36500."
  }
}

variable "vault_lock_changeable_for_days" {
  description = "Vault lock grace period in days (compliance mode): until it ends the lock can still be removed; afterwards it is permanent. Null selects governance mode (removable by privileged IAM principals at any time)."
  type        = number
  default     = 3

  validation {
    condition     = var.vault_lock_changeable_for_days == null ? true : var.vault_lock_changeable_for_days >= 3 && var.vault_lock_changeable_for_days == floor(var.vault_lock_changeable_for_days)
    error_message = "vault_lock_changeable_for_days must be null (governance mode) or a whole number >= 3."
  }
}

variable "restore_testing_enabled" {
  description = "Regularly restore the latest RDS recovery point selected by the tag, let AWS Backup validate it, and delete it again."
  type        = bool
  default     = true
}

variable "restore_testing_schedule" {
  description = "When restore tests start, as an AWS cron expression in UTC."
  type        = string
  default     = "cron(0 5 ? * SUN *)"

  validation {
    condition     = can(regex("^cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)$", var.restore_testing_schedule))
    error_message = "restore_testing_schedule must be an AWS cron expression with six fields."
  }
}

variable "restore_testing_selection_window_days" {
  description = "Restore tests pick a recovery point created within this many days."
  type        = number
  default     = 7

  validation {
    condition     = var.restore_testing_selection_window_days >= 1 && var.restore_testing_selection_window_days <= 365
    error_message = "restore_testing_selection_window_days must be between 1 and 365."
  }
}

variable "restore_testing_validation_window_hours" {
  description = "Hours a restored test instance is kept for validation before AWS Backup deletes it."
  type        = number
  default     = 4

  validation {
    condition     = var.restore_testing_validation_window_hours >= 1 && var.restore_testing_validation_window_hours <= 168
    error_message = "restore_testing_validation_window_hours must be between 1 and 168."
  }
}

variable "restore_metadata_overrides" {
  description = "Restore metadata for the RDS restore test that AWS Backup should not infer, e.g. { dbsubnetgroupname = \"...\", vpcsecuritygroupids = \"[\\\"sg-...\\\"]\" } to keep test instances in the database subnets and closed security group."
  type        = map(string)
  default     = {}
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the vault KMS key is deleted after it leaves the configuration."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports them."
  type        = map(string)
  default     = {}
}
