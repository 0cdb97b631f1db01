package pgops

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/internal/pgserver"
	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// Drill restores the newest backup into a scratch PostgreSQL it creates and
// removes, checks the restored data against the backup's manifest, and
// pushes the outcome. The report says what it did and measured, whether it
// passed or not; the error, one line, says why it failed.
//
// What counts as the restore time (RTO) is what a real restore would do
// too: download, restore and verify. Creating the scratch server is the
// drill's own cost (a real restore goes to a server that exists) and is
// reported apart.
func Drill(ctx context.Context, c Config) (*DrillReport, error) {
	r := &DrillReport{Bucket: c.Bucket, Prefix: c.Prefix, Started: time.Now().UTC()}
	err := drill(ctx, c, r)
	r.Finished = time.Now().UTC()
	d := metrics.NewDrill(prometheus.NewRegistry())
	if err != nil {
		r.Err = fmt.Errorf("restore drill failed: %w", err)
		if perr := c.push(ctx, metrics.DrillJob, d.Failed(r.Finished)); perr != nil {
			r.Err = fmt.Errorf("%w; and %w", r.Err, perr)
		}
		return r, r.Err
	}
	if err := c.push(ctx, metrics.DrillJob, d.Passed(r.Finished, r.RTO, r.RPO)); err != nil {
		r.Err = fmt.Errorf("restore drill passed, but %w", err)
		return r, r.Err
	}
	return r, nil
}

func drill(ctx context.Context, c Config, r *DrillReport) error {
	if err := c.check("drill"); err != nil {
		return err
	}
	bins, err := pgserver.Binaries("pg_restore", "initdb", "pg_ctl")
	if err != nil {
		return err
	}
	pgRestore := bins[0]
	r.PgRestore = toolVersion(ctx, pgRestore)
	awsCfg, err := c.aws(ctx)
	if err != nil {
		return err
	}
	st := newStore(awsCfg, c.Bucket, c.PathStyle)

	keys, err := st.list(ctx, c.Prefix)
	if err != nil {
		return err
	}
	key, ok := newestManifest(c.Prefix, keys)
	if !ok {
		return fmt.Errorf("no backup manifest (<stamp>.json) under %s: has the backup job run? (check BACKUP_BUCKET and BACKUP_PREFIX)", st.url(c.Prefix))
	}
	r.ManifestKey = key
	var m Manifest
	if err := st.getJSON(ctx, key, &m); err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return fmt.Errorf("manifest %s is unusable: %v", st.url(key), err)
	}
	r.Manifest = &m
	r.RPO = r.Started.Sub(m.Time)

	work, err := os.MkdirTemp(c.Scratch, "pgops-drill-")
	if err != nil {
		return fmt.Errorf("scratch folder: %w (check DRILL_SCRATCH)", err)
	}
	defer os.RemoveAll(work)

	// Download, and check the bytes are the ones the backup wrote.
	t0 := time.Now()
	path := filepath.Join(work, filepath.Base(m.Dump.Key))
	r.DumpSize, r.DumpSHA256, err = st.download(ctx, m.Dump.Key, path)
	r.Download = time.Since(t0)
	if err != nil {
		return err
	}
	switch {
	case r.DumpSize != m.Dump.Size:
		return fmt.Errorf("dump %s is %d bytes, its manifest says %d: the dump is truncated or was replaced", st.url(m.Dump.Key), r.DumpSize, m.Dump.Size)
	case r.DumpSHA256 != m.Dump.SHA256:
		return fmt.Errorf("dump %s has sha256 %s, its manifest says %s: the dump is corrupt", st.url(m.Dump.Key), short(r.DumpSHA256), short(m.Dump.SHA256))
	}

	// The scratch server, always stopped and removed, however this ends.
	t0 = time.Now()
	srv, err := pgserver.Start(pgserver.Options{Parent: c.Scratch, Prefix: "pgops-scratch-"})
	r.ScratchStart = time.Since(t0)
	if err != nil {
		return fmt.Errorf("start the scratch PostgreSQL: %w", err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			r.Notes = append(r.Notes, "stopping the scratch server: "+oneLine(err))
		}
	}()
	url, err := createDatabase(ctx, srv, m.Database)
	if err != nil {
		return err
	}

	t0 = time.Now()
	err = restore(ctx, pgRestore, url, path)
	r.Restore = time.Since(t0)
	if err != nil {
		return fmt.Errorf("%w: the dump %s does not restore", err, st.url(m.Dump.Key))
	}

	t0 = time.Now()
	restored, version, err := inventoryOf(ctx, url, m.SampleRows)
	r.Verify = time.Since(t0)
	r.RTO = r.Download + r.Restore + r.Verify
	if err != nil {
		return fmt.Errorf("read the restored database: %w", err)
	}
	r.Restored, r.ScratchVersion = &restored, version
	if r.Differences = compare(m.Inventory, restored); len(r.Differences) > 0 {
		return fmt.Errorf("the restored data differs from what backup %s recorded: %s", st.url(key), strings.Join(r.Differences, "; "))
	}
	return nil
}

// createDatabase creates the backup's database on the scratch server, by
// its own name, and returns its URL.
func createDatabase(ctx context.Context, srv *pgserver.Server, name string) (string, error) {
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		return "", fmt.Errorf("connect to the scratch PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if name != "postgres" {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("create database %s on the scratch PostgreSQL: %w", name, err)
		}
	}
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name)
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname='%s' sslmode=disable", srv.Port, quoted), nil
}

// restore runs pg_restore, stopping at the first error: a dump that
// restores only in part is a failed restore. Owners and grants are left
// out, since the roles they name exist only on the real server.
func restore(ctx context.Context, pgRestore, url, path string) error {
	cmd := exec.CommandContext(ctx, pgRestore, "--exit-on-error", "--no-owner", "--no-privileges", "--dbname="+url, path)
	var stderr stderrTail
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return runFailed("pg_restore", err, &stderr)
	}
	return nil
}

// inventoryOf reads the restored database's inventory and server version.
func inventoryOf(ctx context.Context, url string, sampleRows int) (Inventory, string, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return Inventory{}, "", err
	}
	conn, err := connectWith(ctx, cc)
	if err != nil {
		return Inventory{}, "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version')").Scan(&version); err != nil {
		return Inventory{}, "", err
	}
	inv, err := takeInventory(ctx, conn, sampleRows)
	return inv, version, err
}

// oneLine flattens an error for a one-line message.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}
