output "environments" {
  description = "Names of the GitHub environments created."
  value       = sort([for e in github_repository_environment.this : e.environment])
}

output "protected_branches" {
  description = "Branch names under a protecting ruleset."
  value       = sort(keys(github_repository_ruleset.branch))
}
