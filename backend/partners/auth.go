package partners

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/groundwork-dev/groundwork/backend/internal/respond"
	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// Config names the two files [Auth] reads.
type Config struct {
	// PartnersFile is the partners file ([File]), PARTNERS_FILE.
	PartnersFile string
	// KeysFile is the keys file ([KeyFile]), PARTNER_KEYS_FILE.
	KeysFile string
	// Refresh is how often the files are looked at (default [DefaultRefresh]).
	Refresh time.Duration
}

// Metric labels of callers the files do not name.
const (
	unknownPartner = "unknown"
	noKey          = "none"
)

// Identity is who made a request: the partner and the id of its key.
type Identity struct {
	Partner string
	KeyID   string
}

type identityKey struct{}

// FromContext returns the identity [Auth.Require] authenticated.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Auth authenticates partner requests; see [Auth.Require].
type Auth struct {
	partners *watched[File]
	keys     *watched[map[string]KeyRecord]
	log      *slog.Logger
	requests *prometheus.CounterVec
	now      func() time.Time

	mu       sync.Mutex
	limiters map[string]*rate.Limiter // by key id, so a partner's keys do not share a budget
}

// New reads the two files and registers partner_requests_total on reg. A
// file that is missing admits no one (logged); one that does not parse is
// an error.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Auth, error) {
	a := &Auth{log: logger, now: time.Now, limiters: map[string]*rate.Limiter{}}
	refresh := cmp.Or(cfg.Refresh, DefaultRefresh)
	var err error
	if a.partners, err = watch(cfg.PartnersFile, "partners file", refresh, ParseFile, logger, a.now); err != nil {
		return nil, err
	}
	if a.keys, err = watch(cfg.KeysFile, "partner keys file", refresh, parseKeyIndex, logger, a.now); err != nil {
		return nil, err
	}
	a.requests = metrics.NewPartnerRequests(reg)
	return a, nil
}

// parseKeyIndex reads a keys file into its records by id.
func parseKeyIndex(data []byte) (map[string]KeyRecord, error) {
	f, err := ParseKeyFile(data)
	if err != nil {
		return nil, err
	}
	index := make(map[string]KeyRecord, len(f.Keys))
	for _, k := range f.Keys {
		index[k.ID] = k
	}
	return index, nil
}

// Require serves next only to partners holding a live key with scope:
// Authorization: Bearer <key>, nothing else. It answers 401 when the key is
// missing, malformed, of another environment, unknown, revoked or of a
// partner this environment does not admit; 429 when the key's rate limit
// is spent; 403 when the partner lacks scope. next finds the caller with
// [FromContext]. Every answer is counted in partner_requests_total and
// the caller is put on the request's log lines (see [Track]).
func (a *Auth) Require(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := a.authenticate(r.Header.Get("Authorization"))
		setLogAttrs(r.Context(), c.logAttrs())
		rec := &respond.Recorder{ResponseWriter: w}
		defer func() {
			// A handler that panics is counted as the 500 net/http makes of it.
			p := recover()
			code := cmp.Or(rec.Status, http.StatusOK)
			if p != nil && rec.Status == 0 {
				code = http.StatusInternalServerError
			}
			a.requests.WithLabelValues(c.partnerLabel, c.keyLabel, strconv.Itoa(code)).Inc()
			if p != nil {
				panic(p)
			}
		}()

		if c.refusal != "" {
			a.log.InfoContext(r.Context(), "partner request refused", "reason", c.refusal)
			rec.Header().Set("WWW-Authenticate", `Bearer realm="partner"`)
			WriteError(rec, http.StatusUnauthorized, c.refusal)
			return
		}
		// The budget is spent before the scope is checked, so that a
		// client hammering a route it may not call is slowed down too.
		if wait, ok := a.allow(rec, c.id.KeyID, c.partner.RateLimit); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			rec.Header().Set("Retry-After", strconv.Itoa(secs))
			WriteError(rec, http.StatusTooManyRequests, fmt.Sprintf("rate limit of key %s reached (%d requests a minute, bursts of %d): retry after %d s",
				c.id.KeyID, c.partner.RateLimit.PerMinute, c.partner.RateLimit.Burst, secs))
			return
		}
		if !slices.Contains(c.partner.Scopes, scope) {
			rec.Header().Set("WWW-Authenticate", `Bearer realm="partner", error="insufficient_scope", scope="`+scope+`"`)
			WriteError(rec, http.StatusForbidden, fmt.Sprintf("partner %s may not call %s: it needs %s", c.id.Partner, cmp.Or(r.Pattern, r.Method+" "+r.URL.Path), scope))
			return
		}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), identityKey{}, c.id)))
	})
}

