package orders

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

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

// Migrate applies every embedded migration, in name order, in one
// transaction. Migrations are idempotent, so it runs at every start.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		for _, name := range names { // fs.Glob returns names sorted
			sql, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("migrate: %s: %w", name, err)
			}
		}
		return nil
	})
}
