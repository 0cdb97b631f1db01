package pgserver_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/pgserver"
)

// TestStartServesAndStopRemovesEverything is what the restore drill relies
// on: a server it can use, and nothing of it left after Stop.
func TestStartServesAndStopRemovesEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL; -short skips it")
	}
	s, err := pgserver.Start(pgserver.Options{Prefix: "pgserver-test-"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	var port int
	err = conn.QueryRow(ctx, "SELECT current_setting('port')::int").Scan(&port)
	conn.Close(ctx)
	if err != nil || port != s.Port {
		t.Errorf("server port %d (%v), want %d", port, err, s.Port)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Errorf("%s still there after Stop: %v", s.Dir(), err)
	}
	if _, err := pgx.Connect(ctx, s.URL); err == nil {
		t.Error("server still answers after Stop")
	}
}
