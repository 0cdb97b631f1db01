// Command benchorg measures groundwork on a synthetic organisation of N
// services × 4 environments (internal/synthetic), the way people use it:
//
//  1. the first generate into a tree that holds only specs,
//  2. a no-op generate (nothing changed since the last run),
//  3. one service's spec edited (an SLO objective), then generate,
//  4. verify on a fresh copy of the generated tree with no run cache, as CI
//     does on a fresh clone,
//  5. Sloth generating the rules of the same SLOs in the same run, for
//     reference, and the ratio of verify to Sloth.
//
// Each row is the fastest of -runs runs by wall time, with that run's CPU
// time (user+system) and peak memory (the child's max RSS, from rusage). It
// prints one Markdown table per size, to paste into the README.
//
//	go run ./tools/benchorg -bin bin/groundwork -sloth bin/tools/sloth -sizes 1000
package main

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

func main() {
	bin := flag.String("bin", "bin/groundwork", "the groundwork binary to measure")
	sloth := flag.String("sloth", "bin/tools/sloth", "the Sloth binary to compare with; its row is skipped, with the reason, when it is missing")
	slothLog := flag.String("sloth-log", "", "the output of Sloth's build, whose last lines say why it is missing")
	sizes := flag.String("sizes", "1000", "numbers of services, comma-separated")
	runs := flag.Int("runs", 3, "runs per row; the fastest by wall time is kept")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fail(err)
	}
	b := &bench{bin: abs, runs: max(*runs, 1)}
	b.sloth, b.slothMissing = findSloth(*sloth, *slothLog)
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-sizes: %q is not a number of services", s))
		}
		if err := b.size(n); err != nil {
			fail(err)
		}
	}
}

type bench struct {
	bin          string
	runs         int
	sloth        string // absolute path, or "" when missing
	slothMissing string // why sloth is ""
}

// sample is one run of a child process.
type sample struct {
	wall, cpu time.Duration
	maxRSSKB  int64
}

// row is a line of the table: a sample, or why there is none.
type row struct {
	what    string
	s       sample
	skipped string
}

