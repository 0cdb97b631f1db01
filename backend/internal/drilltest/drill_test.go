//go:build drill

package drilltest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/opstest"
	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
	"github.com/groundwork-dev/groundwork/backend/internal/pgserver"
	"github.com/groundwork-dev/groundwork/backend/internal/pgtest"
	"github.com/groundwork-dev/groundwork/backend/internal/server"
	"github.com/groundwork-dev/groundwork/backend/logging"
)

var reportPath = flag.String("report", "", "write the drill's report to this Markdown file (relative: to the repository root)")

// command is how make drill runs this test; the report records it.
const command = "cd backend && go test -tags drill ./internal/drilltest -run TestDrill -count=1 -v -timeout 20m -report=reports/restore-drill-$(date +%Y%m%d).md"

const (
	bucket    = "acme-dev-api-backups"
	prefix    = "api/"
	namespace = "api"
	orders    = 2000
)

// step is one pgops run, for the report.
type step struct {
	name           string
	code           int
	stdout, stderr string
	took           time.Duration
	pushed         map[string]float64
}

func TestDrill(t *testing.T) {
	ctx := context.Background()
	rep := &report{started: time.Now().UTC()}

	// The source PostgreSQL, with the service's database.
	src, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Stop() })
	admin, err := pgx.Connect(ctx, src.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE api"); err != nil {
		t.Fatal(err)
	}
	admin.QueryRow(ctx, "SELECT version()").Scan(&rep.pgVersion)
	admin.Close(ctx)

	// The environment a generated Deployment and the database Jobs get:
	// libpq's variables (here without IAM: a local server has no RDS).
	for k, v := range map[string]string{
		"PGHOST": "127.0.0.1", "PGPORT": strconv.Itoa(src.Port), "PGDATABASE": "api", "PGUSER": "postgres",
		"PGSSLMODE": "disable", "PGPASSWORD": "", "DATABASE_URL": "", "DATABASE_AUTH": "",
	} {
		t.Setenv(k, v)
	}

	// The reference api, as cmd/api runs it, written to through HTTP.
	base := startAPI(t)
	rep.apiWrite = writeOrders(t, base)

	// moto_server, the Pushgateway stand-in, pgops built as its image builds it.
	endpoint := opstest.StartMoto(t)
	b, pgw := opstest.JobEnv(t, endpoint, bucket, prefix, namespace)
	client := b.Client
	pgops := buildPgops(t)
	run := func(name, job, arg string) step {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(pgops, arg)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		s := step{name: name, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start), pushed: pgw.Group(job, namespace)}
		if ee, ok := err.(*exec.ExitError); ok {
			s.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("pgops %s (%s): exit %d in %s\nstdout:\n%s\nstderr: %s", arg, name, s.code, s.took, s.stdout, s.stderr)
		return s
	}

	// Backup.
	rep.backup = run("backup", "backup", "backup")
	if rep.backup.code != 0 {
		t.Fatalf("backup failed: %s", rep.backup.stderr)
	}
	ks := backups(client).Keys(t)
	if len(ks) != 2 {
		t.Fatalf("bucket holds %v, want a dump and its manifest", ks)
	}
	dumpKey, manifestKey := ks[0], ks[1]
	dump := backups(client).Get(t, dumpKey)
	manifest := backups(client).Get(t, manifestKey)
	if err := json.Unmarshal(manifest, &rep.manifest); err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(rep.manifest, "public.orders"); n != orders {
		t.Errorf("the backup recorded %d orders, want the %d written through the API", n, orders)
	}

	// The drill of the good backup.
	rep.drill = run("the newest backup, as written", "restore-drill", "drill")
	if rep.drill.code != 0 || !strings.Contains(rep.drill.stdout, "# Restore drill: PASSED") ||
		!strings.Contains(rep.drill.stdout, fmt.Sprintf("| `public.orders` | %d | %d | md5 `", orders, orders)) {
		t.Fatalf("drill of a good backup: exit %d, stderr %q", rep.drill.code, rep.drill.stderr)
	}
	if rep.drill.pushed["restore_drill_last_run_success"] != 1 || rep.drill.pushed["restore_drill_duration_seconds"] <= 0 {
		t.Errorf("pushed for a passing drill: %v", rep.drill.pushed)
	}

	// A corrupt dump: bytes flipped in the middle.
	bad := slices.Clone(dump)
	for i := len(bad) / 2; i < len(bad)/2+32; i++ {
		bad[i] ^= 0xff
	}
	backups(client).Put(t, dumpKey, bad)
	rep.failures = append(rep.failures, run("corrupt dump: 32 bytes flipped in the middle", "restore-drill", "drill"))

	// A truncated dump whose manifest was rewritten to match it, so that
	// the checksum passes and only the restore can tell.
	cut := dump[:len(dump)*6/10]
	tm := rep.manifest
	tm.Dump.Size, tm.Dump.SHA256 = int64(len(cut)), pgopsSHA256(cut)
	backups(client).Put(t, dumpKey, cut)
	backups(client).PutJSON(t, manifestKey, tm)
	rep.failures = append(rep.failures, run(fmt.Sprintf("truncated dump: the first %d of %d bytes, manifest rewritten to match", len(cut), len(dump)), "restore-drill", "drill"))

	for i, want := range []string{"the dump is corrupt", "pg_restore failed"} {
		f := rep.failures[i]
		if f.code != 1 || !strings.Contains(f.stderr, want) || strings.Count(f.stderr, "\n") != 1 || !strings.Contains(f.stdout, "# Restore drill: FAILED") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and one line saying %q", f.name, f.code, f.stderr, want)
		}
		if f.pushed["restore_drill_last_run_success"] != 0 || f.pushed["restore_drill_last_failure_timestamp_seconds"] == 0 ||
			f.pushed["restore_drill_last_success_timestamp_seconds"] != rep.drill.pushed["restore_drill_last_success_timestamp_seconds"] {
			t.Errorf("%s: pushed %v; want success 0, a failure time and the last success kept", f.name, f.pushed)
		}
	}

	// The good objects back: the drill passes again.
	backups(client).Put(t, dumpKey, dump)
	backups(client).Put(t, manifestKey, manifest)
	rep.again = run("the good dump put back", "restore-drill", "drill")
	if rep.again.code != 0 {
		t.Errorf("drill after putting the good dump back: exit %d, %s", rep.again.code, rep.again.stderr)
	}
	if left, _ := os.ReadDir(os.Getenv("DRILL_SCRATCH")); len(left) != 0 {
		t.Errorf("the drills left %v in DRILL_SCRATCH", left)
	}
	rep.pgDump = toolVersion("pg_dump")
	rep.pgRestore = toolVersion("pg_restore")
	rep.finished = time.Now().UTC()

	if t.Failed() || *reportPath == "" {
		return
	}
	path := *reportPath
	if !filepath.IsAbs(path) {
		path = filepath.Join("..", "..", "..", path) // from backend/internal/drilltest to the repository root
	}
	if err := os.WriteFile(path, []byte(rep.markdown()), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("report written to %s", abs)
}

