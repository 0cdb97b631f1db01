package metrics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
)

// Buckets returns client_golang's default latency buckets merged with every
// threshold, in seconds, sorted and without duplicates. A latency SLO counts
// requests slower than its threshold from http_request_duration_seconds_bucket;
// that is exact only when the threshold is itself a bucket boundary, so the
// generator passes every latency SLO threshold of the specs to the service
// (see [ParseThresholds]). Thresholds of zero or less are ignored.
func Buckets(thresholds ...time.Duration) []float64 {
	b := slices.Clone(prometheus.DefBuckets)
	for _, t := range thresholds {
		if t > 0 {
			b = append(b, t.Seconds())
		}
	}
	slices.Sort(b)
	return slices.Compact(b)
}

// ParseThresholds reads a comma-separated list of durations, as the
// SLO_LATENCY_THRESHOLDS environment variable holds them ("300ms,1.5s").
// Each item is a Go duration or a Prometheus one ("1m30s", "2d"), because the
// specs are written by people used to either. Blank items are skipped; an
// empty string is no thresholds.
func ParseThresholds(s string) ([]time.Duration, error) {
	var out []time.Duration
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		d, err := time.ParseDuration(item)
		if err != nil {
			md, merr := model.ParseDuration(item)
			if merr != nil {
				return nil, fmt.Errorf("latency threshold %q: not a duration like 300ms or 1.5s", item)
			}
			d = time.Duration(md)
		}
		if d <= 0 {
			return nil, fmt.Errorf("latency threshold %q: must be greater than zero", item)
		}
		out = append(out, d)
	}
	return out, nil
}
