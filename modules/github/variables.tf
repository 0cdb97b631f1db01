variable "repository" {
  description = "Name of the GitHub repository (without the owner; the owner comes from the github provider configuration)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.repository))
    error_message = "repository must be a GitHub repository name: 1-100 letters, digits, '.', '_' and '-'."
  }
}

variable "environments" {
  description = "GitHub deployment environments keyed by name. reviewers_team_ids: numeric IDs of teams, any one of whose members may approve (up to 6; empty for no approval). wait_minutes: wait timer. trigger: \"merge\" (deploys from pushes to branch), \"tag\" (from tags matching tag_pattern), \"manual\" (from protected branches only) or \"any\" (every ref: the reviewer-less plan environments of pull requests). branch: the branch for \"merge\"; ignored otherwise."
  type = map(object({
    reviewers_team_ids = list(number)
    wait_minutes       = number
    trigger            = string
    branch             = string
  }))

  validation {
    condition     = alltrue([for e in values(var.environments) : contains(["merge", "tag", "manual", "any"], e.trigger)])
    error_message = "trigger must be \"merge\", \"tag\", \"manual\" or \"any\"."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.trigger != "merge" || length(trimspace(e.branch)) > 0])
    error_message = "An environment with trigger \"merge\" needs a branch."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.wait_minutes >= 0 && e.wait_minutes <= 43200 && e.wait_minutes == floor(e.wait_minutes)])
    error_message = "wait_minutes must be a whole number between 0 and 43200 (30 days)."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : length(e.reviewers_team_ids) <= 6 && alltrue([for id in e.reviewers_team_ids : id > 0 && id == floor(id)])])
    error_message = "reviewers_team_ids must hold at most 6 positive whole team IDs."
  }

  validation {
    condition     = alltrue([for name in keys(var.environments) : can(regex("^[A-Za-z0-9._-]{1,255}$", name))])
    error_message = "Environment names may only contain letters, digits, '.', '_' and '-'."
  }
}

variable "tag_pattern" {
  description = "Tag name pattern (fnmatch syntax) that may deploy to environments with trigger \"tag\"."
  type        = string
  default     = "v*"

  validation {
    condition     = length(var.tag_pattern) > 0
    error_message = "tag_pattern must not be empty."
  }
}

variable "default_branch" {
  description = "Default branch of the repository; always protected."
  type        = string
  default     = "main"

  validation {
    condition     = length(trimspace(var.default_branch)) > 0
    error_message = "default_branch must not be empty."
  }
}

variable "additional_protected_branches" {
  description = "Further branches (or patterns) protected like the default branch."
  type        = list(string)
  default     = ["develop"]

  validation {
    condition     = alltrue([for b in var.additional_protected_branches : length(trimspace(b)) > 0])
    error_message = "additional_protected_branches must not contain empty names."
  }
}

variable "required_status_checks" {
  description = "Status check names (job names as reported to GitHub) that must pass before a pull request can merge into a protected branch."
  type        = list(string)
  default     = []
}

variable "required_approving_review_count" {
  description = "Approving reviews a pull request needs before it can merge into a protected branch."
  type        = number
  default     = 1

  validation {
    condition     = var.required_approving_review_count >= 0 && var.required_approving_review_count <= 10 && var.required_approving_review_count == floor(var.required_approving_review_count)
    error_message = "required_approving_review_count must be a whole number between 0 and 10."
  }
}

variable "branch_approvals" {
  description = "Approving reviews a pull request into a branch needs, per branch, where more than required_approving_review_count: the delivery.approvals of the environments that branch reaches (GitHub's environment reviewers approve with one review, so a count is enforced on the pull requests)."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for n in values(var.branch_approvals) : n >= 0 && n <= 10 && n == floor(n)])
    error_message = "branch_approvals must hold whole numbers between 0 and 10."
  }
}

variable "release_deploy_key_bypass" {
  description = "Let the repository's deploy keys push to protected branches past the rulesets: the deploy and release jobs push their release-record commits with the write deploy key RELEASE_DEPLOY_KEY. Keep that key the repository's only deploy key with write access."
  type        = bool
  default     = true
}

variable "require_signed_commits" {
  description = "Require verified signatures on commits pushed to protected branches. Commits merged through pull requests on GitHub are signed by GitHub; release-record commits come through the deploy-key bypass."
  type        = bool
  default     = true
}

variable "require_code_owner_reviews" {
  description = "Require an approval from a code owner (CODEOWNERS) of the changed files."
  type        = bool
  default     = true
}

variable "enforce_admins" {
  description = "Apply the branch rulesets to repository administrators too (false makes the admin role a bypass actor)."
  type        = bool
  default     = true
}

variable "required_linear_history" {
  description = "Forbid merge commits on protected branches."
  type        = bool
  default     = false
}
