output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in the order of azs."
  value       = [for az in var.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in the order of azs."
  value       = [for az in var.azs : aws_subnet.private[az].id]
}

output "database_subnet_ids" {
  description = "IDs of the database subnets, in the order of azs."
  value       = [for az in var.azs : aws_subnet.database[az].id]
}

output "database_subnet_group_name" {
  description = "Name of the DB subnet group spanning the database subnets."
  value       = aws_db_subnet_group.database.name
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (empty when nat_gateways is \"none\"); useful for allow-listing egress at third parties."
  value       = [for az in local.nat_zones : aws_eip.nat[az].public_ip]
}

output "flow_log_group_name" {
  description = "CloudWatch Logs group receiving the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
