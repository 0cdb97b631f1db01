package orders

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are compiled into the binary, so that the schema a build
// expects always ships with it.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating, so that
// replicas starting together apply the migrations one at a time (concurrent
// CREATE TABLE IF NOT EXISTS can still collide in the catalog).
const migrationLock = 0x6f72646572730001 // "orders" + 1

// schemaMigrations records which migrations the schema has, by the number
// each file name starts with. The restore drill (backend/cmd/pgops) reads
// max(version) at backup time and again from the restored copy: a restore
// that lost the schema's last migration is not a good restore. The table and
// column are those golang-migrate and Rails use, so that pgops finds a
// service's version the same way whichever tool writes it.
const schemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    bigint      PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies every embedded migration, in name order, in one
// transaction, and records each in schema_migrations. Migrations are
// idempotent, so it runs at every start.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, schemaMigrations); err != nil {
			return fmt.Errorf("migrate: schema_migrations: %w", err)
		}
		for _, name := range names { // fs.Glob returns names sorted
			version, err := migrationVersion(name)
			if err != nil {
				return err
			}
			sql, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("migrate: %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
				version, path.Base(name)); err != nil {
				return fmt.Errorf("migrate: record %s: %w", name, err)
			}
		}
		return nil
	})
}

// migrationVersion is the number a migration's file name starts with
// ("002_order_status.sql" is 2).
func migrationVersion(name string) (int64, error) {
	base := path.Base(name)
	digits, _, _ := strings.Cut(base, "_")
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("migrate: %s: a migration's name starts with its version, as in 003_name.sql", base)
	}
	return v, nil
}
