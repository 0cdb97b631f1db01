package metrics

import "github.com/prometheus/client_golang/prometheus"

// PartnerRequests is the family of requests to partner routes, which
// package partners counts and the generated dashboards show by partner.
const PartnerRequests = "partner_requests_total"

// NewPartnerRequests registers partner_requests_total{partner,key_id,code}
// on reg. Its labels must come from the service's own files, never from
// the request: partner is a partner of the partners file or "unknown",
// key_id a key of the keys file or "none", code the status sent ("401"), so
// that its cardinality is bounded by the keys issued, not by the callers.
func NewPartnerRequests(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: PartnerRequests,
		Help: "Requests to partner routes, by partner, API key id and status code; unknown and none for callers the files do not name.",
	}, []string{"partner", "key_id", "code"})
	reg.MustRegister(c)
	return c
}
