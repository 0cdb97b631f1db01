package spec

import (
	"time"

	"github.com/prometheus/common/model"
)

// Duration is a Prometheus-style duration as written in a spec ("300ms",
// "26h", "28d"). It stays a string so that generated files repeat it as the
// engineer wrote it; Value parses it.
type Duration string

// Value returns the duration, or 0 when it is empty or malformed (validation
// has rejected malformed ones before any generator runs).
func (d Duration) Value() time.Duration {
	v, err := model.ParseDuration(string(d))
	if err != nil {
		return 0
	}
	return time.Duration(v)
}

func (d Duration) parse() (time.Duration, error) {
	v, err := model.ParseDuration(string(d))
	return time.Duration(v), err
}

// Built-in SLIs, measured from the metrics that backend/ exports.
const (
	SLIAvailability = "availability" // 5xx responses over all responses
	SLILatency      = "latency"      // responses slower than the threshold over all
)

// SLI is either a built-in SLI name or a pair of custom event queries, written
// as Sloth users write them: each with {{.window}} where the range goes.
type SLI struct {
	Builtin string `json:"-"`
	Errors  string `json:"errors,omitempty"`
	Total   string `json:"total,omitempty"`
}

// Custom reports whether the SLI is made of the spec's own queries.
func (s SLI) Custom() bool { return s.Builtin == "" }
