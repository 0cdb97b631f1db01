output "identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the RDS instance."
  value       = aws_db_instance.this.arn
}

output "endpoint" {
  description = "DNS name of the instance (host only, without the port)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port PostgreSQL listens on."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the database created in the instance."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret, managed by RDS, holding the master user credentials."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting storage, Performance Insights and the master user secret; readers of the master secret need kms:Decrypt on it."
  value       = aws_kms_key.this.arn
}
