// Package pgtest runs a throwaway PostgreSQL server for integration tests,
// so that they exercise the real database the services run on rather than a
// fake that agrees with whatever the code assumes.
//
// A test binary starts one server in TestMain and gives each test its own
// database ([Server.NewDatabase]): starting a cluster costs about a second,
// creating a database a few milliseconds. The server listens on 127.0.0.1 on
// a free port, keeps its socket and data in a temporary folder, and trades
// durability for speed (fsync off): nothing in it outlives the test binary.
//
// initdb and pg_ctl refuse to run as root. As root, which is how CI runs,
// they are run as the postgres user, which Debian's postgresql package
// creates; as anyone else they are run as that user.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// installHint ends every error about a missing PostgreSQL: the tests fail,
// rather than skip, without one, and this says how to get one.
const installHint = "install PostgreSQL 15 or later (`apt-get install postgresql`; its binaries land in /usr/lib/postgresql/<version>/bin, which is searched too)"

// Server is a running throwaway cluster.
type Server struct {
	// URL connects as the superuser "postgres" to the database "postgres".
	URL string

	dir, data, pgCtl string
	cred             *syscall.Credential
	databases        atomic.Int64
}

// Start initialises a cluster in a new temporary folder and starts it. The
// caller must [Server.Stop] it, also when its tests fail.
func Start() (*Server, error) {
	initdb, pgCtl, err := binaries("/usr/lib/postgresql")
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempRoot(), "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, data: filepath.Join(dir, "data"), pgCtl: pgCtl, cred: cred}
	sock := filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		s.removeDir()
		return nil, err
	}
	if cred != nil {
		for _, p := range []string{dir, sock} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				s.removeDir()
				return nil, err
			}
		}
	}
	if err := s.run(initdb, "-D", s.data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		s.removeDir()
		return nil, err
	}
	// The free port can be taken between finding and binding it; try again
	// with another rather than fail the whole test binary.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			s.removeDir()
			return nil, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "+
			"-c synchronous_commit=off -c full_page_writes=off", port, sock)
		err = s.run(pgCtl, "start", "-D", s.data, "-l", filepath.Join(dir, "server.log"),
			"-w", "-t", "30", "-o", opts)
		if err == nil {
			s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return s, nil
		}
		if attempt == 3 {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			s.removeDir()
			return nil, fmt.Errorf("%w\nserver log:\n%s", err, log)
		}
	}
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() error {
	err := s.run(s.pgCtl, "stop", "-D", s.data, "-m", "immediate", "-w")
	return errors.Join(err, s.removeDir())
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

// run runs a PostgreSQL program as the user that may run it.
func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir // the postgres user may not be able to enter ours
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgtest: %s %s: %v\n%s", filepath.Base(name), args[0], err, out.Bytes())
	}
	return nil
}

func (s *Server) removeDir() error { return os.RemoveAll(s.dir) }

// binaries finds initdb and pg_ctl of one installation: on PATH, else in the
// newest of Debian's versioned folders under lib (lib/<version>/bin), which
// are not on PATH.
func binaries(lib string) (initdb, pgCtl string, err error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if pgCtl, err := exec.LookPath("pg_ctl"); err == nil {
			return initdb, pgCtl, nil
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(lib, "*", "bin"))
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		initdb, pgCtl := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if executable(initdb) && executable(pgCtl) {
			return initdb, pgCtl, nil
		}
	}
	return "", "", errors.New("pgtest: initdb and pg_ctl not found on PATH nor in /usr/lib/postgresql/*/bin: " + installHint)
}

// version reads the major version from /usr/lib/postgresql/<version>/bin.
func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// credential returns whom to run PostgreSQL's programs as: nil (ourselves)
// unless we are root, whom they refuse.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, which initdb refuses, and there is no postgres user to run it as: %v; %s", err, installHint)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// tempRoot is the system temporary folder, unless we are root and it lies
// below a folder that others cannot enter (TMPDIR under /root): the postgres
// user must reach its data folder, so /tmp is used then.
func tempRoot() string {
	root := os.TempDir()
	if os.Geteuid() != 0 {
		return root
	}
	for p := root; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if p == filepath.Dir(p) {
			return root
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
