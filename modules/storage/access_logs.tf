# S3 server access logging: every bucket of the module logs each request
# made to it (who, from where, which key, what result) into one log bucket,
# under a prefix named after the bucket. CloudTrail's management events do
# not record object reads and writes; these logs do.
#
# The log bucket is not logged itself (its own requests would log into it,
# or into another bucket, without end). S3's log delivery supports only
# SSE-S3 default encryption on the target bucket, not SSE-KMS, and writes
# with the permission of the bucket policy below (ACLs are disabled, as on
# every bucket here). It is not versioned, so that expiry really deletes:
# the logs name people and addresses.

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "access_logs" {
  bucket = var.access_log_bucket

  force_destroy = false

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !contains(keys(var.buckets), var.access_log_bucket)
      error_message = "access_log_bucket must not be one of buckets: a bucket cannot hold its own access logs."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  # Log delivery writes for the module's buckets only, in this account
  # only: without the conditions any bucket anywhere could name this one as
  # its log target. (First: moto, which tests/e2e applies against, reads
  # the statements in order and fails on a principal of "*" before it.)
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for b in aws_s3_bucket.this : b.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_expire_days
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  for_each = aws_s3_bucket.this

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "${each.key}/"

  # S3 checks, when logging is turned on, that the target's policy lets
  # log delivery write.
  depends_on = [aws_s3_bucket_policy.access_logs]
}
