package spec

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestHugeSecretsListRefusedQuickly builds a service with four million
// secrets, as a ten-line Jsonnet file can, and validates it: one diagnostic,
// and no time spent on the entries.
func TestHugeSecretsListRefusedQuickly(t *testing.T) {
	t.Parallel()
	m, err := Load("testdata/base")
	if err != nil {
		t.Fatal(err)
	}
	api := m.Service("api")
	api.Secrets = make([]string, 4_000_000)
	for i := range api.Secrets {
		api.Secrets[i] = fmt.Sprintf("secret-%d", i)
	}
	start := time.Now()
	diags := validate(m, nil)
	took := time.Since(start)
	t.Logf("validated 4,000,000 secrets in %v", took)
	want := "specs/services/api.yaml:10:10: secrets: 4000000 entries; Groundwork takes at most 100 secrets in a service: a list this long is a mistake or a generated runaway, so none of its entries were checked [value]"
	if got := diags.Error(); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	if took > 500*time.Millisecond {
		t.Errorf("refusing took %v; want well under a second", took)
	}
}

// TestEveryListBounded walks the spec types: every list and map must have a
// bound in listBounds, or a spec could grow it without limit.
func TestEveryListBounded(t *testing.T) {
	t.Parallel()
	seen := map[reflect.Type]bool{}
	var walk func(tp reflect.Type, generic string)
	walk = func(tp reflect.Type, generic string) {
		switch tp.Kind() {
		case reflect.Pointer:
			walk(tp.Elem(), generic)
		case reflect.Struct:
			if seen[tp] {
				return
			}
			for i := range tp.NumField() {
				name, _, _ := strings.Cut(tp.Field(i).Tag.Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				path := joinPath(generic, name)
				if f := tp.Field(i); f.Type.Kind() == reflect.Slice {
					// The schema tells editors the same bound (or GitHub's
					// stricter one, which validation reports in its own words).
					_, tag, _ := strings.Cut(f.Tag.Get("jsonschema"), "maxItems=")
					tag, _, _ = strings.Cut(tag, ",")
					if n, err := strconv.Atoi(tag); err != nil || n > listBounds[path].max {
						t.Errorf("%s: jsonschema tag maxItems=%q; want the bound of listBounds, %d, or less", path, tag, listBounds[path].max)
					}
				}
				walk(tp.Field(i).Type, path)
			}
		case reflect.Slice, reflect.Map:
			if _, ok := listBounds[generic]; !ok {
				t.Errorf("%s has no bound in listBounds", generic)
			}
			if tp.Kind() == reflect.Slice {
				walk(tp.Elem(), generic+"[]")
			} else {
				walk(tp.Elem(), joinPath(generic, "*"))
			}
		}
	}
	for _, v := range []any{Platform{}, Environment{}, Service{}} {
		walk(reflect.TypeOf(v), "")
	}
	for path := range stringBounds {
		if strings.Count(path, "[]") == 0 && !strings.Contains(path, ".") {
			t.Errorf("string bound %q names no field", path)
		}
	}
}

// TestScanGaps pins the longest gap of schedules whose runs a naive walk
// would miss.
func TestScanGaps(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tc := range []struct {
		spec  string
		gap   time.Duration
		fires bool
	}{
		{"0 3 * * *", day, true},
		{"*/15 * * * *", 15 * time.Minute, true},
		{"0 3 * * 0", 7 * day, true},
		{"0 1,23 * * *", 22 * time.Hour, true},
		{"0 3 1 * *", 31 * day, true},
		{"0 3 31 * *", 61 * day, true},             // 31 August to 31 October
		{"* * * 1 *", 335*day + time.Minute, true}, // every minute of January, then February to December of a leap year
		{"0 3 29 2 *", 1461 * day, true},           // leap days
		{"0 3 30 2 *", 0, false},                   // no such day
		{"0 3 31 2,4,6 *", 0, false},               // nor these
		{"0 3 29 2 1", 350 * day, true},            // Mondays of February or the 29th: robfig ORs the days
		{"59 23 31 12 *", 366 * day, true},         // yearly: the longest is across a leap year
	} {
		s, err := cron.ParseStandard(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if gap, fires := scanGaps(s.(*cron.SpecSchedule)); gap != tc.gap || fires != tc.fires {
			t.Errorf("%q: gap %v fires %v, want %v and %v", tc.spec, gap, fires, tc.gap, tc.fires)
		}
	}
}

// BenchmarkScanGaps is the cost of a schedule's gap: a fixed walk of one
// 28-year cycle of days, about the same for every schedule.
func BenchmarkScanGaps(b *testing.B) {
	for _, spec := range []string{"0 3 * * *", "* * * 1 *", "0 3 30 2 *"} {
		s, _ := cron.ParseStandard(spec)
		b.Run(spec, func(b *testing.B) {
			for b.Loop() {
				scanGaps(s.(*cron.SpecSchedule))
			}
		})
	}
}
