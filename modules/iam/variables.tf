variable "repository" {
  description = "GitHub repository, as \"<owner>/<repo>\", whose workflows may assume the plan and apply roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.repository))
    error_message = "repository must be \"<owner>/<repo>\" with a valid GitHub owner and repository name."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider. An AWS account holds at most one provider per URL, so only one environment sharing an account may set this; the others look it up."
  type        = bool
  default     = true
}

variable "github_oidc_thumbprint_list" {
  description = "Thumbprints for the GitHub OIDC provider. Leave empty: IAM validates token.actions.githubusercontent.com against its trusted CA library and ignores thumbprints for it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.github_oidc_thumbprint_list : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "Each thumbprint must be 40 hexadecimal characters."
  }
}

variable "environments" {
  description = "Deployment environments keyed by GitHub environment name (e.g. \"prod\"). plan_role_name is assumed only by jobs running in the GitHub environment plan_environment (default \"<name>-plan\"; read only); apply_role_name only by jobs running in the GitHub environment <name>."
  type = map(object({
    plan_role_name   = string
    apply_role_name  = string
    plan_environment = optional(string)
  }))

  validation {
    condition     = alltrue([for env in keys(var.environments) : can(regex("^[A-Za-z0-9._-]{1,255}$", env))])
    error_message = "Environment names may only contain letters, digits, '.', '_' and '-'."
  }

  validation {
    condition = alltrue(flatten([for e in values(var.environments) : [
      for n in [e.plan_role_name, e.apply_role_name] : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", n))
    ]]))
    error_message = "Role names must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "state_bucket_arn" {
  description = "ARN of the S3 bucket holding Terraform state; plan roles may read it (and write only the *.tflock lock objects)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_arn))
    error_message = "state_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
}

variable "state_kms_key_arn" {
  description = "ARN of the KMS key encrypting the state objects, if they use SSE-KMS (a customer-managed key, or aws/s3); plan roles get decrypt (and data-key generation for lock objects) on it, and on no other key. Null when the state uses SSE-S3 (what the S3 backend writes with encrypt = true and no kms_key_id)."
  type        = string
  default     = null

  validation {
    condition     = var.state_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "plan_readable_secret_arns" {
  description = "Secrets the plan roles may read: only secrets that hold no credential and whose value Terraform keeps in the state anyway, which a refresh reads back with GetSecretValue (the database module's connection_secret_arn_pattern). Each a full ARN, or one whose last six characters (the random suffix Secrets Manager adds) are \"??????\", so that it is known before the secret exists. Every other secret stays denied."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.plan_readable_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-([A-Za-z0-9]{6}|[?]{6})$", a))])
    error_message = "plan_readable_secret_arns must be Secrets Manager secret ARNs, with no wildcard but a \"??????\" suffix."
  }
}

variable "plan_readable_kms_key_arns" {
  description = "Keys encrypting plan_readable_secret_arns (the database module's connection_secret_kms_key_arn: aws/secretsmanager). The plan roles may decrypt with them through Secrets Manager only; with the deny on every other secret, that yields plan_readable_secret_arns and nothing else. Never a key that encrypts anything but those secrets and other AWS managed-key secrets."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.plan_readable_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", k))])
    error_message = "plan_readable_kms_key_arns must be KMS key ARNs."
  }
}

variable "apply_role_policy_arns" {
  description = "Managed policies attached to every apply role. Apply creates IAM roles, KMS keys and networks, so it needs broad rights; narrow them with apply_role_permissions_boundary_arn."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/AdministratorAccess"]

  validation {
    condition     = alltrue([for p in var.apply_role_policy_arns : can(regex("^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/.+$", p))])
    error_message = "apply_role_policy_arns must hold IAM policy ARNs."
  }
}

variable "apply_role_permissions_boundary_arn" {
  description = "Optional permissions boundary for the apply roles."
  type        = string
  default     = null

  validation {
    condition     = var.apply_role_permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/.+$", var.apply_role_permissions_boundary_arn))
    error_message = "apply_role_permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "max_session_duration" {
  description = "Maximum session length, in seconds, of the plan and apply roles."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "eks_oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (cluster module output oidc_provider_arn). Required when services is not empty."
  type        = string
  default     = null

  validation {
    condition     = var.eks_oidc_provider_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.eks_oidc_provider_arn))
    error_message = "eks_oidc_provider_arn must be an IAM OIDC provider ARN."
  }
}

variable "eks_oidc_issuer" {
  description = "OIDC issuer of the cluster without https:// (cluster module output oidc_issuer). Required when services is not empty."
  type        = string
  default     = null

  validation {
    condition     = var.eks_oidc_issuer == null ? true : !startswith(var.eks_oidc_issuer, "https://") && length(var.eks_oidc_issuer) > 0
    error_message = "eks_oidc_issuer must be given without the https:// scheme."
  }
}

