package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/flags"
	"github.com/groundwork-dev/groundwork/backend/logging"
	"github.com/groundwork-dev/groundwork/backend/partners"
)

// Flag keys the service reads; specs/services/api.yaml declares them.
const flagNewCheckout = "new-checkout"

// Headers that make a request's evaluation context: the customer it is
// for (the targeting key that fractional rollouts bucket by) and the
// partner it comes through (for rules such as partner: [globex]). The
// gateway in front of the service sets both from the caller's credentials;
// on the partner routes the partner is the one its API key authenticated,
// whatever the header says.
const (
	customerHeader = "X-Customer-ID"
	partnerHeader  = "X-Partner"
)

// featureFlags evaluates the service's flags through OpenFeature. Each
// Server has an OpenFeature API of its own, so that tests can run several.
type featureFlags struct {
	client *openfeature.Client
}

// newFeatureFlags serves the flags of the flagd file at cfg.FlagsFile;
// with none, every flag has its default in the code (off).
func newFeatureFlags(cfg Config, reg prometheus.Registerer, logger *slog.Logger) (*featureFlags, error) {
	api := isolated.NewAPI()
	hook := flags.NewMetricsHook(reg, logger)
	if cfg.FlagsFile != "" { // without a file there is nothing to count or log
		api.AddHooks(hook)
		p, err := flags.NewFileProvider(cfg.FlagsFile, cfg.FlagsRefresh, logger)
		if err != nil {
			return nil, err
		}
		if err := api.SetProviderAndWait(context.Background(), p); err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
	}
	return &featureFlags{client: api.NewClient()}, nil
}

// evalContext is the evaluation context of r.
func evalContext(r *http.Request) openfeature.EvaluationContext {
	key := r.Header.Get(customerHeader)
	if key == "" {
		key = logging.RequestID(r.Context())
	}
	attrs := map[string]any{}
	if id, ok := partners.FromContext(r.Context()); ok {
		attrs["partner"] = id.Partner
	} else if p := r.Header.Get(partnerHeader); p != "" {
		attrs["partner"] = p
	}
	return openfeature.NewEvaluationContext(key, attrs)
}

// NewCheckout reads new-checkout for r; off when it cannot be evaluated.
func (f *featureFlags) NewCheckout(r *http.Request) bool {
	on, _ := f.client.BooleanValue(r.Context(), flagNewCheckout, false, evalContext(r))
	return on
}
