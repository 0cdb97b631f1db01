package spec

import (
	"fmt"
	"net/netip"
	"strings"
)

// Names of cloud resources, made in one place so that generators agree with
// each other and validation can check AWS's limits before any file is written:
// a name that is too long is an error at the spec, never truncated silently.

// BucketName is the S3 bucket of bucket b of service s in environment e.
func BucketName(p *Platform, e *Environment, s *Service, b *Bucket) string {
	return strings.Join([]string{p.Name, e.Name, s.Name, b.Name}, "-")
}

// DatabaseIdentifier is the RDS instance identifier of service s in e.
func DatabaseIdentifier(p *Platform, e *Environment, s *Service) string {
	return strings.Join([]string{p.Name, e.Name, s.Name}, "-")
}

// ServiceRoleName is the IAM role (IRSA) of service s in e.
func ServiceRoleName(p *Platform, e *Environment, s *Service) string {
	return strings.Join([]string{p.Name, e.Name, s.Name}, "-")
}

// SecretName is the Secrets Manager name of secret n of service s in e.
func SecretName(e *Environment, s *Service, n string) string {
	return e.Name + "/" + s.Name + "/" + n
}

// PlanRoleName is the read-only IAM role that pull requests plan with.
func PlanRoleName(p *Platform, e *Environment) string {
	return p.Name + "-" + e.Name + "-github-plan"
}

// ApplyRoleName is the IAM role that the environment's deploy job applies with.
func ApplyRoleName(p *Platform, e *Environment) string {
	return p.Name + "-" + e.Name + "-github-apply"
}

// RoleARN is the ARN of an IAM role of environment e.
func RoleARN(e *Environment, role string) string {
	return "arn:aws:iam::" + e.Account + ":role/" + role
}

// DeployEnvironment is the GitHub environment whose jobs deploy to e: its
// protection rules (reviewers, wait timer, branches) gate every apply.
func DeployEnvironment(e *Environment) string { return e.Name }

// PlanEnvironment is the GitHub environment that pull-request plans of e run
// in. It has no reviewers; it exists so that the read-only plan role can trust
// one OIDC subject (repo:<owner>/<repo>:environment:<env>-plan) and every job
// that asks for a cloud token names its environment.
func PlanEnvironment(e *Environment) string { return e.Name + "-plan" }

// Namespace is the Kubernetes namespace service s runs in.
func Namespace(s *Service) string { return s.Name }

// ServiceAccount is the Kubernetes ServiceAccount of service s; its IRSA
// role trusts exactly this account in exactly that namespace.
func ServiceAccount(s *Service) string { return s.Name }

// External Secrets Operator runs in this namespace with this ServiceAccount
// in every cluster; its IRSA role reads the environment's declared secrets.
const (
	ExternalSecretsNamespace      = "external-secrets"
	ExternalSecretsServiceAccount = "external-secrets"
)

// ReservedNamespaces are the namespaces of Kubernetes, Flux and the cluster's
// controllers. A service runs in the namespace of its name, so these names
// are not service names.
var ReservedNamespaces = []string{
	"default", KubeSystemNamespace, "kube-public", "kube-node-lease",
	FluxNamespace, ExternalSecretsNamespace, MonitoringNamespace, CertManagerNamespace, OpenFeatureNamespace,
}

// ExternalSecretsRoleName is the IAM role External Secrets Operator reads
// the environment's secrets with.
func ExternalSecretsRoleName(p *Platform, e *Environment) string {
	return p.Name + "-" + e.Name + "-external-secrets"
}

// Image is the repository that service s's images are pushed to.
func Image(p *Platform, s *Service) string { return p.Registry + "/" + s.Name }

// TerraformDir is where the Terraform root of e is generated.
func TerraformDir(e *Environment) string { return "environments/" + e.Name + "/terraform" }

// FluxDir is where what Flux syncs for e is generated.
func FluxDir(e *Environment) string { return "environments/" + e.Name + "/flux" }

// ReleaseFile is the release record of e: which image digest each service runs.
func ReleaseFile(e *Environment) string { return Dir + "/releases/" + e.Name + ".yaml" }

// AWS limits on those names.
const (
	maxBucketName = 63
	maxRDSID      = 63
	maxRoleName   = 64
)

// Subnets carves the VPC into one public, one private and one database subnet
// per zone, all the same size: the smallest power of two that holds 3×zones
// subnets. The network module and the checks share this one layout.
func (n Network) Subnets() (public, private, database []netip.Prefix, err error) {
	vpc, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return nil, nil, nil, err
	}
	newBits := 0
	for 1<<newBits < 3*n.Zones {
		newBits++
	}
	bits := vpc.Bits() + newBits
	if bits > 28 {
		return nil, nil, nil, fmt.Errorf("a /%d cannot hold %d zones × 3 subnets of at least /28 (AWS's smallest); use a larger CIDR or fewer zones", vpc.Bits(), n.Zones)
	}
	size := uint32(1) << (32 - bits)
	base := vpc.Masked().Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	subnet := func(i int) netip.Prefix {
		a := start + uint32(i)*size
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits)
	}
	for z := range n.Zones {
		public = append(public, subnet(z))
		private = append(private, subnet(n.Zones+z))
		database = append(database, subnet(2*n.Zones+z))
	}
	return public, private, database, nil
}

// AWSSchedule is the backup cron in AWS's six-field form: AWS wants "?" in
// one of day-of-month and day-of-week, and a year field.
func (b *Backup) AWSSchedule() string {
	f := strings.Fields(b.Schedule)
	if len(f) != 5 {
		return ""
	}
	if f[4] == "*" {
		f[4] = "?"
	} else {
		f[2] = "?"
	}
	return "cron(" + strings.Join(f, " ") + " *)"
}

// SourceBranch is the branch whose commits reach e: its delivery.branch
// when a merge deploys it; the default branch for tag and manual releases
// (the release workflows refuse a tag that is not on it).
func SourceBranch(e *Environment) string {
	if e.Delivery.Trigger == TriggerMerge {
		return e.Delivery.Branch
	}
	return DefaultBranch
}

// MinReviews is the approving reviews every pull request into a protected
// branch needs (modules/github's required_approving_review_count).
const MinReviews = 1

// BranchApprovals gives each source branch the approving reviews its pull
// requests need: the most delivery.approvals of the environments its
// commits reach, and at least MinReviews. GitHub's environment reviewers
// let a job through on one approval, so the count is enforced on the pull
// requests into the branch.
func (m *Model) BranchApprovals() map[string]int {
	out := map[string]int{}
	for _, e := range m.Environments {
		b := SourceBranch(e)
		out[b] = max(out[b], e.Delivery.Approvals, MinReviews)
	}
	return out
}
