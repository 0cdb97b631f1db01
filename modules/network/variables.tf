variable "name" {
  description = "Name prefix for every resource of the network (e.g. \"acme-prod\"). Lower case, because the DB subnet group name derived from it must be."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,46}[a-z0-9]$", var.name))
    error_message = "name must be 2-48 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC, e.g. \"10.20.0.0/16\"."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 24
    error_message = "cidr must be an IPv4 CIDR block with a prefix length between /16 and /24 (the limits AWS allows for a VPC, narrowed so that three tiers of subnets fit)."
  }
}

variable "azs" {
  description = "Availability zone names to spread the subnets across, in order (e.g. [\"eu-central-1a\", \"eu-central-1b\", \"eu-central-1c\"]). The i-th entry of each subnet list lands in the i-th zone."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 1 && length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must name at least one availability zone, without duplicates."
  }

  validation {
    condition     = alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z0-9]+)+-[0-9][a-z]$", az))])
    error_message = "Every entry of azs must be an availability zone name such as \"eu-central-1a\"."
  }
}

variable "zones" {
  description = "Number of availability zones the spec asked for. Optional; when set it must equal length(azs), which catches a generator that computed the zone list and the subnet lists from different inputs."
  type        = number
  default     = null

  validation {
    condition     = var.zones == null ? true : (var.zones >= 1 && var.zones == floor(var.zones))
    error_message = "zones must be a positive whole number."
  }
}

variable "public_subnets" {
  description = "CIDR blocks of the public subnets, one per availability zone in the order of azs. They hold the NAT gateways and internet-facing load balancers only."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.public_subnets : can(cidrhost(c, 0))])
    error_message = "Every entry of public_subnets must be an IPv4 CIDR block."
  }
}

variable "private_subnets" {
  description = "CIDR blocks of the private (workload) subnets, one per availability zone in the order of azs."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.private_subnets : can(cidrhost(c, 0))])
    error_message = "Every entry of private_subnets must be an IPv4 CIDR block."
  }
}

variable "database_subnets" {
  description = "CIDR blocks of the database subnets, one per availability zone in the order of azs. They have no route to the internet."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.database_subnets : can(cidrhost(c, 0))])
    error_message = "Every entry of database_subnets must be an IPv4 CIDR block."
  }
}

variable "nat_gateways" {
  description = "NAT gateway layout: \"none\" (private subnets have no internet egress), \"single\" (one gateway, cheaper, one zone is a single point of failure) or \"perZone\" (one gateway per zone, survives the loss of a zone)."
  type        = string
  default     = "perZone"

  validation {
    condition     = contains(["none", "single", "perZone"], var.nat_gateways)
    error_message = "nat_gateways must be one of \"none\", \"single\" or \"perZone\"."
  }
}

variable "flow_logs_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch Logs. Must be a value CloudWatch Logs accepts."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "flow_logs_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (0, keep forever, is deliberately not offered)."
  }
}

variable "flow_logs_traffic_type" {
  description = "Which traffic the VPC flow logs record: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs_traffic_type)
    error_message = "flow_logs_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days, before the flow-log KMS key is deleted after it leaves the configuration."
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
