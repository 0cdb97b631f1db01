variable "name" {
  description = "Name of the EKS cluster. Also the prefix of its IAM roles, KMS alias, log group and node group."
  type        = string

  validation {
    # 56 leaves room for the "-cluster"/"-nodes" suffixes within IAM's 64-character role name limit.
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,55}$", var.name))
    error_message = "name must start with a letter, hold only letters, digits and hyphens, and be at most 56 characters long."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the managed node group, e.g. \"1.31\"."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like \"1.31\"."
  }
}

variable "subnet_ids" {
  description = "Private subnet IDs for the control-plane network interfaces and the nodes (the network module's private_subnet_ids). EKS needs subnets in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least two subnet IDs (subnet-...)."
  }
}

variable "endpoint_public_access" {
  description = "Whether the Kubernetes API endpoint is also reachable from the internet (restricted to public_access_cidrs). The private endpoint is always on."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDR blocks allowed to reach the public API endpoint when endpoint_public_access is true. Must be set then, because EKS would otherwise open it to 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be IPv4 CIDR blocks and must not contain 0.0.0.0/0."
  }
}

variable "authentication_mode" {
  description = "How the cluster maps IAM principals to Kubernetes identities: \"API\" (EKS access entries only) or \"API_AND_CONFIG_MAP\" (also the legacy aws-auth ConfigMap)."
  type        = string
  default     = "API"

  validation {
    condition     = contains(["API", "API_AND_CONFIG_MAP"], var.authentication_mode)
    error_message = "authentication_mode must be \"API\" or \"API_AND_CONFIG_MAP\"."
  }
}

variable "cluster_log_types" {
  description = "Control-plane log types sent to CloudWatch Logs."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "cluster_log_types may only contain api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "cluster_log_retention_days" {
  description = "Days to keep control-plane logs in CloudWatch Logs."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.cluster_log_retention_days)
    error_message = "cluster_log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... 3653)."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group, in order of preference."
  type        = list(string)
  default     = ["m6i.large"]

  validation {
    condition     = length(var.node_instance_types) >= 1 && alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must list at least one instance type such as \"m6i.large\"."
  }
}

variable "node_capacity_type" {
  description = "Capacity type of the managed node group: ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_ami_type" {
  description = "AMI type of the managed node group (e.g. AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64)."
  type        = string
  default     = "AL2023_x86_64_STANDARD"

  validation {
    condition     = can(regex("^(AL2023|AL2|BOTTLEROCKET|WINDOWS)_[A-Za-z0-9_]+$", var.node_ami_type))
    error_message = "node_ami_type must be an EKS AMI type such as AL2023_x86_64_STANDARD."
  }
}

variable "node_min_size" {
  description = "Minimum number of nodes."
  type        = number
  default     = 2

  validation {
    condition     = var.node_min_size >= 0 && var.node_min_size == floor(var.node_min_size)
    error_message = "node_min_size must be a whole number >= 0."
  }
}

variable "node_max_size" {
  description = "Maximum number of nodes."
  type        = number
  default     = 6

  validation {
    condition     = var.node_max_size >= 1 && var.node_max_size == floor(var.node_max_size)
    error_message = "node_max_size must be a whole number >= 1."
  }
}

variable "node_desired_size" {
  description = "Number of nodes at creation. Later changes are ignored so that a cluster autoscaler can own the figure."
  type        = number
  default     = 3

  validation {
    condition     = var.node_desired_size >= 0 && var.node_desired_size == floor(var.node_desired_size)
    error_message = "node_desired_size must be a whole number >= 0."
  }
}

variable "node_disk_size_gib" {
  description = "Size of each node's encrypted gp3 root volume, in GiB."
  type        = number
  default     = 50

  validation {
    condition     = var.node_disk_size_gib >= 20 && var.node_disk_size_gib <= 16384
    error_message = "node_disk_size_gib must be between 20 and 16384."
  }
}

variable "node_imds_hop_limit" {
  description = "IMDSv2 response hop limit on the nodes. 1 keeps pods (which sit one hop further) away from the node's instance role, so they must use IRSA; raise to 2 only for agents that need the node identity."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2], var.node_imds_hop_limit)
    error_message = "node_imds_hop_limit must be 1 or 2."
  }
}

variable "oidc_thumbprint_list" {
  description = "Thumbprints for the IRSA OIDC provider. Leave empty to let IAM obtain the thumbprint of the issuer's certificate chain itself when the provider is created."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.oidc_thumbprint_list : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "Each thumbprint must be 40 hexadecimal characters."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the cluster KMS key is deleted after it leaves the configuration."
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
