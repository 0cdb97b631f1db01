package flags

import (
	"context"
	"log/slog"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// MetricsHook is an OpenFeature hook that counts every evaluation by flag,
// variant and reason, and logs it with the request's ID (the logging
// handler takes it from the context the evaluation was given).
type MetricsHook struct {
	openfeature.UnimplementedHook
	evaluations *prometheus.CounterVec
	log         *slog.Logger
}

// NewMetricsHook registers feature_flag_evaluations_total on reg.
func NewMetricsHook(reg prometheus.Registerer, logger *slog.Logger) *MetricsHook {
	return &MetricsHook{evaluations: metrics.NewFlagEvaluations(reg), log: logger}
}

// Finally runs after every evaluation, failed or not.
func (h *MetricsHook) Finally(ctx context.Context, hc openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) {
	h.evaluations.WithLabelValues(hc.FlagKey(), d.Variant, string(d.Reason)).Inc()
	attrs := []any{"flag", hc.FlagKey(), "variant", d.Variant, "reason", string(d.Reason)}
	if d.ErrorCode != "" {
		h.log.WarnContext(ctx, "flag evaluated with an error; the code's default applies", append(attrs, "error_code", string(d.ErrorCode), "error", d.ErrorMessage)...)
		return
	}
	h.log.InfoContext(ctx, "flag evaluated", attrs...)
}
