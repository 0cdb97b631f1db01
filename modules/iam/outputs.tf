output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider (created here or looked up)."
  value       = local.github_oidc_provider_arn
}

output "plan_role_arns" {
  description = "Plan role ARN per environment (for pull-request workflows)."
  value       = { for env, r in aws_iam_role.plan : env => r.arn }
}

output "apply_role_arns" {
  description = "Apply role ARN per environment (for jobs running in that GitHub environment)."
  value       = { for env, r in aws_iam_role.apply : env => r.arn }
}

output "service_role_arns" {
  description = "IRSA role ARN per service, for the eks.amazonaws.com/role-arn annotation of its ServiceAccount."
  value       = { for svc, r in aws_iam_role.service : svc => r.arn }
}

output "database_jobs_role_arns" {
  description = "IRSA role ARN of each service's database jobs (grant, backup, restore drill), for the eks.amazonaws.com/role-arn annotation of their ServiceAccount."
  value       = { for svc, r in aws_iam_role.database_jobs : svc => r.arn }
}

output "cloudwatch_exporter_role_arn" {
  description = "IRSA role ARN of the CloudWatch exporter, for the eks.amazonaws.com/role-arn annotation of its ServiceAccount; null without cloudwatch_exporter."
  value       = try(aws_iam_role.cloudwatch_exporter[0].arn, null)
}
