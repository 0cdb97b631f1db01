package spec

import (
	"slices"
	"strings"
)

// Names and facts of the partner API, shared by the Flux, Terraform and docs
// generators and the `groundwork partner` command, so that the key a
// command writes is the secret an ExternalSecret reads and the file a
// playbook describes.

// PartnerKeysSecret is the Secrets Manager secret holding the hashed API
// keys of every partner of service s in e. Terraform creates it empty;
// `groundwork partner key issue` writes it; nothing of it enters git.
const partnerKeysSecret = "partner-keys"

// PartnerKeysSecretName is that secret's name in environment e.
func PartnerKeysSecretName(e *Environment, s *Service) string {
	return SecretName(e, s, partnerKeysSecret)
}

// PartnerKeysK8sSecret is the Kubernetes Secret the ExternalSecret copies
// the keys into, mounted as PartnerKeysFile.
func PartnerKeysK8sSecret(s *Service) string { return s.Name + "-partner-keys" }

// PartnersConfigMap is the ConfigMap of service s holding which partners
// may call it in the environment, with their scopes and rate limits,
// mounted as PartnersFile.
func PartnersConfigMap(s *Service) string { return s.Name + "-partners" }

// Files and environment variables through which a service reads its
// partners and their keys.
const (
	PartnersFile     = "/etc/partners/partners.json"
	PartnerKeysFile  = "/etc/partner-keys/keys.json"
	PartnersFileEnv  = "PARTNERS_FILE"
	PartnerKeysEnv   = "PARTNER_KEYS_FILE"
	DemoDataEnv      = "DEMO_DATA"
	PartnerIngress   = "partners" // suffix of the Ingress that publishes the partner routes
	defaultBasePath  = "/partner/v1"
	defaultIngress   = "alb"
	defaultPerMinute = 60
	defaultBurst     = 10
)

// PartnerKeyPrefix starts every API key issued for e, so that a key says at
// a glance (and to secret scanners) whether it is live: gw_live_ in a
// production environment, gw_test_ elsewhere.
func PartnerKeyPrefix(e *Environment) string {
	if e.Production {
		return "gw_live_"
	}
	return "gw_test_"
}

// PartnerHost is the host name service s is published under in e, or ""
// when e publishes nothing.
func PartnerHost(e *Environment, s *Service) string {
	if e.Ingress == nil {
		return ""
	}
	return s.Name + "." + e.Ingress.Domain
}

// PartnerBaseURL is the URL partners call service s at in e.
func PartnerBaseURL(e *Environment, s *Service) string {
	return "https://" + PartnerHost(e, s) + s.PartnerAPI.BasePath
}

// Admits reports whether partner p may call in environment e.
func (p *Partner) Admits(e *Environment) bool { return slices.Contains(p.Environments, e.Name) }

// Access returns what p may do with service s, or nil.
func (p *Partner) AccessTo(s *Service) *PartnerAccess {
	for _, a := range p.Access {
		if a.Service == s.Name {
			return a
		}
	}
	return nil
}

// PartnersOf returns the partners that may call service s in e, sorted by
// name.
func (m *Model) PartnersOf(e *Environment, s *Service) []*Partner {
	var out []*Partner
	for _, p := range m.Partners {
		if p.Admits(e) && p.AccessTo(s) != nil {
			out = append(out, p)
		}
	}
	return out
}

// Partner returns the partner of that name, or nil.
func (m *Model) Partner(name string) *Partner {
	i, ok := slices.BinarySearchFunc(m.Partners, name, func(p *Partner, n string) int { return strings.Compare(p.Name, n) })
	if !ok {
		return nil
	}
	return m.Partners[i]
}
