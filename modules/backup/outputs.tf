output "vault_arn" {
  description = "ARN of the backup vault."
  value       = aws_backup_vault.this.arn
}

output "vault_name" {
  description = "Name of the backup vault."
  value       = aws_backup_vault.this.name
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}

output "role_arn" {
  description = "ARN of the IAM role AWS Backup uses for backups, restores and restore tests."
  value       = aws_iam_role.this.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the vault."
  value       = aws_kms_key.this.arn
}
