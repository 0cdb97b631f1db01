# Test-only stand-in for modules/cluster: moto cannot run EKS node groups
# (their launch template never becomes ready), so the e2e run replaces the
# cluster with what the rest of the root uses of it: a security group in the
# VPC and an IAM OIDC provider for IRSA.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "name" { type = string }
variable "subnet_ids" { type = list(string) }

data "aws_subnet" "first" {
  id = var.subnet_ids[0]
}

resource "aws_security_group" "cluster" {
  name_prefix = "${var.name}-cluster-"
  description = "Stand-in for the EKS cluster security group"
  vpc_id      = data.aws_subnet.first.vpc_id
}

resource "aws_iam_openid_connect_provider" "cluster" {
  url             = "https://oidc.eks.eu-west-1.amazonaws.com/id/${upper(md5(var.name))}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}

output "cluster_name" { value = var.name }
output "cluster_endpoint" { value = "https://${var.name}.example.invalid" }
output "cluster_security_group_id" { value = aws_security_group.cluster.id }
output "oidc_provider_arn" { value = aws_iam_openid_connect_provider.cluster.arn }
output "oidc_issuer" { value = trimprefix(aws_iam_openid_connect_provider.cluster.url, "https://") }
