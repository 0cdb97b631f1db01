variable "buckets" {
  description = "Buckets keyed by full (globally unique) bucket name. versioning: keep object versions (Enabled) or not (Suspended). expire_days: delete current objects this many days after creation; 0 keeps them forever. noncurrent_expire_days: on a versioned bucket, remove a replaced, deleted or expired version this many days after it stopped being current (default noncurrent_version_expire_days); keep it short where expire_days is a retention promise, since an expired object lives on as a noncurrent version until then."
  type = map(object({
    versioning             = bool
    expire_days            = number
    noncurrent_expire_days = optional(number)
  }))

  validation {
    condition = alltrue([for name in keys(var.buckets) :
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", name)) &&
      !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|^sthree-|-s3alias$|--ol-s3$", name))
    ])
    error_message = "Bucket names must be 3-63 characters of lower-case letters, digits, '.' and '-', start and end with a letter or digit, and follow the other S3 naming rules (no '..', not an IP address, no xn--/sthree- prefix, no -s3alias/--ol-s3 suffix)."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.expire_days >= 0 && b.expire_days == floor(b.expire_days)])
    error_message = "expire_days must be a whole number >= 0."
  }

  validation {
    condition = alltrue([for b in values(var.buckets) :
      b.noncurrent_expire_days == null ? true : b.noncurrent_expire_days >= 1 && b.noncurrent_expire_days == floor(b.noncurrent_expire_days)
    ])
    error_message = "noncurrent_expire_days must be null or a whole number >= 1."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.noncurrent_expire_days == null || b.versioning])
    error_message = "noncurrent_expire_days only applies to a versioned bucket; set versioning = true or leave it out."
  }
}

variable "access_log_bucket" {
  description = "Full (globally unique) name of the bucket that receives the S3 server access logs of every bucket in buckets, each under the prefix \"<bucket>/\". Created by this module: SSE-S3 (S3 log delivery supports no other default encryption), not versioned, not logged itself."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|^sthree-|-s3alias$|--ol-s3$", var.access_log_bucket))
    error_message = "access_log_bucket must follow the S3 naming rules, as bucket names do."
  }
}

variable "access_log_expire_days" {
  description = "Days an access log object is kept before it expires. The logs name requesters and their addresses: keep them no longer than the platform keeps other logs."
  type        = number
  default     = 90

  validation {
    condition     = var.access_log_expire_days >= 1 && var.access_log_expire_days == floor(var.access_log_expire_days)
    error_message = "access_log_expire_days must be a whole number >= 1."
  }
}

variable "noncurrent_version_expire_days" {
  description = "For versioned buckets without their own noncurrent_expire_days: days a replaced, deleted or expired object version is kept before it is removed. Bounds how long an overwrite or delete can be undone, and what old versions cost."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expire_days >= 1 && var.noncurrent_version_expire_days == floor(var.noncurrent_version_expire_days)
    error_message = "noncurrent_version_expire_days must be a whole number >= 1."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which unfinished multipart uploads are aborted; their parts are billed but invisible."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && var.abort_incomplete_multipart_days == floor(var.abort_incomplete_multipart_days)
    error_message = "abort_incomplete_multipart_days must be a whole number >= 1."
  }
}

variable "kms_key_alias" {
  description = "Optional alias (without the \"alias/\" prefix) for the KMS key that encrypts the buckets, e.g. \"acme-prod-storage\". Null creates no alias."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_alias == null ? true : can(regex("^[A-Za-z0-9/_-]{1,250}$", var.kms_key_alias)) && !startswith(var.kms_key_alias, "aws/")
    error_message = "kms_key_alias must be 1-250 characters of letters, digits, '/', '_' and '-', without the alias/ prefix, and must not start with aws/."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the bucket KMS key is deleted after it leaves the configuration."
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