// size runs every row on an organisation of n services and prints its table.
func (b *bench) size(n int) error {
	loadStart := loadAverage()
	work, err := os.MkdirTemp("", "benchorg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	org := filepath.Join(work, "org")
	// Rows 1–3 keep groundwork's run cache here, never in the user's cache.
	cache := filepath.Join(work, "cache")
	var rows []row

	// 1. The first generate into a tree that holds only specs.
	first, err := b.best("first generate", func() error {
		for _, d := range []string{org, cache} {
			if err := os.RemoveAll(d); err != nil {
				return err
			}
		}
		return synthetic.Write(org, n)
	}, func() *exec.Cmd { return b.groundwork(org, cache, "generate") })
	if err != nil {
		return fmt.Errorf("first generate: %w", err)
	}
	files := countFiles(org) - synthetic.Specs(n)
	rows = append(rows, row{what: fmt.Sprintf("first `generate` into an empty tree (%s files)", thousands(int64(files))), s: first})

	// 2. A no-op generate: same specs, same binary, the cache of the last run.
	noop, err := b.best("no-op generate", nil, func() *exec.Cmd { return b.groundwork(org, cache, "generate") })
	if err != nil {
		return fmt.Errorf("no-op generate: %w", err)
	}
	rows = append(rows, row{what: "no-op `generate` (nothing changed)", s: noop})

	// 3. One service's availability objective edited, then generate. Each
	// run flips it between two values, so each run changes output.
	svc := filepath.Join(org, "specs", "services", fmt.Sprintf("svc-%04d.yaml", n/2))
	lock := filepath.Join(org, "groundwork.lock")
	var before []byte
	edit, err := b.best("edit, then generate", func() error {
		var err error
		if before, err = os.ReadFile(lock); err != nil {
			return err
		}
		return flipObjective(svc)
	}, func() *exec.Cmd { return b.groundwork(org, cache, "generate") }, func() error {
		after, err := os.ReadFile(lock)
		if err == nil && bytes.Equal(before, after) {
			err = errors.New("the edit changed no generated file")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("edit, then generate: %w", err)
	}
	rows = append(rows, row{what: "one service's spec edited (an SLO objective), then `generate`", s: edit})

	// 4. verify on a fresh copy: another root, and for each run a cache
	// folder of its own that is empty (GROUNDWORK_CACHE_DIR, and
	// XDG_CACHE_HOME should anything fall back to os.UserCacheDir), so that
	// no run cache of rows 1–3 or of an earlier run is seen.
	clone := filepath.Join(work, "clone")
	if err := copyTree(org, clone); err != nil {
		return fmt.Errorf("copying the tree: %w", err)
	}
	run := 0
	verify, err := b.best("verify", nil, func() *exec.Cmd {
		run++
		fresh := filepath.Join(work, fmt.Sprintf("verify-cache-%d", run))
		cmd := b.groundwork(clone, filepath.Join(fresh, "groundwork"), "verify")
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+fresh)
		return cmd
	})
	if err != nil {
		return fmt.Errorf("verify on a fresh copy: %w", err)
	}
	rows = append(rows, row{what: "`verify` on a fresh copy (no cache)", s: verify})

	// 5. Sloth, on the SLOs of the same tree.
	m, err := spec.Load(clone)
	if err != nil {
		return fmt.Errorf("loading the synthetic specs: %w", err)
	}
	slos := 0
	for _, s := range m.Services {
		slos += len(s.SLOs)
	}
	slothRow := row{what: fmt.Sprintf("Sloth%s: `sloth generate` of the same %s SLOs (%s specs)", b.slothVersion(), thousands(int64(slos)), thousands(int64(len(m.Services))))}
	if b.sloth == "" {
		slothRow.skipped = b.slothMissing
	} else {
		in, out := filepath.Join(work, "sloth-specs"), filepath.Join(work, "sloth-rules")
		if err := writeSlothSpecs(in, m); err != nil {
			return fmt.Errorf("writing Sloth specs: %w", err)
		}
		slothRow.s, err = b.best("sloth generate", func() error {
			if err := os.RemoveAll(out); err != nil {
				return err
			}
			return os.MkdirAll(out, 0o755)
		}, func() *exec.Cmd { return exec.Command(b.sloth, "generate", "-i", in, "-o", out) }, func() error {
			if got := countFiles(out); got != len(m.Services) {
				return fmt.Errorf("sloth wrote %d rule files, want %d", got, len(m.Services))
			}
			return nil
		})
		if err != nil {
			slothRow.skipped = "failed: " + oneLine(err.Error())
		}
	}
	rows = append(rows, slothRow)

	fmt.Printf("\n### %s services × 4 environments (%d cores, %s, best of %d; load average %s at the start, %s at the end)\n\n",
		thousands(int64(n)), runtime.NumCPU(), runtime.Version(), b.runs, loadStart, loadAverage())
	fmt.Println("| what | wall | CPU | peak MB |")
	fmt.Println("|---|---:|---:|---:|")
	for _, r := range rows {
		if r.skipped != "" {
			fmt.Printf("| %s | skipped: %s | | |\n", r.what, r.skipped)
			continue
		}
		fmt.Printf("| %s | %s | %s | %s |\n", r.what, seconds(r.s.wall), seconds(r.s.cpu), thousands(r.s.maxRSSKB*1024/1_000_000))
	}
	if slothRow.skipped == "" {
		s := slothRow.s
		fmt.Printf("\n`verify` / Sloth: %.1f× wall, %.1f× CPU, %.1f× peak memory.\n",
			ratio(verify.wall, s.wall), ratio(verify.cpu, s.cpu), float64(verify.maxRSSKB)/float64(max(s.maxRSSKB, 1)))
	}
	return nil
}

// groundwork is a groundwork command on root whose run cache is in cache.
func (b *bench) groundwork(root, cache string, args ...string) *exec.Cmd {
	cmd := exec.Command(b.bin, append([]string{"-C", root}, args...)...)
	cmd.Env = append(os.Environ(), "GROUNDWORK_CACHE_DIR="+cache)
	return cmd
}

// best runs setup (untimed), the command, then check (untimed), b.runs
// times, and returns the run with the least wall time. It tells each run's
// figures on stderr as it goes: at 1000 services a row takes minutes.
func (b *bench) best(what string, setup func() error, command func() *exec.Cmd, check ...func() error) (sample, error) {
	var min sample
	for i := 0; i < b.runs; i++ {
		if setup != nil {
			if err := setup(); err != nil {
				return sample{}, err
			}
		}
		s, err := measure(command())
		if err != nil {
			return sample{}, err
		}
		for _, c := range check {
			if err := c(); err != nil {
				return sample{}, err
			}
		}
		fmt.Fprintf(os.Stderr, "benchorg: %s, run %d/%d: %s wall, %s CPU, %s MB\n", what, i+1, b.runs, seconds(s.wall), seconds(s.cpu), thousands(s.maxRSSKB*1024/1_000_000))
		if i == 0 || s.wall < min.wall {
			min = s
		}
	}
	return min, nil
}

// measure runs cmd to its end and reads its resource use: CPU time and max
// RSS come from the child's rusage (ru_maxrss is in KB on Linux).
func measure(cmd *exec.Cmd) (sample, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(out.String(), 20))
	}
	s := sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSSKB = int64(ru.Maxrss)
	}
	return s, nil
}

