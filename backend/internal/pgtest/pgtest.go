// Package pgtest runs a throwaway PostgreSQL server for integration tests,
// so that they exercise the real database the services run on rather than a
// fake that agrees with whatever the code assumes.
//
// A test binary starts one server in TestMain and gives each test its own
// database ([Server.NewDatabase]): starting a cluster costs about a second,
// creating a database a few milliseconds. The server is a [pgserver.Server]:
// on 127.0.0.1 on a free port, in a temporary folder, fsync off, run as the
// postgres user when the tests run as root.
package pgtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/pgserver"
)

// Server is a running throwaway cluster; its URL connects as the superuser
// "postgres" to the database "postgres".
type Server struct {
	*pgserver.Server
	databases atomic.Int64
}

// Start initialises a cluster in a new temporary folder and starts it. The
// caller must [Server.Stop] it, also when its tests fail. Without
// PostgreSQL it fails, saying how to install it.
func Start() (*Server, error) {
	s, err := pgserver.Start(pgserver.Options{Prefix: "pgtest-"})
	if err != nil {
		return nil, err
	}
	return &Server{Server: s}, nil
}

// NewDatabase creates an empty database for one test and returns its URL,
// so that tests can run in parallel without seeing each other's rows.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("test_%d", s.databases.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return strings.Replace(s.URL, "/postgres?", "/"+name+"?", 1)
}

// Main runs a test binary's tests (call it from TestMain) with one server,
// started before them and stopped after, which it hands to set. Under -short
// it starts none: the tests that need it skip. A server that does not start
// fails the binary rather than skipping it: these tests are the only proof
// that the code works on a real database.
func Main(m *testing.M, set func(*Server)) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	set(s)
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}
