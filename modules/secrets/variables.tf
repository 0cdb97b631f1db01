variable "names" {
  description = "Full names of the secrets to declare, \"<env>/<service>/<name>\" (e.g. \"prod/orders/stripe-api-key\"). Only the containers are created; values are put in out of band and never pass through Terraform."
  type        = list(string)

  validation {
    condition     = alltrue([for n in var.names : can(regex("^[A-Za-z0-9_+=.@-]+/[A-Za-z0-9_+=.@-]+/[A-Za-z0-9_+=.@-]+$", n)) && length(n) <= 512])
    error_message = "Every name must be \"<env>/<service>/<name>\", each part made of letters, digits and _+=.@-, at most 512 characters in all."
  }

  validation {
    condition     = length(distinct(var.names)) == length(var.names)
    error_message = "names must not repeat a secret."
  }
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored. 0 deletes at once (test environments only); otherwise 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_alias" {
  description = "Optional alias (without the \"alias/\" prefix) for the KMS key that encrypts the secrets, e.g. \"acme-prod-secrets\". Null creates no alias."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_alias == null ? true : can(regex("^[A-Za-z0-9/_-]{1,250}$", var.kms_key_alias)) && !startswith(var.kms_key_alias, "aws/")
    error_message = "kms_key_alias must be 1-250 characters of letters, digits, '/', '_' and '-', without the alias/ prefix, and must not start with aws/."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the secrets KMS key is deleted after it leaves the configuration."
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
