package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groundwork-dev/groundwork/backend/internal/opstest"
	"github.com/groundwork-dev/groundwork/backend/internal/orders"
	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
	"github.com/groundwork-dev/groundwork/backend/internal/pgtest"
)

// db is the test binary's PostgreSQL; the drill starts scratch servers of
// its own beside it.
var db *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, func(s *pgtest.Server) { db = s }) }

const (
	bucket    = "acme-dev-api-backups"
	prefix    = "api/"
	namespace = "api"
)

// result is one run of pgops.
type result struct {
	code           int
	stdout, stderr string
}

func runPgops(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, os.Getenv, &stdout, &stderr)
	t.Logf("pgops %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr.String())
	return result{code, stdout.String(), stderr.String()}
}

// libpqEnv points libpq's variables at the database of url, as the Job's
// Secret does.
func libpqEnv(t *testing.T, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	for k, v := range map[string]string{
		"PGHOST": host, "PGPORT": port, "PGDATABASE": strings.TrimPrefix(u.Path, "/"),
		"PGUSER": u.User.Username(), "PGSSLMODE": "disable", "PGPASSWORD": "", "DATABASE_URL": "", "DATABASE_AUTH": "",
	} {
		t.Setenv(k, v)
	}
}

// seed makes the reference service's schema, and tables that try the
// inventory: a text primary key (collation), one without a primary key
// (counted only), values whose text depends on session settings (time
// zones, floats, bytea, intervals), NULLs, and an empty table.
func seed(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := orders.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO orders (sku, qty, status) SELECT 'sku-' || i, 1 + i % 7, CASE WHEN i % 3 = 0 THEN 'processed' ELSE 'pending' END FROM generate_series(1, 1500) i`,
		`CREATE SCHEMA billing`,
		`CREATE TABLE billing.accounts (code text PRIMARY KEY, opened timestamptz, balance numeric(12,2), ratio double precision, blob bytea, wait interval, note text)`,
		`INSERT INTO billing.accounts SELECT 'Acct-' || chr(65 + i % 26) || i, '2026-01-01 12:00+02'::timestamptz + i * interval '1 hour', i * 1.25, 1.0 / (i + 1), decode(md5(i::text), 'hex'), i * interval '90 seconds', CASE WHEN i % 5 = 0 THEN NULL ELSE 'ü-' || i END FROM generate_series(1, 1200) i`,
		`CREATE TABLE audit_log (at timestamptz DEFAULT now(), line text)`,
		`INSERT INTO audit_log (line) SELECT 'line ' || i FROM generate_series(1, 40) i`,
		`CREATE TABLE empty_things (a int, b int, PRIMARY KEY (a, b))`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// setup is a database, a bucket on an S3 server in this process
// (opstest.StartS3, so that go test ./... needs no moto_server), a
// Pushgateway stand-in and the environment of a backup or drill Job
// pointing at them.
func setup(t *testing.T) (string, *s3.Client, *opstest.Pushgateway) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL; -short skips it")
	}
	endpoint := opstest.StartS3(t)
	b, pgw := opstest.JobEnv(t, endpoint, bucket, prefix, namespace)
	dbURL := db.NewDatabase(t)
	seed(t, dbURL)
	libpqEnv(t, dbURL)
	return dbURL, b.Client, pgw
}

func near(v float64, t time.Time, within time.Duration) bool {
	return math.Abs(v-float64(t.UnixNano())/1e9) < within.Seconds()
}

// count is the exact row count of a table of the database at dbURL.
func count(t *testing.T, dbURL, table string) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupAndDrill runs the backup and the drill against real PostgreSQL,
// an S3 API over HTTP (gofakes3) and the Pushgateway stand-in: a drill of a
// good backup passes with the numbers the backup recorded, and a corrupt
// dump, a truncated one, and data that is not what the manifest says each
// fail it with one clear line and a pushed failure.
func TestBackupAndDrill(t *testing.T) {
	dbURL, client, pgw := setup(t)
	start := time.Now()

	r := runPgops(t, "backup")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("backup: exit %d, stderr %q", r.code, r.stderr)
	}
	ks := backups(client).Keys(t)
	if len(ks) != 2 || !strings.HasSuffix(ks[0], ".dump") || !strings.HasSuffix(ks[1], ".json") || !strings.HasPrefix(ks[0], prefix) {
		t.Fatalf("bucket holds %v, want api/<stamp>.dump and api/<stamp>.json", ks)
	}
	manifestKey, dumpKey := ks[1], ks[0]
	var m pgops.Manifest
	if err := json.Unmarshal(backups(client).Get(t, manifestKey), &m); err != nil {
		t.Fatal(err)
	}
	dump := backups(client).Get(t, dumpKey)
	if m.Dump.Key != dumpKey || m.Dump.Size != int64(len(dump)) || !bytes.HasPrefix(dump, []byte("PGDMP")) {
		t.Errorf("manifest dump %+v; the object is %d bytes starting %q", m.Dump, len(dump), dump[:min(5, len(dump))])
	}
	if m.Migration == nil || m.Migration.Table != "schema_migrations" || m.Migration.Version != "3" {
		t.Errorf("manifest migration %+v, want version 3 of schema_migrations", m.Migration)
	}
	want := map[string]int64{"billing.accounts": 1200, "public.audit_log": 40, "public.empty_things": 0, "public.orders": 1500, "public.schema_migrations": 3}
	got := map[string]int64{}
	for _, tb := range m.Tables {
		got[tb.String()] = tb.Rows
		if (tb.SampleMD5 == "") != (tb.String() == "public.audit_log") {
			t.Errorf("%s: sample md5 %q; only the table without a primary key has none", tb, tb.SampleMD5)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("manifest counts %v, want %v", got, want)
	}
	if !strings.Contains(r.stdout, "5 tables, 2743 rows, migration version 3") {
		t.Errorf("backup output %q", r.stdout)
	}
	backup := pgw.Group("backup", namespace)
	if !near(backup["backup_last_success_timestamp_seconds"], time.Now(), time.Minute) ||
		backup["backup_size_bytes"] != float64(len(dump)) || backup["backup_duration_seconds"] <= 0 ||
		backup["backup_duration_seconds"] > time.Since(start).Seconds() || len(backup) != 3 {
		t.Errorf("pushed for the backup: %v, want its time, size %d and duration, and no failure", backup, len(dump))
	}

	// Rows written after the backup are not the drill's business: it
	// checks the restored copy against the backup, not against today.
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	conn.Exec(context.Background(), "INSERT INTO orders (sku, qty) VALUES ('late', 1)")
	conn.Close(context.Background())

	t.Run("a good backup passes", func(t *testing.T) {
		r := runPgops(t, "drill")
		if r.code != exitOK || r.stderr != "" {
			t.Fatalf("drill: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
		}
		for _, want := range []string{"# Restore drill: PASSED", "size and sha256 match the manifest", "3 (`schema_migrations`), restored the same",
			"| `public.orders` | 1500 | 1500 | md5 `", "| `public.audit_log` | 40 | 40 | no primary key: counted only |", "**RTO**", "**RPO**"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, r.stdout)
			}
		}
		drill := pgw.Group("restore-drill", namespace)
		if drill["restore_drill_last_run_success"] != 1 || !near(drill["restore_drill_last_success_timestamp_seconds"], time.Now(), time.Minute) ||
			drill["restore_drill_duration_seconds"] <= 0 || drill["restore_drill_rpo_seconds"] <= 0 ||
			drill["restore_drill_rpo_seconds"] > time.Since(start).Seconds() {
			t.Errorf("pushed for the drill: %v", drill)
		}
		if _, failed := drill["restore_drill_last_failure_timestamp_seconds"]; failed {
			t.Errorf("a passing drill pushed a failure time: %v", drill)
		}
		if left, _ := os.ReadDir(os.Getenv("DRILL_SCRATCH")); len(left) != 0 {
			t.Errorf("the drill left %v in DRILL_SCRATCH", left)
		}
	})

	// fails runs a drill that must fail, saying want on one line, and
	// push a failure that keeps the last success.
	fails := func(t *testing.T, want string) result {
		t.Helper()
		passed := pgw.Group("restore-drill", namespace)["restore_drill_last_success_timestamp_seconds"]
		r := runPgops(t, "drill")
		if r.code != exitFailed {
			t.Errorf("drill: exit %d, want %d", r.code, exitFailed)
		}
		if !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "pgops: restore drill failed: ") {
			t.Errorf("stderr %q, want one line saying %q", r.stderr, want)
		}
		if !strings.Contains(r.stdout, "# Restore drill: FAILED") {
			t.Errorf("report:\n%s", r.stdout)
		}
		drill := pgw.Group("restore-drill", namespace)
		if drill["restore_drill_last_run_success"] != 0 || !near(drill["restore_drill_last_failure_timestamp_seconds"], time.Now(), time.Minute) ||
			drill["restore_drill_last_success_timestamp_seconds"] != passed {
			t.Errorf("pushed after a failed drill: %v; want success 0, a failure time, and the last success kept", drill)
		}
		last := pgw.Pushes()[len(pgw.Pushes())-1]
		if last.Method != "POST" || len(last.Values) != 2 {
			t.Errorf("a failed drill pushed %+v; want a POST of last_run_success and the failure time only", last)
		}
		if left, _ := os.ReadDir(os.Getenv("DRILL_SCRATCH")); len(left) != 0 {
			t.Errorf("the drill left %v in DRILL_SCRATCH", left)
		}
		return r
	}

	t.Run("a corrupt dump fails", func(t *testing.T) {
		bad := slices.Clone(dump)
		for i := len(bad) / 2; i < len(bad)/2+16; i++ {
			bad[i] ^= 0xff
		}
		backups(client).Put(t, dumpKey, bad)
		defer backups(client).Put(t, dumpKey, dump)
		fails(t, "the dump is corrupt")
	})

	t.Run("a truncated dump fails in pg_restore", func(t *testing.T) {
		// The manifest is made to match, as if the backup had uploaded a
		// dump pg_dump never finished: the checksum passes, the restore
		// must not.
		cut := dump[:len(dump)*6/10]
		tm := m
		tm.Dump.Size, tm.Dump.SHA256 = int64(len(cut)), sha256hex(cut)
		backups(client).Put(t, dumpKey, cut)
		backups(client).PutJSON(t, manifestKey, tm)
		defer backups(client).PutJSON(t, manifestKey, m)
		defer backups(client).Put(t, dumpKey, dump)
		r := fails(t, "pg_restore failed")
		if !strings.Contains(r.stderr, "does not restore") {
			t.Errorf("stderr %q does not say the dump does not restore", r.stderr)
		}
	})

	t.Run("data unlike the manifest fails", func(t *testing.T) {
		tm := m
		tm.Tables = slices.Clone(m.Tables)
		tm.Migration = &pgops.Migration{Table: "schema_migrations", Version: "4"}
		for i := range tm.Tables {
			switch tm.Tables[i].String() {
			case "public.orders":
				tm.Tables[i].Rows++
			case "billing.accounts":
				tm.Tables[i].SampleMD5 = strings.Repeat("0", 32)
			}
		}
		backups(client).PutJSON(t, manifestKey, tm)
		defer backups(client).PutJSON(t, manifestKey, m)
		r := fails(t, "the restored data differs from what backup s3://acme-dev-api-backups/api/")
		for _, want := range []string{"migration version 3 (schema_migrations) restored, the backup recorded 4", "public.orders has 1500 rows, the backup had 1501", "billing.accounts: the first 1000 rows by primary key differ"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q lacks %q", r.stderr, want)
			}
		}
	})

	t.Run("the newest manifest is the one restored", func(t *testing.T) {
		// A manifest whose dump is missing, newer than the good one.
		newer := prefix + "29991231T235959Z.json"
		tm := m
		tm.Dump.Key = prefix + "29991231T235959Z.dump"
		backups(client).PutJSON(t, newer, tm)
		defer client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: &newer})
		fails(t, "download s3://acme-dev-api-backups/api/29991231T235959Z.dump")
	})

	t.Run("no backup fails", func(t *testing.T) {
		t.Setenv("BACKUP_PREFIX", "nothing-here/")
		fails(t, "no backup manifest (<stamp>.json) under s3://acme-dev-api-backups/nothing-here/")
	})

	if n := count(t, dbURL, "orders"); n != 1501 {
		t.Errorf("the database has %d orders; the drill must not touch it", n)
	}
}

