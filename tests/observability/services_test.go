//go:build e2e

package observability_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// postgres is a throwaway PostgreSQL cluster that the test can stop and
// start again on the same port, to take the service's database away. It
// does what backend/internal/pgtest does, which this module cannot import.
type postgres struct {
	url              string
	dir, data, pgCtl string
	opts             string // server options, the same at every start
	cred             *syscall.Credential
}

func startPostgres(t *testing.T) *postgres {
	t.Helper()
	initdb, pgCtl := postgresBinaries(t)
	p := &postgres{pgCtl: pgCtl, cred: postgresCredential(t)}
	// Not t.TempDir: as root the cluster runs as postgres, who must reach
	// its folder, and t.TempDir's parents are root's alone.
	dir, err := os.MkdirTemp("/tmp", "observability-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir, p.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		t.Fatal(err)
	}
	if p.cred != nil {
		for _, d := range []string{dir, sock} {
			if err := os.Chown(d, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.run(initdb, "-D", p.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
		"--locale=C", "--no-sync", "--no-instructions"); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	p.opts = fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off", port, sock)
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	p.start(t)
	t.Cleanup(func() {
		p.run(p.pgCtl, "stop", "-D", p.data, "-m", "immediate", "-w") // fails if already stopped
		if t.Failed() {
			logTail(t, "postgres", filepath.Join(dir, "server.log"))
		}
	})
	return p
}

func (p *postgres) start(t *testing.T) {
	t.Helper()
	if err := p.run(p.pgCtl, "start", "-D", p.data, "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "30", "-o", p.opts); err != nil {
		t.Fatal(err)
	}
}

// stop shuts the cluster down as an operator or a failover would: sessions
// are ended and new connections refused until start.
func (p *postgres) stop(t *testing.T) {
	t.Helper()
	if err := p.run(p.pgCtl, "stop", "-D", p.data, "-m", "fast", "-w"); err != nil {
		t.Fatal(err)
	}
}

func (p *postgres) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), args[0], err, out.Bytes())
	}
	return nil
}

// postgresBinaries finds initdb and pg_ctl on PATH or in the newest of
// Debian's /usr/lib/postgresql/<version>/bin.
func postgresBinaries(t *testing.T) (initdb, pgCtl string) {
	t.Helper()
	if i, err := exec.LookPath("initdb"); err == nil {
		if c, err := exec.LookPath("pg_ctl"); err == nil {
			return i, c
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) int { v, _ := strconv.Atoi(filepath.Base(filepath.Dir(d))); return v }
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		i, c := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if _, err := os.Stat(i); err == nil {
			if _, err := os.Stat(c); err == nil {
				return i, c
			}
		}
	}
	t.Fatal("initdb and pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin: install PostgreSQL 15 or later: apt-get install postgresql")
	return "", ""
}

// postgresCredential is whom to run initdb and pg_ctl as: they refuse root.
func postgresCredential(t *testing.T) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root, which initdb refuses, and there is no postgres user to run it as (apt-get install postgresql creates one): %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// process is a program the test started, stopped at cleanup.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it exits
	err  error
}

// startProcess starts cmd with its output in a log file, and stops it at
// cleanup (SIGTERM, then SIGKILL after 10s), showing the log's end when
// the test failed.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{name: name, cmd: cmd, log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			logTail(t, name, p.log)
		}
	})
	return p
}

// waitHTTP polls url until it answers 200, failing early if p exits.
func (p *process) waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before serving (%v); its log:\n%s", p.name, p.err, tail(p.log))
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s did not answer %s within %s; its log:\n%s", p.name, url, within, tail(p.log))
}

// startAPI builds backend/cmd/api in its own module, as its image does, and
// runs it on a free port with the environment its dev Deployment sets.
func startAPI(t *testing.T, databaseURL string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "api")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/api")
	build.Dir = filepath.Join(repoRoot, "backend")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/api: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), deploymentEnv(t)...)
	// The local PostgreSQL has no IAM and no TLS: the password in the URL
	// stands in for the RDS IAM token the Deployment signs in with
	// (tests/e2e follows that chain to the applied Terraform root).
	cmd.Env = append(cmd.Env, fmt.Sprintf("PORT=%d", port), "DATABASE_URL="+databaseURL, "DATABASE_AUTH=password")
	// The Deployment mounts its flag file from a ConfigMap; here it is the
	// generated file itself.
	cmd.Env = append(cmd.Env, "FLAGS_FILE="+filepath.Join(repoRoot, "environments", "dev", "flags", "api.flagd.json"))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// /healthz, not /readyz: the SLIs leave the probe path out, and the
	// kubelet probes /healthz only; a /readyz request would count as a user's.
	startProcess(t, "api", cmd).waitHTTP(t, base+"/healthz", 30*time.Second)
	return base
}

// deploymentEnv is the plain environment (no secrets) the generated dev
// Deployment gives the api container, SLO_LATENCY_THRESHOLDS among it, so
// that the histogram has the buckets the rules select in production.
func deploymentEnv(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(deploymentPath)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name string
						Env  []struct {
							Name  string
							Value string
						}
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", deploymentPath, err)
	}
	var env []string
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != service {
			continue
		}
		for _, e := range c.Env {
			if e.Value != "" {
				env = append(env, e.Name+"="+e.Value)
			}
		}
	}
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "SLO_LATENCY_THRESHOLDS=") }) {
		t.Fatalf("%s sets no SLO_LATENCY_THRESHOLDS for container %s; the latency SLO needs its threshold as a bucket", deploymentPath, service)
	}
	return env
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func logTail(t *testing.T, name, path string) {
	t.Helper()
	t.Logf("end of the %s log:\n%s", name, tail(path))
}

// tail is the last 40 lines of a log file.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}
