variable "identifier" {
  description = "RDS instance identifier, e.g. \"acme-prod-orders\". Also names the security group, parameter group, KMS alias and final snapshot."
  type        = string

  validation {
    # RDS's own rule for instance identifiers.
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.identifier)) && !strcontains(var.identifier, "--")
    error_message = "identifier must be 2-63 lower-case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "engine_version" {
  description = "PostgreSQL version. Prefer a major version only (e.g. \"16\"): RDS picks the current minor and auto_minor_version_upgrade keeps it current without Terraform drift."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[1-9](\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL major version (\"16\") or major.minor (\"16.4\"), 11 or later."
  }
}

variable "instance_class" {
  description = "RDS instance class, e.g. \"db.t4g.medium\" or \"db.m7g.large\"."
  type        = string

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must look like \"db.m7g.large\"."
  }
}

variable "allocated_storage" {
  description = "Initial gp3 storage, in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536 && var.allocated_storage == floor(var.allocated_storage)
    error_message = "allocated_storage must be a whole number of GiB between 20 and 65536."
  }
}

variable "max_allocated_storage" {
  description = "Upper limit, in GiB, for storage autoscaling; 0 disables autoscaling. Must exceed allocated_storage when set."
  type        = number
  default     = 0

  validation {
    condition     = var.max_allocated_storage == 0 || (var.max_allocated_storage >= 21 && var.max_allocated_storage <= 65536)
    error_message = "max_allocated_storage must be 0 or between 21 and 65536."
  }
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold at most 63 letters, digits and underscores."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager; it never appears in Terraform."
  type        = string
  default     = "dbadmin"

  validation {
    # rdsadmin is RDS's own role; PostgreSQL reserves the pg_ prefix for role names.
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.master_username)) && lower(var.master_username) != "rdsadmin" && !startswith(lower(var.master_username), "pg_")
    error_message = "master_username must start with a letter, hold at most 63 letters, digits and underscores, and must not be rdsadmin or start with pg_."
  }
}

variable "iam_username" {
  description = "Login role the service signs in as with RDS IAM authentication (it needs GRANT rds_iam, which the service's grant job gives it). Written to the connection secret, and the last part of iam_connect_arn."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.iam_username)) && lower(var.iam_username) != "rdsadmin" && !startswith(lower(var.iam_username), "pg_")
    error_message = "iam_username must start with a letter, hold at most 63 letters, digits and underscores, and must not be rdsadmin or start with pg_ (PostgreSQL reserves it)."
  }
}

variable "connection_secret_name" {
  description = "Name of the Secrets Manager secret this module writes the connection to, e.g. \"prod/api/database\": JSON with host, port, dbname, username, sslmode and master_secret_arn, and no password."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.connection_secret_name)) && !startswith(var.connection_secret_name, "rds!")
    error_message = "connection_secret_name must be 1-512 characters of letters, digits and /_+=.@-, and must not start with rds! (RDS's own secrets)."
  }
}

variable "connection_secret_recovery_window_days" {
  description = "Days a deleted connection secret can still be restored. 0 deletes at once (test environments only); otherwise 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.connection_secret_recovery_window_days == 0 || (var.connection_secret_recovery_window_days >= 7 && var.connection_secret_recovery_window_days <= 30 && var.connection_secret_recovery_window_days == floor(var.connection_secret_recovery_window_days))
    error_message = "connection_secret_recovery_window_days must be 0 or a whole number between 7 and 30."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the database security group belongs to."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "db_subnet_group_name" {
  description = "Name of the DB subnet group to place the instance in (network module output database_subnet_group_name)."
  type        = string

  validation {
    condition     = length(var.db_subnet_group_name) > 0
    error_message = "db_subnet_group_name must not be empty."
  }
}

variable "allowed_security_group_id" {
  description = "The only security group allowed to connect on 5432, normally the EKS cluster security group (cluster module output cluster_security_group_id)."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.allowed_security_group_id))
    error_message = "allowed_security_group_id must be a security group ID (sg-...)."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
}

variable "deletion_protection" {
  description = "Refuse to delete the instance until this is turned off. On unless a caller turns it off (an environment that is torn down with its data)."
  type        = bool
  default     = true
}

variable "backup_retention_period" {
  description = "Days of automated backups (point-in-time recovery). At least 1: 0 would disable backups."
  type        = number

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && var.backup_retention_period == floor(var.backup_retention_period)
    error_message = "backup_retention_period must be a whole number of days between 1 and 35."
  }
}

variable "backup_window" {
  description = "Daily UTC window for automated backups, \"hh24:mi-hh24:mi\"; null lets RDS choose."
  type        = string
  default     = null

  validation {
    condition     = var.backup_window == null ? true : can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must look like \"02:00-03:00\"."
  }
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window, \"ddd:hh24:mi-ddd:hh24:mi\"; null lets RDS choose."
  type        = string
  default     = null

  validation {
    condition     = var.maintenance_window == null ? true : can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like \"sun:04:00-sun:05:00\"."
  }
}

variable "performance_insights_enabled" {
  description = "Collect Performance Insights (query-level load), encrypted with the database key. Leave on unless the instance class does not support it."
  type        = bool
  default     = true
}

variable "performance_insights_retention_days" {
  description = "Days to keep Performance Insights data: 7 (free tier) or a multiple of 31 up to 731."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_days == 7 || (var.performance_insights_retention_days % 31 == 0 && var.performance_insights_retention_days >= 31 && var.performance_insights_retention_days <= 731)
    error_message = "performance_insights_retention_days must be 7, or a multiple of 31 between 31 and 731."
  }
}

variable "apply_immediately" {
  description = "Apply modifications at once instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "backup_tag_key" {
  description = "Tag key that the AWS Backup selection (backup module) selects resources by."
  type        = string
  default     = "backup"

  validation {
    condition     = length(var.backup_tag_key) > 0 && length(var.backup_tag_key) <= 128
    error_message = "backup_tag_key must be 1-128 characters."
  }
}

variable "backup_tag_value" {
  description = "Value of backup_tag_key that puts the instance into the AWS Backup plan; anything else keeps it out."
  type        = string
  default     = "true"
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the database KMS key is deleted after it leaves the configuration."
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

variable "log_retention_days" {
  description = "Days to keep the PostgreSQL and upgrade logs the instance exports to CloudWatch Logs. They name clients, users and statements: personal data under most policies. Must be a value CloudWatch Logs accepts."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (0, keep forever, is deliberately not offered)."
  }
}