// startAPI runs the reference service as cmd/api does, configured from the
// environment, on a free port of 127.0.0.1, and returns its base URL once
// it is ready.
func startAPI(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	t.Setenv("PORT", strconv.Itoa(port))
	cfg, err := server.ConfigFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, logging.New(io.Discard, slog.LevelInfo)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api: %v", err)
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("api stopped: %v", err)
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatal("api not ready within 30s")
	return ""
}

// apiWrite is what writing the orders took.
type apiWrite struct {
	orders int
	took   time.Duration
}

// writeOrders POSTs the orders through the API, eight at a time.
func writeOrders(t *testing.T, base string) apiWrite {
	t.Helper()
	start := time.Now()
	var next, created atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1); i <= orders; i = next.Add(1) {
				body := fmt.Sprintf(`{"sku":"sku-%03d","qty":%d}`, i%50, 1+i%9)
				resp, err := http.Post(base+"/v1/orders", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("POST /v1/orders %s: %s", body, resp.Status)
					return
				}
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if created.Load() != orders {
		t.Fatalf("created %d orders through the API, want %d", created.Load(), orders)
	}
	return apiWrite{orders: orders, took: time.Since(start)}
}

// buildPgops builds cmd/pgops, with the flags of this test's own build so
// that the build cache serves it (the image's -trimpath, CGO_ENABLED=0
// build differs in nothing pgops does).
func buildPgops(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pgops")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pgops")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pgops: %v\n%s", err, out)
	}
	return bin
}

func rowsOf(m pgops.Manifest, table string) int64 {
	for _, tb := range m.Tables {
		if tb.String() == table {
			return tb.Rows
		}
	}
	return -1
}

// toolVersion is a PostgreSQL program's version line, of the installation
// pgops uses.
func toolVersion(name string) string {
	bins, err := pgserver.Binaries(name)
	if err != nil {
		return err.Error()
	}
	out, err := exec.Command(bins[0], "--version").Output()
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(out))
}

func pgopsSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// backups is the test's backup bucket.
func backups(c *s3.Client) opstest.Bucket { return opstest.Bucket{Client: c, Name: bucket} }
