output "environments" {
  description = "Names of the GitHub environments created."
  value       = sort([for e in github_repository_environment.this : e.environment])
}

output "protected_branches" {
  description = "Branch names (or patterns) under branch protection."
  value       = sort([for p in github_branch_protection.this : p.pattern])
}
