package pgops

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// stderrTail keeps the end of a program's standard error: enough for its
// error lines, bounded however much it writes.
type stderrTail struct{ buf []byte }

const tailBytes = 16 << 10

func (t *stderrTail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailBytes {
		t.buf = t.buf[len(t.buf)-tailBytes:]
	}
	return len(p), nil
}

// errorLine is what a PostgreSQL program said went wrong, on one line: its
// "error:" lines (pg_dump: error: ...), else its last line.
func (t *stderrTail) errorLine() string {
	var errs []string
	var last string
	for _, l := range strings.Split(string(bytes.TrimSpace(t.buf)), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		last = l
		if strings.Contains(l, "error:") || strings.HasPrefix(l, "FATAL:") || strings.HasPrefix(l, "ERROR:") {
			errs = append(errs, l)
		}
	}
	if len(errs) == 0 {
		return last
	}
	return strings.Join(errs, "; ")
}

// toolVersion is a program's --version line ("pg_dump (PostgreSQL) 17.2").
func toolVersion(ctx context.Context, path string) string {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return filepath.Base(path) + " (version unknown: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

// runFailed says that a program failed, and what it said.
func runFailed(name string, err error, stderr *stderrTail) error {
	if line := stderr.errorLine(); line != "" {
		return fmt.Errorf("%s failed (%v): %s", name, err, line)
	}
	return fmt.Errorf("%s failed: %v", name, err)
}
