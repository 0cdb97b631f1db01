# --- IRSA role of the CloudWatch exporter ------------------------------------

# The CloudWatch exporter (YACE, in the infrastructure layer of every
# environment with a database) reads the CloudWatch metrics that alerts
# watch, of the environment's RDS instances only, with static jobs.
# cloudwatch:GetMetricStatistics is the one call a static job makes; it also
# asks STS who it is (sts:GetCallerIdentity needs no permission) and IAM for
# the account's alias (iam:ListAccountAliases, not granted: the alias only
# labels the series, and YACE goes on without it). Neither
# cloudwatch:ListMetrics nor tag:GetResources is granted: only discovery
# jobs, which find resources by tag, call them.
#
# The resource is "*" because it cannot be anything else: CloudWatch's
# metric reads (GetMetricStatistics, GetMetricData, ListMetrics) have no
# resource type in IAM, so an ARN would match nothing and deny every call.
# What bounds the role instead: the one action, which reads metric
# statistics and nothing else (no alarms, dashboards, logs or writes, no
# other service); aws:RequestedRegion, which pins it to the environment's
# region; and the exporter's configuration, which names the instances. The
# guardrails (policies/terraform) hold every identity policy to that: a
# statement on "*" may only name such unscopable reads, and only in named
# regions.
data "aws_iam_policy_document" "cloudwatch_exporter_assume" {
  count = var.cloudwatch_exporter == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.cloudwatch_exporter.namespace}:${var.cloudwatch_exporter.service_account}"]
    }
  }
}

data "aws_iam_policy_document" "cloudwatch_exporter" {
  count = var.cloudwatch_exporter == null ? 0 : 1

  statement {
    sid       = "ReadMetricStatistics"
    actions   = ["cloudwatch:GetMetricStatistics"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = var.cloudwatch_exporter.regions
    }
  }
}

resource "aws_iam_role" "cloudwatch_exporter" {
  count = var.cloudwatch_exporter == null ? 0 : 1

  name               = var.cloudwatch_exporter.role_name
  description        = "IRSA role of the CloudWatch exporter (${var.cloudwatch_exporter.namespace}/${var.cloudwatch_exporter.service_account}): reads metric statistics in ${join(", ", var.cloudwatch_exporter.regions)}"
  assume_role_policy = data.aws_iam_policy_document.cloudwatch_exporter_assume[0].json

  tags = merge(var.tags, { Service = "cloudwatch-exporter" })

  lifecycle {
    precondition {
      condition     = var.eks_oidc_provider_arn != null && var.eks_oidc_issuer != null
      error_message = "cloudwatch_exporter is set: set eks_oidc_provider_arn and eks_oidc_issuer from the cluster module."
    }
  }
}

resource "aws_iam_role_policy" "cloudwatch_exporter" {
  count = var.cloudwatch_exporter == null ? 0 : 1

  name   = "cloudwatch-read"
  role   = aws_iam_role.cloudwatch_exporter[0].id
  policy = data.aws_iam_policy_document.cloudwatch_exporter[0].json
}
