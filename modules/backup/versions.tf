terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_backup_restore_testing_plan/_selection arrived in 5.71 (pulled from
      # the registry), so 5.72 is the first usable release.
      version = ">= 5.72, < 6.0"
    }
  }
}
