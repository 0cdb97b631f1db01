//go:build drill

package drilltest

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
)

// report is what TestDrill saw, rendered for reports/.
type report struct {
	started, finished    time.Time
	pgVersion            string
	pgDump, pgRestore    string
	apiWrite             apiWrite
	manifest             pgops.Manifest
	backup, drill, again step
	failures             []step
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.manifest
	p("# Restore drill, %s\n\n", r.started.Format("2006-01-02"))
	p("A real run of the whole backup and restore path on one machine: the reference `api`\n")
	p("on PostgreSQL, written to through its HTTP API; `pgops backup` to an S3 API on\n")
	p("127.0.0.1 (moto_server); `pgops drill` restoring the newest backup into a fresh\n")
	p("scratch PostgreSQL and verifying it; then a corrupt and a truncated dump, which must\n")
	p("fail the drill. Every figure below was measured in this run (%s to %s UTC).\n\n",
		r.started.Format("15:04:05"), r.finished.Format("15:04:05"))

	p("## Command\n\n    make drill\n\nwhich runs\n\n    %s\n\n", command)

	p("## Machine\n\n| | |\n|---|---|\n")
	p("| `uname -a` | `%s` |\n", sh("uname", "-a"))
	p("| CPUs | %d (%s) |\n", runtime.NumCPU(), cpuModel())
	p("| memory | %s |\n", memTotal())
	p("| OS | %s |\n", osRelease())
	p("| Go | %s |\n", runtime.Version())
	p("| PostgreSQL (source and scratch) | %s |\n", r.pgVersion)
	p("| client programs | %s; %s |\n", r.pgDump, r.pgRestore)
	p("| S3 | moto_server on 127.0.0.1 (path-style, `AWS_ENDPOINT_URL`) |\n")
	p("| Pushgateway | an in-process stand-in decoding each push with expfmt (internal/opstest) |\n\n")

	p("## Figures\n\n| | |\n|---|---|\n")
	p("| orders written through `POST /v1/orders` | %d in %s (8 clients) |\n", r.apiWrite.orders, secs(r.apiWrite.took))
	p("| tables backed up | %d (%d rows) |\n", len(m.Tables), totalRows(m))
	p("| dump | %d bytes, sha256 `%s` |\n", m.Dump.Size, m.Dump.SHA256)
	p("| backup duration (`backup_duration_seconds`) | %.2f s |\n", r.backup.pushed["backup_duration_seconds"])
	p("| `pgops backup`, whole process | %s |\n", secs(r.backup.took))
	p("| **RTO** (`restore_drill_duration_seconds`: download + restore + verify) | **%.2f s** |\n", r.drill.pushed["restore_drill_duration_seconds"])
	p("| **RPO** (`restore_drill_rpo_seconds`: age of the restored data) | **%.1f s** |\n", r.drill.pushed["restore_drill_rpo_seconds"])
	p("| `pgops drill`, whole process (scratch server included) | %s |\n", secs(r.drill.took))
	p("| drills that must fail and did | %d of %d |\n\n", failed(r.failures), len(r.failures))
	p("Reading them: the drill ran right after the backup, so the RPO is the seconds between\n")
	p("the two; in a cluster it is the age of the newest backup when the drill runs, up to the\n")
	p("backup schedule's interval. The RTO is for a dump of this size; it grows with the\n")
	p("database (restore and the exact counts are linear in its rows), which is why the\n")
	p("scheduled drill measures it on the real data every week.\n\n")

	p("## 1. Backup\n\n`pgops backup` exited %d and printed:\n\n    %s\n\n", r.backup.code, strings.TrimSpace(r.backup.stdout))
	p("Pushed to the Pushgateway, group `job=\"backup\", namespace=\"api\"`:\n\n%s\n", pushed(r.backup.pushed))

	p("## 2. Drill of the newest backup\n\n`pgops drill` exited %d. Its report (stdout):\n\n", r.drill.code)
	p("%s\n", demote(r.drill.stdout))
	p("Pushed, group `job=\"restore-drill\", namespace=\"api\"`:\n\n%s\n", pushed(r.drill.pushed))

	p("## 3. Dumps that must fail the drill\n\n")
	for _, f := range r.failures {
		p("### %s\n\n`pgops drill` exited %d; its one line on stderr:\n\n    %s\n\n", f.name, f.code, strings.TrimSpace(f.stderr))
		p("Pushed (the last success's timestamp, RTO and RPO stay as the passing drill pushed them):\n\n%s\n", pushed(f.pushed))
	}
	p("### %s\n\n`pgops drill` exited %d: the drill passes again with the good objects back.\n", r.again.name, r.again.code)
	return b.String()
}

// demote puts a report's headings two levels down, inside this one.
func demote(md string) string {
	lines := strings.Split(strings.TrimRight(md, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = "##" + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func pushed(values map[string]float64) string {
	var b strings.Builder
	b.WriteString("| metric | value |\n|---|---:|\n")
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		s := fmt.Sprintf("%g", v)
		if strings.HasSuffix(k, "_timestamp_seconds") {
			s = fmt.Sprintf("%.3f (%s)", v, time.Unix(0, int64(v*1e9)).UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, s)
	}
	return b.String()
}

func failed(steps []step) int {
	n := 0
	for _, s := range steps {
		if s.code != 0 {
			n++
		}
	}
	return n
}

func totalRows(m pgops.Manifest) int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func sh(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(out))
}

// field is the value of the first "key: value" (or key=value) line of a
// file that starts with key.
func field(path, key, sep string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, key) {
			if _, v, ok := strings.Cut(l, sep); ok {
				return strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
	}
	return "unknown"
}

func cpuModel() string  { return field("/proc/cpuinfo", "model name", ":") }
func osRelease() string { return field("/etc/os-release", "PRETTY_NAME", "=") }

func memTotal() string {
	v := field("/proc/meminfo", "MemTotal", ":")
	var kb int64
	if _, err := fmt.Sscanf(v, "%d kB", &kb); err != nil {
		return v
	}
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}
