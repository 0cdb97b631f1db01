package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/pgtest"
)

var server *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, func(s *pgtest.Server) { server = s }) }

func TestDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := newDatabase(t), newDatabase(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	for _, url := range []string{a, b} {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var version int
		if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version < 150000 {
			t.Errorf("server version %d, want PostgreSQL 15 or later", version)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Errorf("%s: %v", url, err)
		}
		conn.Close(ctx)
	}
}

// newDatabase is a new database on the test binary's server; under -short,
// which starts none, it skips t.
func newDatabase(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL; -short skips it")
	}
	return server.NewDatabase(t)
}
