locals {
  # Every branch given an approval count is protected too: it is a branch
  # some environment deploys or releases from.
  protected_branches = distinct(concat([var.default_branch], var.additional_protected_branches, keys(var.branch_approvals)))

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

# Protected branches are rulesets rather than classic branch protection: a
# ruleset can let one actor through, and the deploy workflows' release-record
# commits need exactly that (GitHub's own token can bypass neither). The
# bypass actor is the repository's deploy keys, and the deploy and release
# jobs push with the one write deploy key, RELEASE_DEPLOY_KEY, a secret of
# each deployment environment (see README: release records).
resource "github_repository_ruleset" "branch" {
  for_each = toset(local.protected_branches)

  name        = "protect ${each.value}"
  repository  = var.repository
  target      = "branch"
  enforcement = "active"

  conditions {
    ref_name {
      include = ["refs/heads/${each.value}"]
      exclude = []
    }
  }

  dynamic "bypass_actors" {
    for_each = var.release_deploy_key_bypass ? [1] : []

    content {
      actor_type  = "DeployKey"
      bypass_mode = "always"
    }
  }

  # A ruleset binds admins too unless they are bypass actors (classic
  # protection's enforce_admins).
  dynamic "bypass_actors" {
    for_each = var.enforce_admins ? [] : [1]

    content {
      actor_id    = 5 # the admin repository role
      actor_type  = "RepositoryRole"
      bypass_mode = "always"
    }
  }

  rules {
    deletion                = true
    non_fast_forward        = true
    required_linear_history = var.required_linear_history
    required_signatures     = var.require_signed_commits

    pull_request {
      required_approving_review_count   = max(var.required_approving_review_count, lookup(var.branch_approvals, each.value, 0))
      require_code_owner_review         = var.require_code_owner_reviews
      dismiss_stale_reviews_on_push     = true
      require_last_push_approval        = true
      required_review_thread_resolution = true
    }

    dynamic "required_status_checks" {
      for_each = length(var.required_status_checks) > 0 ? [var.required_status_checks] : []

      content {
        # Branches must be up to date, so checks ran against what will merge.
        strict_required_status_checks_policy = true

        dynamic "required_check" {
          for_each = required_status_checks.value

          content {
            context = required_check.value
          }
        }
      }
    }
  }
}
