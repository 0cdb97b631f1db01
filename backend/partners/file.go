package partners

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// File is the partners file (PARTNERS_FILE), generated from the partner
// specs for one service in one environment: who is admitted here, with
// which scopes and rate limit.
//
//	{"environment": "sandbox", "keyPrefix": "gw_test_",
//	 "partners": {"globex": {"scopes": ["orders:read"], "rateLimit": {"perMinute": 60, "burst": 10}}}}
type File struct {
	Environment string             `json:"environment"`
	KeyPrefix   string             `json:"keyPrefix"`
	Partners    map[string]Partner `json:"partners"`
}

// Partner is one admitted partner.
type Partner struct {
	Scopes    []string  `json:"scopes"`
	RateLimit RateLimit `json:"rateLimit"`
}

// RateLimit is a partner's limit per key: a token bucket refilled at
// PerMinute/60 a second, holding at most Burst.
type RateLimit struct {
	PerMinute int `json:"perMinute"`
	Burst     int `json:"burst"`
}

// ParseFile reads a partners file and reports every problem in it. An
// empty file admits no one.
func ParseFile(data []byte) (File, error) {
	var f File
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return File{}, fmt.Errorf("not a partners file: %w", err)
	}
	var errs []error
	if len(f.Partners) > 0 {
		if err := checkPrefix(f.KeyPrefix); err != nil {
			errs = append(errs, fmt.Errorf("keyPrefix: %w", err))
		}
	}
	for name, p := range f.Partners {
		if err := checkPartnerName(name); err != nil {
			errs = append(errs, err)
		}
		for _, s := range p.Scopes {
			if r, a, ok := strings.Cut(s, ":"); !ok || r == "" || a == "" {
				errs = append(errs, fmt.Errorf("partner %s: scope %q is not resource:action, such as orders:read", name, s))
			}
		}
		if rl := p.RateLimit; rl.PerMinute < 1 || rl.Burst < 1 {
			errs = append(errs, fmt.Errorf("partner %s: rateLimit perMinute and burst must be at least 1, not %d and %d", name, rl.PerMinute, rl.Burst))
		}
	}
	return f, errors.Join(errs...)
}
