# Test-only stand-in for modules/backup: moto implements vaults and plans
# but not selections, restore testing or the AWS-managed Backup policies.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "name" { type = string }
variable "schedule" { type = string }
variable "retention_days" { type = number }
variable "selection_tag_value" { type = string }
variable "vault_lock" { type = bool }

resource "aws_backup_vault" "this" {
  name = var.name
}

resource "aws_backup_plan" "this" {
  name = var.name

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = var.schedule

    lifecycle {
      delete_after = var.retention_days
    }
  }
}

output "vault_arn" { value = aws_backup_vault.this.arn }
output "plan_id" { value = aws_backup_plan.this.id }
