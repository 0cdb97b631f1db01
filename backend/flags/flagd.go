// Package flags serves feature flags to Go services through OpenFeature
// (github.com/open-feature/go-sdk), from a file in flagd's flag definition
// format: the file Groundwork generates per service and environment
// (environments/<env>/flags/<service>.flagd.json) and mounts into its pods
// from a ConfigMap, named by FLAGS_FILE.
//
// The provider evaluates in process, as flagd's in-process providers do:
// each flag's targeting is JSONLogic (github.com/diegoholiveira/jsonlogic,
// the library flagd itself uses), with flagd's "fractional" operator for
// percentage rollouts, bucketed as flagd buckets (murmur3 of the flag key
// and targeting key), so that a customer in a 10% rollout here is in it in
// every flagd. It rereads the file when it changes, without a restart, and
// keeps the last good flags when a new file is broken.
//
// MetricsHook counts evaluations by flag, variant and reason
// (feature_flag_evaluations_total, a family of backend/metrics) and logs
// each one with the request's ID.
package flags

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/diegoholiveira/jsonlogic/v3"
)

// Flag states of flagd's format.
const (
	stateEnabled  = "ENABLED"
	stateDisabled = "DISABLED"
)

// document is a flagd file.
type document struct {
	Schema     string                     `json:"$schema,omitempty"`
	Flags      map[string]*flag           `json:"flags"`
	Evaluators map[string]json.RawMessage `json:"$evaluators,omitempty"`
	Metadata   map[string]any             `json:"metadata,omitempty"`
}

// flag is one flag of a flagd file.
type flag struct {
	State          string          `json:"state"`
	Variants       map[string]any  `json:"variants"`
	DefaultVariant string          `json:"defaultVariant"`
	Targeting      json.RawMessage `json:"targeting,omitempty"`
	Metadata       map[string]any  `json:"metadata,omitempty"`

	targeting any // decoded, nil when there is none
}

// parse reads a flagd file and checks what flagd checks before serving it:
// known states, a default variant that exists, targeting that is JSON. A
// file that fails is refused whole.
func parse(data []byte) (map[string]*flag, error) {
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a flagd file: %w", err)
	}
	if doc.Flags == nil {
		return nil, errors.New("not a flagd file: no flags")
	}
	if len(doc.Evaluators) > 0 {
		return nil, errors.New("$evaluators are not supported: Groundwork writes targeting inline")
	}
	var errs []error
	for key, f := range doc.Flags {
		if f == nil {
			errs = append(errs, fmt.Errorf("flag %q: empty", key))
			continue
		}
		if f.State != stateEnabled && f.State != stateDisabled {
			errs = append(errs, fmt.Errorf("flag %q: state %q is not ENABLED or DISABLED", key, f.State))
		}
		if len(f.Variants) == 0 {
			errs = append(errs, fmt.Errorf("flag %q: no variants", key))
		}
		if _, ok := f.Variants[f.DefaultVariant]; !ok && f.DefaultVariant != "" {
			errs = append(errs, fmt.Errorf("flag %q: default variant %q is not one of its variants", key, f.DefaultVariant))
		}
		if len(f.Targeting) > 0 && string(f.Targeting) != "null" {
			if err := json.Unmarshal(f.Targeting, &f.targeting); err != nil {
				errs = append(errs, fmt.Errorf("flag %q: targeting: %w", key, err))
			} else if m, ok := f.targeting.(map[string]any); ok && len(m) == 0 {
				f.targeting = nil // {} is no targeting, as in flagd
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return doc.Flags, nil
}

// Reasons an evaluation gives, as OpenFeature names them.
const (
	reasonStatic   = "STATIC"
	reasonDefault  = "DEFAULT"
	reasonTargeted = "TARGETING_MATCH"
	reasonDisabled = "DISABLED"
)

// result is what evaluating one flag gives.
type result struct {
	variant string
	value   any
	reason  string
}

// errTargeting is a targeting rule that gave a variant the flag lacks.
var errTargeting = errors.New("targeting gave a variant the flag does not have")

var registerOperators sync.Once

// evaluate resolves f for an evaluation context, as flagd does: a disabled
// flag has no value; no targeting gives the default variant (STATIC); a
// rule that returns a variant name gives that variant (TARGETING_MATCH); a
// rule that returns null gives the default variant (DEFAULT).
func evaluate(key string, f *flag, ctx map[string]any, now time.Time) (result, error) {
	if f.State == stateDisabled {
		return result{reason: reasonDisabled}, nil
	}
	if f.targeting == nil {
		return result{f.DefaultVariant, f.Variants[f.DefaultVariant], reasonStatic}, nil
	}
	registerOperators.Do(func() { jsonlogic.AddOperator("fractional", fractional) })
	data := make(map[string]any, len(ctx)+1)
	for k, v := range ctx {
		data[k] = v
	}
	data["$flagd"] = map[string]any{"flagKey": key, "timestamp": now.Unix()}
	out, err := jsonlogic.ApplyInterface(f.targeting, data)
	if err != nil {
		return result{}, fmt.Errorf("flag %q: targeting: %w", key, err)
	}
	var variant string
	switch v := out.(type) {
	case nil:
		return result{f.DefaultVariant, f.Variants[f.DefaultVariant], reasonDefault}, nil
	case string:
		variant = v
	case bool:
		variant = fmt.Sprint(v) // flagd accepts true/false as the names "true"/"false"
	default:
		return result{}, fmt.Errorf("flag %q: targeting returned %T, not a variant name", key, out)
	}
	value, ok := f.Variants[variant]
	if !ok {
		return result{}, fmt.Errorf("flag %q: %w: %q", key, errTargeting, variant)
	}
	return result{variant, value, reasonTargeted}, nil
}

// fractional is flagd's fractional operator: the evaluation is put in a
// bucket by murmur3 of the flag key and targeting key (or of a first
// string argument), and the weights split the buckets between variants.
func fractional(values, data any) any {
	args, ok := values.([]any)
	if !ok || len(args) == 0 {
		return nil
	}
	ctx, _ := data.(map[string]any)
	var bucketBy string
	if s, ok := args[0].(string); ok {
		bucketBy, args = s, args[1:]
	} else {
		fd, _ := ctx["$flagd"].(map[string]any)
		key, _ := ctx["targetingKey"].(string)
		if key == "" || fd == nil {
			return nil
		}
		bucketBy = fmt.Sprint(fd["flagKey"]) + key
	}
	type bucket struct {
		variant any
		weight  uint64
	}
	var buckets []bucket
	var total uint64
	for _, a := range args {
		entry, ok := a.([]any)
		if !ok || len(entry) == 0 || len(entry) > 2 {
			return nil
		}
		w := uint64(1)
		if len(entry) == 2 {
			f, ok := entry[1].(float64)
			if !ok || f < 0 || f != float64(int64(f)) {
				return nil
			}
			w = uint64(f)
		}
		buckets = append(buckets, bucket{entry[0], w})
		total += w
	}
	if total == 0 || total > 1<<31-1 {
		return nil
	}
	point := (uint64(murmur3([]byte(bucketBy))) * total) >> 32
	var sum uint64
	for _, b := range buckets {
		sum += b.weight
		if sum > point {
			return b.variant
		}
	}
	return nil
}

// murmur3 is MurmurHash3 x86 32-bit with seed 0, the hash flagd buckets by.
func murmur3(data []byte) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h uint32
	n := len(data) / 4
	for i := range n {
		k := uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
		h = h<<13 | h>>19
		h = h*5 + 0xe6546b64
	}
	var k uint32
	tail := data[4*n:]
	switch len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
