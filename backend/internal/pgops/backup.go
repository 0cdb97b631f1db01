package pgops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/groundwork-dev/groundwork/backend/internal/pgserver"
	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// Backup takes a logical backup of the database to the bucket and pushes
// its outcome: on success the time, size and duration, on failure the
// time of the failure.
//
// The inventory the drill verifies against (migration version, row counts,
// sample checksums) is read in the very snapshot pg_dump dumps: the backup
// exports the snapshot of a REPEATABLE READ READ ONLY transaction, reads
// the inventory in it, and runs pg_dump --snapshot while it stays open. The
// counts are then exactly the dump's, however busy the database is.
func Backup(ctx context.Context, c Config) (*Manifest, error) {
	start := time.Now()
	m, err := backup(ctx, c)
	b := metrics.NewBackup(prometheus.NewRegistry())
	if err != nil {
		if perr := c.push(ctx, metrics.BackupJob, b.Failed(time.Now())); perr != nil {
			err = fmt.Errorf("%w; and %w", err, perr)
		}
		return nil, fmt.Errorf("backup failed: %w", err)
	}
	if err := c.push(ctx, metrics.BackupJob, b.Completed(time.Now(), m.Dump.Size, time.Since(start))); err != nil {
		return m, fmt.Errorf("backup %s written, but %w", m.Dump.Key, err)
	}
	return m, nil
}

func backup(ctx context.Context, c Config) (*Manifest, error) {
	if err := c.check("backup"); err != nil {
		return nil, err
	}
	bins, err := pgserver.Binaries("pg_dump")
	if err != nil {
		return nil, err
	}
	pgDump := bins[0]
	awsCfg, err := c.aws(ctx)
	if err != nil {
		return nil, err
	}
	st := newStore(awsCfg, c.Bucket, c.PathStyle)

	conn, cc, renew, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin the snapshot transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// The snapshot is taken by the transaction's first statement, so its
	// statement_timestamp is the time the data is as of.
	m := &Manifest{Format: manifestFormat, PgDump: toolVersion(ctx, pgDump)}
	var snapshot string
	err = tx.QueryRow(ctx, "SELECT pg_export_snapshot(), statement_timestamp(), current_database(), current_setting('server_version')").
		Scan(&snapshot, &m.Time, &m.Database, &m.ServerVersion)
	if err != nil {
		return nil, fmt.Errorf("export a snapshot: %w", err)
	}
	m.Time = m.Time.UTC()
	if m.Inventory, err = takeInventory(ctx, tx, c.sampleRows()); err != nil {
		return nil, fmt.Errorf("read the database's inventory: %w", err)
	}

	f, err := os.CreateTemp("", "pgops-backup-*.dump")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the dump: %w (check TMPDIR has room for it)", err)
	}
	defer os.Remove(f.Name())
	m.Dump.Key = dumpKey(c.Prefix, m.Time)
	if renew != nil {
		if err := renew(ctx, cc); err != nil {
			return nil, err
		}
	}
	m.Dump.Size, m.Dump.SHA256, err = dump(ctx, pgDump, cc, snapshot, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write the dump to %s: %w (check TMPDIR has room for it)", f.Name(), cerr)
	}
	if err != nil {
		return nil, err
	}
	m.Completed = time.Now().UTC()
	tx.Rollback(ctx) // pg_dump is done with the snapshot

	// The dump first, then the manifest: a manifest, which is what a drill
	// looks for, exists only beside a dump that was uploaded whole.
	if err := st.putFile(ctx, m.Dump.Key, f.Name(), m.Dump.Size); err != nil {
		return nil, err
	}
	if err := st.putJSON(ctx, manifestKey(c.Prefix, m.Time), m); err != nil {
		return nil, err
	}
	return m, nil
}

// dump runs pg_dump in the exported snapshot, writing the custom-format
// archive to w, and returns its size and sha256, computed as it streams.
func dump(ctx context.Context, pgDump string, cc *pgx.ConnConfig, snapshot string, w io.Writer) (int64, string, error) {
	args := append(libpqArgs(cc), "--format=custom", "--snapshot="+snapshot, "--dbname="+cc.Database)
	cmd := exec.CommandContext(ctx, pgDump, args...)
	cmd.Env = libpqEnv(cc)
	h := sha256.New()
	n := &counter{}
	cmd.Stdout = io.MultiWriter(w, h, n)
	var stderr stderrTail
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, "", runFailed("pg_dump", err, &stderr)
	}
	return n.n, hex.EncodeToString(h.Sum(nil)), nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
