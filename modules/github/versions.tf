terraform {
  required_version = ">= 1.6"

  required_providers {
    github = {
      source = "integrations/github"
      # tag_pattern on github_repository_environment_deployment_policy arrived
      # in 6.4.0, and DeployKey as a ruleset bypass actor in 6.7.0.
      version = "~> 6.7"
    }
  }
}