// credential is what the Authorization header turned out to be.
type credential struct {
	id      Identity
	partner Partner
	// refusal says why the request is refused, "" when it is not. It may
	// name the key id and the partner, never the key.
	refusal string
	// Labels of partner_requests_total: set only from the files.
	partnerLabel, keyLabel string
}

func (c credential) logAttrs() []slog.Attr {
	var attrs []slog.Attr
	if c.id.Partner != "" {
		attrs = append(attrs, slog.String("partner", c.id.Partner))
	}
	if c.id.KeyID != "" {
		attrs = append(attrs, slog.String("key_id", c.id.KeyID))
	}
	return attrs
}

// authenticate checks the Authorization header value against the files.
// The key's hash is compared before anything about the key's record is
// told, so that a caller without the secret learns nothing of an id.
func (a *Auth) authenticate(header string) credential {
	c := credential{partnerLabel: unknownPartner, keyLabel: noKey}
	scheme, key, found := strings.Cut(header, " ")
	switch {
	case header == "":
		c.refusal = "missing Authorization header: send Authorization: Bearer <API key>"
		return c
	case !found || !strings.EqualFold(scheme, "Bearer"):
		c.refusal = "the Authorization header must be Bearer <API key>"
		return c
	}
	key = strings.TrimSpace(key)
	prefix, id, err := ParseKey(key)
	if err != nil {
		c.refusal = ErrMalformedKey.Error()
		return c
	}
	file := a.partners.get()
	if file.KeyPrefix == "" {
		c.refusal = "no partner is admitted to this environment"
		return c
	}
	if prefix != file.KeyPrefix {
		c.refusal = fmt.Sprintf("this key is for another environment: it starts %s, and %s takes keys starting %s",
			prefix, cmp.Or(file.Environment, "this environment"), file.KeyPrefix)
		return c
	}
	rec, ok := a.keys.get()[id]
	if !ok || !rec.Matches(key) {
		c.refusal = "unknown API key"
		return c
	}
	c.id, c.keyLabel = Identity{Partner: rec.Partner, KeyID: rec.ID}, rec.ID
	p, admitted := file.Partners[rec.Partner]
	if admitted {
		c.partner, c.partnerLabel = p, rec.Partner
	}
	switch {
	case !rec.Live():
		c.refusal = fmt.Sprintf("API key %s was revoked at %s", rec.ID, rec.Revoked.Format(time.RFC3339))
	case !admitted:
		c.refusal = fmt.Sprintf("partner %s is not admitted to %s", rec.Partner, cmp.Or(file.Environment, "this environment"))
	}
	return c
}

// allow takes one request from the key's token bucket and sets the
// RateLimit-Limit and RateLimit-Remaining headers. When the bucket is
// empty it takes nothing and returns how long until it holds one.
func (a *Auth) allow(w http.ResponseWriter, keyID string, rl RateLimit) (time.Duration, bool) {
	now := a.now()
	l := a.limiter(keyID, rl)
	res := l.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	if wait > 0 {
		res.CancelAt(now)
	}
	w.Header().Set("RateLimit-Limit", strconv.Itoa(rl.Burst))
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(max(0, int(l.TokensAt(now)))))
	return wait, wait == 0
}

// limiter returns the key's bucket, made on its first request and kept in
// step with the partners file. Only keys found in the keys file get one, so
// the map is bounded by the keys issued.
func (a *Auth) limiter(keyID string, rl RateLimit) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	limit := rate.Limit(float64(rl.PerMinute) / 60)
	l, ok := a.limiters[keyID]
	switch {
	case !ok:
		l = rate.NewLimiter(limit, rl.Burst)
		a.limiters[keyID] = l
	case l.Limit() != limit || l.Burst() != rl.Burst:
		l.SetLimit(limit)
		l.SetBurst(rl.Burst)
	}
	return l
}
