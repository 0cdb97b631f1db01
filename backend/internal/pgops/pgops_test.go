package pgops

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestKeysAndNewestManifest(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 4, 30, 5, 999, time.FixedZone("CET", 3600))
	if got := dumpKey("api/", at); got != "api/20261201T033005Z.dump" {
		t.Errorf("dumpKey = %s; want the UTC second", got)
	}
	if got := manifestKey("", at); got != "20261201T033005Z.json" {
		t.Errorf("manifestKey = %s", got)
	}
	keys := []string{
		"api/20261130T033000Z.dump", "api/20261130T033000Z.json",
		"api/20261201T033005Z.dump", // its manifest never came: not a backup
		"api/20261129T033000Z.json",
		"api/notes.json", "api/20261301T000000Z.json", // not stamps
		"api/old/20991231T000000Z.json", // below the prefix, not at it
	}
	if got, ok := newestManifest("api/", keys); !ok || got != "api/20261130T033000Z.json" {
		t.Errorf("newestManifest = %q, %v", got, ok)
	}
	if _, ok := newestManifest("api/", []string{"api/x.dump"}); ok {
		t.Error("a manifest found where there is none")
	}
}

func TestManifestCheck(t *testing.T) {
	t.Parallel()
	good := Manifest{Format: 1, Time: time.Now(), Database: "api", Dump: Dump{Key: "k", Size: 1, SHA256: strings.Repeat("a", 64)},
		Inventory: Inventory{SampleRows: 10, Tables: []Table{{Schema: "public", Name: "a"}, {Schema: "x", Name: "a"}}}}
	if err := good.check(); err != nil {
		t.Errorf("good manifest: %v", err)
	}
	bad := good
	bad.Format, bad.Dump.SHA256 = 2, "abc"
	bad.Tables = append(bad.Tables, Table{Schema: "public", Name: "a"})
	err := bad.check()
	for _, want := range []string{"format 2", "no dump key, size and sha256", "a table listed twice"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check() = %v, want it to say %q", err, want)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	backup := Inventory{SampleRows: 1000, Migration: &Migration{"schema_migrations", "2"}, Tables: []Table{
		{Schema: "public", Name: "orders", Rows: 1500, Key: []string{"id"}, SampleMD5: "aaaaaaaaaaaaaaaa"},
		{Schema: "public", Name: "log", Rows: 3},
		{Schema: "public", Name: "gone", Rows: 1},
	}}
	if d := compare(backup, backup); len(d) != 0 {
		t.Errorf("an inventory differs from itself: %v", d)
	}
	restored := Inventory{SampleRows: 1000, Tables: []Table{
		{Schema: "public", Name: "orders", Rows: 1500, Key: []string{"id"}, SampleMD5: "bbbbbbbbbbbbbbbb"},
		{Schema: "public", Name: "log", Rows: 2},
		{Schema: "public", Name: "new", Rows: 0},
	}}
	got := strings.Join(compare(backup, restored), "\n")
	want := strings.Join([]string{
		"migration table schema_migrations missing, the backup recorded version 2",
		"public.orders: the first 1000 rows by primary key differ (checksum bbbbbbbbbbbb, the backup's aaaaaaaaaaaa)",
		"public.log has 2 rows, the backup had 3",
		"table public.gone missing",
		"table public.new restored, but not in the backup's manifest",
	}, "\n")
	if got != want {
		t.Errorf("compare:\n%s\nwant:\n%s", got, want)
	}
}

func TestSampleQueryOrdersTextByBytes(t *testing.T) {
	t.Parallel()
	q := sampleQuery(Table{Schema: "billing", Name: "Accounts", Key: []string{"code", "n"}}, []bool{true, false})
	want := `SELECT coalesce(md5(string_agg(s::text, E'\n' ORDER BY "code" COLLATE "C", "n")), md5('')) FROM (SELECT * FROM "billing"."Accounts" ORDER BY "code" COLLATE "C", "n" LIMIT $1) s`
	if q != want {
		t.Errorf("sampleQuery:\n%s\nwant\n%s", q, want)
	}
}

func TestErrorLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ stderr, want string }{
		{"pg_restore: connecting to database for restore\npg_restore: error: could not read from input file: end of file\n", "pg_restore: error: could not read from input file: end of file"},
		{"pg_dump: error: query failed: ERROR:  permission denied for table x\npg_dump: detail: Query was: LOCK TABLE x\n", "pg_dump: error: query failed: ERROR:  permission denied for table x"},
		{"something odd\nthe last words\n", "the last words"},
		{"", ""},
	} {
		var tail stderrTail
		tail.Write([]byte(tt.stderr))
		if got := tail.errorLine(); got != tt.want {
			t.Errorf("errorLine(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
	var tail stderrTail
	tail.Write([]byte(strings.Repeat("x", 3*tailBytes)))
	if len(tail.buf) != tailBytes {
		t.Errorf("the tail keeps %d bytes, want %d", len(tail.buf), tailBytes)
	}
}

// TestReportOfAnEarlyFailure: a drill that failed before it found a backup
// still reports, with what it knows.
func TestReportOfAnEarlyFailure(t *testing.T) {
	t.Parallel()
	r := &DrillReport{Bucket: "b", Prefix: "api/", Started: time.Unix(0, 0).UTC(), Finished: time.Unix(1, 0).UTC(),
		Err: errors.New("restore drill failed: no backup manifest\nunder s3://b/api/")}
	md := r.Markdown(2)
	for _, want := range []string{"## Restore drill: FAILED", "**Failure:** restore drill failed: no backup manifest; under s3://b/api/", "| backups | `s3://b/api/` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "RTO") || strings.Contains(md, "Tables") {
		t.Errorf("report of a drill that restored nothing shows figures:\n%s", md)
	}
}
