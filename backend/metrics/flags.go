package metrics

import "github.com/prometheus/client_golang/prometheus"

// FlagEvaluations is the family of feature flag evaluations, which the
// OpenFeature hook of package flags counts and the generated dashboards
// show by flag and variant.
const FlagEvaluations = "feature_flag_evaluations_total"

// NewFlagEvaluations registers feature_flag_evaluations_total{flag,variant,reason}
// on reg. flag and variant come from the service's flag file, so their
// cardinality is its flags times their variants; reason is one of
// OpenFeature's (STATIC, TARGETING_MATCH, DEFAULT, DISABLED, ERROR).
func NewFlagEvaluations(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: FlagEvaluations,
		Help: "Feature flag evaluations, by flag, variant (empty on an error) and OpenFeature reason.",
	}, []string{"flag", "variant", "reason"})
	reg.MustRegister(c)
	return c
}
