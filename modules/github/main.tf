locals {
  protected_branches = distinct(concat([var.default_branch], var.additional_protected_branches))

  # Only "merge" and "tag" environments name the refs that may deploy;
  # "manual" ones fall back to "any protected branch".
  deployment_policies = merge(
    { for name, e in var.environments : "${name}/branch" => { environment = name, branch = e.branch, tag = null } if e.trigger == "merge" },
    { for name, e in var.environments : "${name}/tag" => { environment = name, branch = null, tag = var.tag_pattern } if e.trigger == "tag" },
  )
}

resource "github_repository_environment" "this" {
  for_each = var.environments

  repository  = var.repository
  environment = each.key
  wait_timer  = each.value.wait_minutes

  # The approval gate would be pointless if the person who triggered the run,
  # or an admin, could wave it through.
  prevent_self_review = true
  can_admins_bypass   = false

  dynamic "reviewers" {
    for_each = length(each.value.reviewers_team_ids) > 0 ? [each.value.reviewers_team_ids] : []

    content {
      teams = reviewers.value
    }
  }

  # "any" environments (the plan environments of pull requests) accept every
  # ref: they gate nothing, they only name the OIDC subject a plan role trusts.
  dynamic "deployment_branch_policy" {
    for_each = each.value.trigger == "any" ? [] : [each.value.trigger]

    content {
      protected_branches     = deployment_branch_policy.value == "manual"
      custom_branch_policies = deployment_branch_policy.value != "manual"
    }
  }
}

resource "github_repository_environment_deployment_policy" "this" {
  for_each = local.deployment_policies

  repository     = var.repository
  environment    = github_repository_environment.this[each.value.environment].environment
  branch_pattern = each.value.branch
  tag_pattern    = each.value.tag
}

resource "github_branch_protection" "this" {
  for_each = toset(local.protected_branches)

  repository_id = var.repository
  pattern       = each.value

  enforce_admins                  = var.enforce_admins
  allows_force_pushes             = false
  allows_deletions                = false
  required_linear_history         = var.required_linear_history
  require_conversation_resolution = true

  required_pull_request_reviews {
    required_approving_review_count = var.required_approving_review_count
    require_code_owner_reviews      = var.require_code_owner_reviews
    dismiss_stale_reviews           = true
    require_last_push_approval      = true
  }

  dynamic "required_status_checks" {
    for_each = length(var.required_status_checks) > 0 ? [var.required_status_checks] : []

    content {
      # Branches must be up to date, so checks ran against what will merge.
      strict   = true
      contexts = required_status_checks.value
    }
  }
}