// TestBackupFailurePushesItsTime: a backup that cannot connect pushes its
// failure time and nothing else, and says what to check.
func TestBackupFailurePushesItsTime(t *testing.T) {
	_, client, pgw := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	t.Setenv("PGPORT", port)
	t.Setenv("PGCONNECT_TIMEOUT", "2")

	r := runPgops(t, "backup")
	if r.code != exitFailed || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "pgops: backup failed: connect to PostgreSQL as postgres at 127.0.0.1:"+port) ||
		!strings.Contains(r.stderr, "check PGHOST, PGPORT") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	pushed := pgw.Group("backup", namespace)
	if len(pushed) != 1 || !near(pushed["backup_last_failure_timestamp_seconds"], time.Now(), time.Minute) {
		t.Errorf("pushed %v, want the failure time alone", pushed)
	}
	if ks := backups(client).Keys(t); len(ks) != 0 {
		t.Errorf("a failed backup left %v in the bucket", ks)
	}
}

func TestUsageAndConfiguration(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no command", nil, nil, exitUsage, "usage: pgops grant|backup|drill"},
		{"unknown command", []string{"restore"}, nil, exitUsage, `unknown command "restore"`},
		{"help", []string{"--help"}, nil, exitOK, ""},
		{"backup without a bucket", []string{"backup"}, map[string]string{"AWS_REGION": "eu-west-1"}, exitUsage, "pgops: backup failed: BACKUP_BUCKET is required\n"},
		{"drill without a region", []string{"drill"}, map[string]string{"BACKUP_BUCKET": "b"}, exitUsage, "AWS_REGION is required"},
		{"push without a namespace", []string{"backup"}, map[string]string{"AWS_REGION": "r", "BACKUP_BUCKET": "b", "PUSHGATEWAY_URL": "http://127.0.0.1:1"}, exitUsage, "POD_NAMESPACE is required"},
		{"a URL pg_dump would not see", []string{"backup"}, map[string]string{"AWS_REGION": "r", "BACKUP_BUCKET": "b", "DATABASE_URL": "postgres://x"}, exitUsage, "DATABASE_URL is set"},
		{"unknown auth", []string{"drill"}, map[string]string{"AWS_REGION": "r", "BACKUP_BUCKET": "b", "DATABASE_AUTH": "md5"}, exitUsage, `DATABASE_AUTH="md5"`},
		{"grant without the master secret", []string{"grant"}, map[string]string{"AWS_REGION": "r"}, exitUsage, "DATABASE_MASTER_SECRET_ARN is required; PGUSER and PGDATABASE are required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.want)
			}
			if tt.code == exitOK && !strings.Contains(stdout.String(), "drill") {
				t.Errorf("help printed %q", stdout.String())
			}
		})
	}
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// backups is the test's backup bucket.
func backups(c *s3.Client) opstest.Bucket { return opstest.Bucket{Client: c, Name: bucket} }
