// Package pgserver runs a throwaway PostgreSQL server: the integration
// tests' (through pgtest) and the restore drill's scratch server (pgops
// drill), which must be created, used and removed without anything else on
// the machine knowing about it.
//
// A server listens on 127.0.0.1 on a free port, keeps its socket and data in
// a folder of its own, trusts local connections (nothing but its creator can
// reach it) and trades durability for speed (fsync off): nothing in it
// outlives [Server.Stop].
//
// initdb and pg_ctl refuse to run as root. As root, which is how CI and a
// developer's container run, they are run as the postgres user, which
// Debian's postgresql package and the postgres image create; as anyone else
// they are run as that user.
package pgserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// InstallHint ends every error about a missing PostgreSQL, saying how to get
// one.
const InstallHint = "install PostgreSQL 15 or later (`apt-get install postgresql`; its binaries land in /usr/lib/postgresql/<version>/bin, which is searched too)"

// Options say where a server lives.
type Options struct {
	// Parent is the folder to create the server's folder in; empty: the
	// system temporary folder (/tmp when root and that is below a folder
	// the postgres user cannot enter).
	Parent string
	// Prefix starts the server's folder name ("pgserver-" when empty).
	Prefix string
}

// Server is a running throwaway cluster.
type Server struct {
	// URL connects as the superuser "postgres" to the database "postgres".
	URL string
	// Port is the TCP port it listens on, on 127.0.0.1.
	Port int

	dir, data, pgCtl string
	cred             *syscall.Credential
}

// Start initialises a cluster in a new folder and starts it. The caller
// must [Server.Stop] it, also when what it does with it fails.
func Start(opts Options) (*Server, error) {
	bins, err := Binaries("initdb", "pg_ctl")
	if err != nil {
		return nil, err
	}
	initdb, pgCtl := bins[0], bins[1]
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	parent, prefix := opts.Parent, opts.Prefix
	if parent == "" {
		parent = tempRoot()
	}
	if prefix == "" {
		prefix = "pgserver-"
	}
	dir, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return nil, fmt.Errorf("pgserver: folder for the server: %w", err)
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
		if cred != nil {
			err = fmt.Errorf("%w(initdb runs as the postgres user, who must be able to enter %s)", err, parent)
		}
		return nil, err
	}
	// The free port can be taken between finding and binding it; try again
	// with another rather than fail.
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
			s.Port = port
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

// Stop stops the server at once and removes its folder, whatever was in it.
func (s *Server) Stop() error {
	err := s.run(s.pgCtl, "stop", "-D", s.data, "-m", "immediate", "-w")
	return errors.Join(err, s.removeDir())
}

// Dir is the server's folder, removed by [Server.Stop].
func (s *Server) Dir() string { return s.dir }

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
		return fmt.Errorf("pgserver: %s %s: %v\n%s", filepath.Base(name), args[0], err, out.Bytes())
	}
	return nil
}

func (s *Server) removeDir() error { return os.RemoveAll(s.dir) }

// credential returns whom to run PostgreSQL's programs as: nil (ourselves)
// unless we are root, whom they refuse.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgserver: running as root, which initdb refuses, and there is no postgres user to run it as: %v; %s", err, InstallHint)
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