variable "services" {
  description = "IRSA roles keyed by service name. Each role is trusted only by system:serviceaccount:<namespace>:<service_account> and may read exactly the listed secrets, read/write objects in exactly the listed buckets, and sign in to a database as exactly the dbusers of db_connect_arns (database module output iam_connect_arn). role_name defaults to the key."
  type = map(object({
    namespace       = string
    service_account = string
    secret_arns     = list(string)
    bucket_arns     = list(string)
    db_connect_arns = optional(list(string), [])
    role_name       = optional(string)
  }))
  default = {}

  validation {
    condition = alltrue([for k, s in var.services :
      can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", s.namespace)) &&
      can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", s.service_account))
    ])
    error_message = "namespace and service_account must be valid Kubernetes names (lower-case DNS labels)."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for a in s.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$", a))
    ]]))
    error_message = "secret_arns must be full Secrets Manager secret ARNs, without wildcards."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for a in s.bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", a))
    ]]))
    error_message = "bucket_arns must be S3 bucket ARNs (arn:aws:s3:::<bucket>), without wildcards or object paths."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for a in s.db_connect_arns : can(regex("^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:[A-Za-z0-9-]+/[A-Za-z][A-Za-z0-9_]{0,62}$", a))
    ]]))
    error_message = "db_connect_arns must be rds-db:connect resources of one user on one instance (arn:aws:rds-db:<region>:<account>:dbuser:<resource id>/<user>), without wildcards."
  }

  validation {
    condition     = alltrue([for k, s in var.services : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(s.role_name, k)))])
    error_message = "Each service's role name (role_name, or the map key) must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "database_jobs" {
  description = "IRSA roles of the database jobs (grant, backup, restore drill), keyed by service name. Each is trusted only by system:serviceaccount:<namespace>:<service_account> and may: secretsmanager:GetSecretValue on exactly connection_secret_arn and master_secret_arn, kms:Decrypt on secret_kms_key_arns via Secrets Manager, rds-db:connect on exactly db_connect_arn, s3:ListBucket on backup_bucket_arn and s3:GetObject/PutObject on its objects (never delete: an explicit Deny), and use storage_kms_key_arn via S3."
  type = map(object({
    role_name             = string
    namespace             = string
    service_account       = string
    connection_secret_arn = string
    master_secret_arn     = string
    secret_kms_key_arns   = list(string)
    db_connect_arn        = string
    backup_bucket_arn     = string
  }))
  default = {}

  validation {
    condition = alltrue([for k, j in var.database_jobs :
      can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", j.namespace)) &&
      can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", j.service_account)) &&
      can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", j.role_name))
    ])
    error_message = "namespace and service_account must be valid Kubernetes names, and role_name 1-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition = alltrue([for j in values(var.database_jobs) :
      can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$", j.connection_secret_arn)) &&
      can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$", j.master_secret_arn))
    ])
    error_message = "connection_secret_arn and master_secret_arn must be full Secrets Manager secret ARNs, without wildcards."
  }

  validation {
    condition = alltrue(flatten([for j in values(var.database_jobs) : [
      for k in j.secret_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", k))
    ]])) && alltrue([for j in values(var.database_jobs) : length(j.secret_kms_key_arns) > 0])
    error_message = "secret_kms_key_arns must list the KMS key ARNs of the two secrets (at least one)."
  }

  validation {
    condition     = alltrue([for j in values(var.database_jobs) : can(regex("^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:[A-Za-z0-9-]+/[A-Za-z][A-Za-z0-9_]{0,62}$", j.db_connect_arn))])
    error_message = "db_connect_arn must be the rds-db:connect resource of one user on one instance (arn:aws:rds-db:<region>:<account>:dbuser:<resource id>/<user>), without wildcards."
  }

  validation {
    condition     = alltrue([for j in values(var.database_jobs) : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", j.backup_bucket_arn))])
    error_message = "backup_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>), without wildcards or object paths."
  }
}

variable "secrets_kms_key_arn" {
  description = "ARN of the KMS key encrypting the services' secrets (secrets module output kms_key_arn). Required when any service lists secret_arns."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "storage_kms_key_arn" {
  description = "ARN of the KMS key encrypting the services' buckets (storage module output kms_key_arn). Required when any service lists bucket_arns, or database_jobs is not empty, because writing to an SSE-KMS bucket needs kms:GenerateDataKey."
  type        = string
  default     = null

  validation {
    condition     = var.storage_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.storage_kms_key_arn))
    error_message = "storage_kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports them."
  type        = map(string)
  default     = {}
}

variable "cloudwatch_exporter" {
  description = "IRSA role of the CloudWatch exporter, or null for none. It is trusted only by system:serviceaccount:<namespace>:<service_account> and may call cloudwatch:GetMetricStatistics, which IAM cannot scope to a resource, in exactly the listed regions, and nothing else (see cloudwatch_exporter.tf)."
  type = object({
    role_name       = string
    namespace       = string
    service_account = string
    regions         = list(string)
  })
  default = null

  validation {
    condition = var.cloudwatch_exporter == null ? true : alltrue([
      can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.cloudwatch_exporter.namespace)),
      can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.cloudwatch_exporter.service_account)),
      can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.cloudwatch_exporter.role_name)),
    ])
    error_message = "cloudwatch_exporter: namespace and service_account must be valid Kubernetes names, and role_name 1-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition = var.cloudwatch_exporter == null ? true : (
      length(try(var.cloudwatch_exporter.regions, [])) > 0 &&
      alltrue([for r in try(var.cloudwatch_exporter.regions, []) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    )
    error_message = "cloudwatch_exporter.regions must list at least one AWS region (e.g. eu-west-1), without wildcards."
  }
}