// flipObjective edits a synthetic service spec: its availability objective
// goes from 99.9 to 99.95 and back, a change every SLO artifact shows.
func flipObjective(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const a, b = "{name: availability, objective: 99.9,", "{name: availability, objective: 99.95,"
	text := string(data)
	switch {
	case strings.Contains(text, a):
		text = strings.Replace(text, a, b, 1)
	case strings.Contains(text, b):
		text = strings.Replace(text, b, a, 1)
	default:
		return fmt.Errorf("%s: no availability objective to edit", path)
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// Sloth's prometheus/v1 spec: the fields that express groundwork's SLOs.
type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

type slothSLO struct {
	Name      string  `yaml:"name"`
	Objective float64 `yaml:"objective"`
	SLI       struct {
		Events struct {
			ErrorQuery string `yaml:"error_query"`
			TotalQuery string `yaml:"total_query"`
		} `yaml:"events"`
	} `yaml:"sli"`
	Alerting struct {
		Name        string `yaml:"name"`
		PageAlert   alert  `yaml:"page_alert"`
		TicketAlert alert  `yaml:"ticket_alert"`
	} `yaml:"alerting"`
}

type alert struct {
	Labels map[string]string `yaml:"labels"`
}

// writeSlothSpecs writes one Sloth spec per service, each SLO with the very
// queries groundwork records (alerting.SLIOf), page and ticket alerts on.
// Sloth's spec has one SLO period for a whole run (--default-slo-period,
// 30d), so an SLO with another window is written at 30d: the same rules.
func writeSlothSpecs(dir string, m *spec.Model) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range m.Services {
		doc := slothSpec{Version: "prometheus/v1", Service: s.Name, Labels: map[string]string{"team": s.Team}}
		for _, o := range s.SLOs {
			sli := alerting.SLIOf(s, o)
			var slo slothSLO
			slo.Name, slo.Objective = o.Name, o.Objective
			slo.SLI.Events.ErrorQuery, slo.SLI.Events.TotalQuery = sli.Bad("{{.window}}"), sli.Total("{{.window}}")
			slo.Alerting.Name = camel(s.Name) + camel(o.Name) + "BurnRate"
			slo.Alerting.PageAlert.Labels = map[string]string{"severity": "page"}
			slo.Alerting.TicketAlert.Labels = map[string]string{"severity": "ticket"}
			doc.SLOs = append(doc.SLOs, slo)
		}
		data, err := yaml.Marshal(doc)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, s.Name+".yaml"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// camel turns svc-0001 into Svc0001.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// findSloth returns the absolute path of the Sloth binary, or why there is
// none: the last lines of its build's output when there is one.
func findSloth(path, buildLog string) (string, string) {
	abs, err := filepath.Abs(path)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err == nil {
		return abs, ""
	}
	why := fmt.Sprintf("%s was not built", path)
	if data, err := os.ReadFile(buildLog); buildLog != "" && err == nil && len(bytes.TrimSpace(data)) > 0 {
		why += " (" + oneLine(tail(string(data), 3)) + ")"
	}
	return "", why
}

// slothVersion is the version of Sloth's module in the binary, after a
// space, or "" when it cannot be read (`sloth version` of a binary built with
// go build says "dev").
func (b *bench) slothVersion() string {
	if b.sloth == "" {
		return ""
	}
	info, err := buildinfo.ReadFile(b.sloth)
	if err != nil {
		return ""
	}
	if info.Main.Path == slothModule {
		return " " + info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == slothModule {
			return " " + d.Version
		}
	}
	return ""
}

const slothModule = "github.com/slok/sloth"

// loadAverage is the machine's load over the last minute, or "?": a shared
// machine's load says how far wall time is to be trusted.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// copyTree copies every regular file under from to to, as a fresh clone
// would have them.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, src); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(max(b, 1)) }

// thousands writes 63161 as 63,161.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "|", "/")), " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchorg:", err)
	os.Exit(1)
}
