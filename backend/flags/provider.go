package flags

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
)

// DefaultRefresh is how often the provider looks at its file. The kubelet
// takes up to a minute to update a mounted ConfigMap; a second more is
// nothing, and reading a few kilobytes a second is free.
const DefaultRefresh = time.Second

// FileProvider is an OpenFeature provider over one flagd file.
type FileProvider struct {
	path    string
	refresh time.Duration
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	data    []byte // the file as last read
	flags   map[string]*flag
	checked time.Time
}

// NewFileProvider reads the flagd file at path, which must be valid: a
// service that cannot read its flags at start must say so, not run on
// defaults. Afterwards a file that goes missing or breaks is logged and
// the last good flags stay.
func NewFileProvider(path string, refresh time.Duration, logger *slog.Logger) (*FileProvider, error) {
	p := &FileProvider{path: path, refresh: refresh, log: logger, now: time.Now}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	flags, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("flags: %s: %w", path, err)
	}
	p.data, p.flags, p.checked = data, flags, p.now()
	return p, nil
}

// current returns the flags, rereading the file when refresh has passed
// since it last looked.
func (p *FileProvider) current() map[string]*flag {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Sub(p.checked) < p.refresh {
		return p.flags
	}
	p.checked = now
	data, err := os.ReadFile(p.path)
	if err != nil {
		p.log.Error("flags: cannot read the flag file; keeping the flags read before", "path", p.path, "error", err)
		return p.flags
	}
	if bytes.Equal(data, p.data) {
		return p.flags
	}
	p.data = data // a broken file is reported once, not on every look
	flags, err := parse(data)
	if err != nil {
		p.log.Error("flags: the flag file changed and is not valid; keeping the flags read before", "path", p.path, "error", err)
		return p.flags
	}
	p.flags = flags
	p.log.Info("flags: reloaded", "path", p.path, "flags", len(flags))
	return flags
}

// Metadata names the provider.
func (p *FileProvider) Metadata() openfeature.Metadata {
	return openfeature.Metadata{Name: "groundwork-flagd-file"}
}

// Hooks are none: MetricsHook is added to the API by the service.
func (p *FileProvider) Hooks() []openfeature.Hook { return nil }

// resolve evaluates key and checks its value's type with ok.
func (p *FileProvider) resolve(key string, flatCtx openfeature.FlattenedContext, ok func(any) bool) (any, openfeature.ProviderResolutionDetail) {
	f, found := p.current()[key]
	if !found {
		return nil, openfeature.ProviderResolutionDetail{
			ResolutionError: openfeature.NewFlagNotFoundResolutionError(fmt.Sprintf("flag %q is not in the flag file", key)),
			Reason:          openfeature.ErrorReason,
		}
	}
	r, err := evaluate(key, f, flatCtx, p.now())
	if err != nil {
		re := openfeature.NewGeneralResolutionError(err.Error())
		if errors.Is(err, errTargeting) {
			re = openfeature.NewParseErrorResolutionError(err.Error())
		}
		return nil, openfeature.ProviderResolutionDetail{ResolutionError: re, Reason: openfeature.ErrorReason}
	}
	detail := openfeature.ProviderResolutionDetail{Reason: openfeature.Reason(r.reason), Variant: r.variant}
	if r.reason == reasonDisabled {
		return nil, detail
	}
	if !ok(r.value) {
		return nil, openfeature.ProviderResolutionDetail{
			ResolutionError: openfeature.NewTypeMismatchResolutionError(fmt.Sprintf("flag %q: variant %q is a %T", key, r.variant, r.value)),
			Reason:          openfeature.ErrorReason,
		}
	}
	return r.value, detail
}

// BooleanEvaluation resolves a boolean flag.
func (p *FileProvider) BooleanEvaluation(_ context.Context, key string, def bool, flatCtx openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	v, d := p.resolve(key, flatCtx, func(v any) bool { _, ok := v.(bool); return ok })
	b, ok := v.(bool)
	if !ok {
		b = def
	}
	return openfeature.BoolResolutionDetail{Value: b, ProviderResolutionDetail: d}
}

// StringEvaluation resolves a string flag.
func (p *FileProvider) StringEvaluation(_ context.Context, key string, def string, flatCtx openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	v, d := p.resolve(key, flatCtx, func(v any) bool { _, ok := v.(string); return ok })
	s, ok := v.(string)
	if !ok {
		s = def
	}
	return openfeature.StringResolutionDetail{Value: s, ProviderResolutionDetail: d}
}

// FloatEvaluation resolves a number flag.
func (p *FileProvider) FloatEvaluation(_ context.Context, key string, def float64, flatCtx openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	v, d := p.resolve(key, flatCtx, func(v any) bool { _, ok := v.(float64); return ok })
	f, ok := v.(float64)
	if !ok {
		f = def
	}
	return openfeature.FloatResolutionDetail{Value: f, ProviderResolutionDetail: d}
}

// IntEvaluation resolves a number flag that holds a whole number.
func (p *FileProvider) IntEvaluation(_ context.Context, key string, def int64, flatCtx openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	v, d := p.resolve(key, flatCtx, func(v any) bool { f, ok := v.(float64); return ok && f == float64(int64(f)) })
	f, ok := v.(float64)
	if !ok {
		return openfeature.IntResolutionDetail{Value: def, ProviderResolutionDetail: d}
	}
	return openfeature.IntResolutionDetail{Value: int64(f), ProviderResolutionDetail: d}
}

// ObjectEvaluation resolves an object flag (or any value).
func (p *FileProvider) ObjectEvaluation(_ context.Context, key string, def any, flatCtx openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	v, d := p.resolve(key, flatCtx, func(any) bool { return true })
	if v == nil {
		v = def
	}
	return openfeature.InterfaceResolutionDetail{Value: v, ProviderResolutionDetail: d}
}
