package flags

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/groundwork-dev/groundwork/backend/flags/flagstest"
	"github.com/groundwork-dev/groundwork/backend/logging"
)

// generated is the api's flag file that Groundwork generates for env.
func generated(env string) string {
	return filepath.Join("..", "..", "environments", env, "flags", "api.flagd.json")
}

func client(t *testing.T, p openfeature.FeatureProvider, hooks ...openfeature.Hook) *openfeature.Client {
	t.Helper()
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	api.AddHooks(hooks...)
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	return api.NewClient()
}

func provider(t *testing.T, path string) *FileProvider {
	t.Helper()
	p, err := NewFileProvider(path, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The generated files give each environment what specs/services/api.yaml
// says, through OpenFeature, as flagd's evaluator does (generators/flags
// checks the same files with flagd-core).
func TestGeneratedFiles(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		env      string
		checkout bool
		receipt  string
	}{
		{"dev", true, "detailed"},
		{"staging", true, "plain"},
		{"prod", false, "plain"},
		{"sandbox", false, "plain"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			c := client(t, provider(t, generated(tc.env)))
			none := openfeature.NewTargetlessEvaluationContext(nil)
			on, err := c.BooleanValue(ctx, "new-checkout", !tc.checkout, none)
			if err != nil || on != tc.checkout {
				t.Errorf("new-checkout = %t (%v), want %t", on, err, tc.checkout)
			}
			r, err := c.StringValue(ctx, "receipt-format", "", none)
			if err != nil || r != tc.receipt {
				t.Errorf("receipt-format = %q (%v), want %q", r, err, tc.receipt)
			}
		})
	}
	// sandbox: on for partner globex only.
	c := client(t, provider(t, generated("sandbox")))
	for partner, want := range map[string]bool{"globex": true, "initech": false} {
		got, err := c.BooleanValue(ctx, "new-checkout", !want, openfeature.NewEvaluationContext("someone", map[string]any{"partner": partner}))
		if err != nil || got != want {
			t.Errorf("sandbox, partner %s: new-checkout = %t (%v), want %t", partner, got, err, want)
		}
	}
}

// In prod, new-checkout is on for 10% of customers, and for the same
// customers as in flagd: these are the keys flagd-core 4.0.1 puts in the
// "on" bucket of environments/prod/flags/api.flagd.json, among customer-0
// to customer-199.
func TestRolloutBucketsAsFlagd(t *testing.T) {
	flagdOn := []int{5, 6, 7, 9, 15, 29, 46, 69, 72, 86, 93, 112, 117, 120, 122, 124, 140, 152, 160, 169, 174, 180, 181, 187, 188, 190, 195}
	c := client(t, provider(t, generated("prod")))
	var on []int
	for i := range 200 {
		ec := openfeature.NewEvaluationContext("customer-"+strconv.Itoa(i), nil)
		d, err := c.BooleanValueDetails(context.Background(), "new-checkout", false, ec)
		if err != nil {
			t.Fatal(err)
		}
		if d.Reason != openfeature.TargetingMatchReason {
			t.Fatalf("customer-%d: reason %s", i, d.Reason)
		}
		if d.Value {
			on = append(on, i)
		}
	}
	if !slices.Equal(on, flagdOn) {
		t.Errorf("on for %v\nflagd: %v", on, flagdOn)
	}
}

func TestMurmur3(t *testing.T) {
	// Reference values of MurmurHash3 x86_32, seed 0.
	for s, want := range map[string]uint32{"": 0, "a": 0x3c2569b2, "abc": 0xb3dd93fa, "Hello, world!": 0xc0363e43} {
		if got := murmur3([]byte(s)); got != want {
			t.Errorf("murmur3(%q) = %#x, want %#x", s, got, want)
		}
	}
}

// A flipped file takes effect on the next evaluation after the refresh,
// without a new provider; a broken file leaves the last good flags; the
// hook counts each evaluation by variant and logs it with the request ID.
func TestReloadAndHook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.flagd.json")
	data, err := os.ReadFile(generated("dev"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := logging.New(&logs, slog.LevelInfo)
	p, err := NewFileProvider(path, time.Minute, logger)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	p.now = func() time.Time { return clock }
	reg := prometheus.NewRegistry()
	hook := NewMetricsHook(reg, logger)
	c := client(t, p, hook)
	ctx := logging.WithRequestID(context.Background(), "req-42")
	eval := func() bool {
		v, _ := c.BooleanValue(ctx, "new-checkout", false, openfeature.NewTargetlessEvaluationContext(nil))
		return v
	}
	count := func(variant string) float64 {
		return testutil.ToFloat64(hook.evaluations.WithLabelValues("new-checkout", variant, "STATIC"))
	}

	if !eval() {
		t.Fatal("dev: new-checkout is off, want on")
	}
	flagstest.SetDefault(t, path, "new-checkout", "off")
	if !eval() {
		t.Error("the file was reread before the refresh interval")
	}
	clock = clock.Add(time.Minute)
	if eval() {
		t.Error("flipped to off in the file, still on after the refresh")
	}
	if count("on") != 2 || count("off") != 1 {
		t.Errorf("evaluations: on %v, off %v; want 2 and 1", count("on"), count("off"))
	}

	if err := os.WriteFile(path, []byte(`{"flags": {"new-checkout": {"state": "ON"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if eval() {
		t.Error("a broken file changed the flags")
	}
	if !strings.Contains(logs.String(), "not valid; keeping the flags read before") {
		t.Errorf("a broken file was not logged:\n%s", logs.String())
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if !eval() {
		t.Error("the fixed file was not read")
	}
	if !strings.Contains(logs.String(), `"request_id":"req-42"`) || !strings.Contains(logs.String(), `"msg":"flag evaluated"`) {
		t.Errorf("evaluations are not logged with the request ID:\n%s", logs.String())
	}
}
