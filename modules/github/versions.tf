terraform {
  required_version = ">= 1.6"

  required_providers {
    github = {
      source = "integrations/github"
      # tag_pattern on github_repository_environment_deployment_policy arrived
      # in 6.4.0; earlier 6.x releases only know branch_pattern.
      version = "~> 6.4"
    }
  }
}
