output "secret_arns" {
  description = "Secret ARN per secret name."
  value       = { for name, s in aws_secretsmanager_secret.this : name => s.arn }
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the secrets; readers need kms:Decrypt on it (via Secrets Manager)."
  value       = aws_kms_key.this.arn
}
