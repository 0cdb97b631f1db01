output "identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the RDS instance."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "The instance's resource ID (db-...), which IAM authentication names in rds-db:connect resources."
  value       = aws_db_instance.this.resource_id
}

output "iam_connect_arn" {
  description = "The rds-db:connect resource of exactly iam_username on exactly this instance: arn:<partition>:rds-db:<region>:<account>:dbuser:<resource_id>/<iam_username>. Grant it to the service's role and its database jobs' role."
  value       = "arn:${data.aws_partition.current.partition}:rds-db:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:dbuser:${aws_db_instance.this.resource_id}/${var.iam_username}"
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

output "connection_secret_name" {
  description = "Name of the connection secret (connection_secret_name), for the ExternalSecret that copies it into the cluster."
  value       = aws_secretsmanager_secret.connection.name
}

output "connection_secret_arn" {
  description = "ARN of the connection secret; External Secrets and the database jobs read it."
  value       = aws_secretsmanager_secret.connection.arn
}

output "connection_secret_arn_pattern" {
  description = "The connection secret's ARN with its random suffix as \"??????\": known when the plan is made (the ARN is not until the secret exists), for the plan roles' exemption (iam module plan_readable_secret_arns)."
  value       = "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:secret:${var.connection_secret_name}-??????"
}

output "connection_secret_kms_key_arn" {
  description = "ARN of the key encrypting the connection secret: Secrets Manager's AWS managed key, known when the plan is made. Its key policy lets the account's principals decrypt through Secrets Manager."
  value       = data.aws_kms_key.secretsmanager.arn
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting storage, Performance Insights and the master user secret; readers of the master secret need kms:Decrypt on it."
  value       = aws_kms_key.this.arn
}
