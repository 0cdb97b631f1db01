package spec

// Environment specs: accounts, networks that do not overlap, delivery.

import (
	"fmt"
	"net/netip"
)

func (c *checker) environment(p *Platform, e *Environment) {
	src := e.Source
	if c.dnsLabel(src, "name", e.Name) {
		c.nameMatchesFile(src, e.Name)
	}
	c.ingress(e)
	if e.Account == "" {
		c.required(src, "account", "the 12-digit AWS account id, quoted")
	} else if !accountRE.MatchString(e.Account) {
		c.errorf(src, KindValue, "account", "%q is not a 12-digit AWS account id", e.Account)
	}
	if src.Has("region") && !regionRE.MatchString(e.Region) {
		c.errorf(src, KindValue, "region", "%q is not an AWS region, e.g. eu-west-1", e.Region)
	}
	c.network(src, e.Network)
	if (p != nil || src.Has("cluster.name")) && !clusterRE.MatchString(e.Cluster.Name) {
		c.errorf(src, KindValue, "cluster.name", "%q is not a valid EKS cluster name: up to 100 letters, digits, hyphens and underscores", e.Cluster.Name)
	}
	d := e.Delivery
	switch d.Trigger {
	case TriggerMerge, TriggerTag, TriggerManual:
	default:
		c.enum(src, "delivery.trigger", d.Trigger, TriggerMerge, TriggerTag, TriggerManual)
	}
	if d.Branch != "" && d.Trigger != TriggerMerge {
		c.errorf(src, KindValue, "delivery.branch", "a branch applies only to trigger %q, not %q", TriggerMerge, d.Trigger)
	} else if d.Branch != "" && !validBranch(d.Branch) {
		c.errorf(src, KindValue, "delivery.branch", "%q is not a plain branch name: letters, digits, '.', '_', '-' and '/', no \"..\", no pattern, not starting with '-', '.' or '/' nor ending with '/', '.' or .lock, e.g. main or release/v2", d.Branch)
	}
	if d.Approvals < 0 || d.Approvals > 6 {
		c.errorf(src, KindValue, "delivery.approvals", "%d is outside 0 to 6 (GitHub allows up to 6 required reviewers)", d.Approvals)
	}
	if d.Approvals > 0 && len(d.Reviewers) == 0 {
		c.errorf(src, KindValue, "delivery.approvals", "%d approvals need reviewers; add delivery.reviewers", d.Approvals)
	}
	if len(d.Reviewers) > 6 {
		c.errorf(src, KindValue, "delivery.reviewers", "%d reviewers; GitHub allows up to 6", len(d.Reviewers))
	}
	for i, r := range d.Reviewers {
		if p != nil {
			c.teamRef(p, src, fmt.Sprintf("delivery.reviewers[%d]", i), r)
		}
	}
	if d.WaitMinutes < 0 || d.WaitMinutes > 43200 {
		c.errorf(src, KindValue, "delivery.waitMinutes", "%d is outside 0 to 43200 (30 days, GitHub's limit)", d.WaitMinutes)
	}
	if !classRE.MatchString(e.Database.InstanceClass) {
		c.errorf(src, KindValue, "database.instanceClass", "%q is not an RDS instance class, e.g. db.t4g.micro", e.Database.InstanceClass)
	}
	if r := e.Database.BackupRetentionDays; r < 1 || r > 35 {
		c.errorf(src, KindValue, "database.backupRetentionDays", "%d is outside 1 to 35 (RDS's limits)", r)
	}
	if g := e.Alerting.Grafana; g != "" {
		if !grafanaRE.MatchString(g) {
			c.errorf(src, KindValue, "alerting.grafana", "%q is not the https base URL of a Grafana, e.g. https://grafana.prod.acme.example", g)
		}
	}
	if e.Replicas < 1 {
		c.errorf(src, KindValue, "replicas", "%d; an environment runs at least 1 replica of each service", e.Replicas)
	}
}

func (c *checker) network(src *Source, n Network) {
	if n.CIDR == "" {
		c.required(src, "network.cidr", "the VPC's IPv4 CIDR, e.g. 10.30.0.0/16")
	} else if pfx, err := netip.ParsePrefix(n.CIDR); err != nil || !pfx.Addr().Is4() {
		c.errorf(src, KindValue, "network.cidr", "%q is not an IPv4 CIDR, e.g. 10.30.0.0/16", n.CIDR)
	} else if pfx.Masked() != pfx {
		c.errorf(src, KindValue, "network.cidr", "%q has host bits set; did you mean %q?", n.CIDR, pfx.Masked().String())
	} else if pfx.Bits() < 16 || pfx.Bits() > 24 {
		c.errorf(src, KindValue, "network.cidr", "a /%d VPC; AWS allows /16 to /28 and Groundwork needs room for subnets: use /16 to /24", pfx.Bits())
	} else if !pfx.Addr().IsPrivate() {
		c.errorf(src, KindValue, "network.cidr", "%q is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", n.CIDR)
	} else if n.Zones >= 1 && n.Zones <= 6 {
		if _, _, _, err := n.Subnets(); err != nil {
			c.errorf(src, KindValue, "network.zones", "%d zones: %v", n.Zones, err)
		}
	}
	if n.Zones < 1 || n.Zones > 6 {
		c.errorf(src, KindValue, "network.zones", "%d is outside 1 to 6", n.Zones)
	}
	switch n.NATGateways {
	case NATNone, NATSingle, NATPerZone:
	default:
		c.enum(src, "network.natGateways", n.NATGateways, NATNone, NATSingle, NATPerZone)
	}
}

// overlaps reports environments whose VPCs overlap: peering, VPN and
// transit gateways need distinct ranges.
func (c *checker) overlaps(envs []*Environment) {
	for i, a := range envs {
		pa, err := netip.ParsePrefix(a.Network.CIDR)
		if err != nil {
			continue
		}
		for _, b := range envs[:i] {
			if pb, err := netip.ParsePrefix(b.Network.CIDR); err == nil && pa.Overlaps(pb) {
				c.errorf(a.Source, KindValue, "network.cidr", "%s overlaps %s of environment %q (%s); give each environment its own range",
					a.Network.CIDR, b.Network.CIDR, b.Name, b.Source.Path)
			}
		}
	}
}
