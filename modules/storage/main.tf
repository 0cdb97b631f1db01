resource "aws_kms_key" "this" {
  description             = "S3 buckets ${join(", ", sort(keys(var.buckets)))}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_alias == null ? 0 : 1

  name          = "alias/${var.kms_key_alias}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_s3_bucket" "this" {
  for_each = var.buckets

  bucket = each.key

  # Buckets holding data are emptied deliberately, never by a destroy.
  force_destroy = false

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs disabled: access is decided by IAM and the bucket policy alone.
resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    # The bucket key cuts KMS requests (and their cost and throttling) by
    # deriving object keys from a bucket-level data key.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = var.buckets[each.key].versioning ? "Enabled" : "Suspended"
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.this

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

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

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  # S3 rejects policy writes while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Every bucket gets lifecycle rules: at least the multipart-upload cleanup.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  dynamic "rule" {
    for_each = var.buckets[each.key].expire_days > 0 ? [var.buckets[each.key].expire_days] : []

    content {
      id     = "expire-current-objects"
      status = "Enabled"

      filter {}

      expiration {
        days = rule.value
      }
    }
  }

  dynamic "rule" {
    for_each = var.buckets[each.key].versioning ? [1] : []

    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"

      filter {}

      # On a versioned bucket, expiring a current object only hides it
      # behind a delete marker: its data stays, noncurrent, until this rule
      # removes it. So expire_days is kept only within this many days more.
      noncurrent_version_expiration {
        noncurrent_days = coalesce(var.buckets[each.key].noncurrent_expire_days, var.noncurrent_version_expire_days)
      }

      # Once its last noncurrent version is gone, a delete marker is clutter
      # that slows listings; remove it too.
      expiration {
        expired_object_delete_marker = true
      }
    }
  }

  # Lifecycle rules that touch versions must see the final versioning state.
  depends_on = [aws_s3_bucket_versioning.this]
}
