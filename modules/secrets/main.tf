# A customer-managed key (rather than aws/secretsmanager) lets IAM grant
# kms:Decrypt per service role and shows every decrypt in CloudTrail.
resource "aws_kms_key" "this" {
  description             = "Secrets Manager secrets: ${join(", ", sort(var.names))}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_alias == null ? 0 : 1

  name          = "alias/${var.kms_key_alias}"
  target_key_id = aws_kms_key.this.key_id
}

# Deliberately no aws_secretsmanager_secret_version: a value written here
# would be stored in plain text in the Terraform state.
resource "aws_secretsmanager_secret" "this" {
  for_each = toset(var.names)

  name                    = each.value
  description             = "Managed by Terraform; the value is set outside Terraform."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_in_days

  tags = merge(var.tags, {
    Environment = split("/", each.value)[0]
    Service     = split("/", each.value)[1]
  })
}
