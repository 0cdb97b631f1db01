output "bucket_arns" {
  description = "Bucket ARN per bucket name."
  value       = { for name, b in aws_s3_bucket.this : name => b.arn }
}

output "bucket_ids" {
  description = "Bucket name per bucket name (the ID S3 resources take), for wiring that needs a dependency on the bucket."
  value       = { for name, b in aws_s3_bucket.this : name => b.id }
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the buckets; writers need kms:GenerateDataKey and readers kms:Decrypt on it."
  value       = aws_kms_key.this.arn
}

output "access_log_bucket_arn" {
  description = "ARN of the bucket holding the S3 server access logs of every bucket, each under the prefix \"<bucket>/\"."
  value       = aws_s3_bucket.access_logs.arn
}
