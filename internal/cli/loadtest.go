package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/groundwork-dev/groundwork/internal/loadtest"
)

const loadtestUsage = `usage: groundwork [-C DIR] loadtest SERVICE --target URL [flags]

Send the service's load test (the loadtest of specs/services/SERVICE.yaml, the
plan its generated k6 script runs) to URL with vegeta, showing progress on
stderr, and print a Markdown report: requests, throughput, latency
percentiles, error rate, and each SLO threshold with pass or fail.
Exit 0 when every threshold holds, 1 when one fails, 2 for a wrong command.

Flags:
  --target URL       base URL of the service, e.g. http://127.0.0.1:8080 (required)
  --env TEXT         what the target is, for the report (e.g. "staging")
  --out FILE         write the report to FILE instead of stdout
  --rate N           requests per second instead of the spec's (the report says so)
  --duration D       how long instead of the spec's, e.g. 30s
`

// loadtest runs the load test of one service against a target.
func (c *command) loadtest(args []string) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, loadtestUsage) }
	target := fs.String("target", "", "")
	env := fs.String("env", "", "")
	out := fs.String("out", "", "")
	rate := fs.Int("rate", 0, "")
	duration := fs.Duration("duration", 0, "")
	// The service name may come before the flags or after them.
	var service string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		service, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitInput
	}
	if service == "" && fs.NArg() > 0 {
		service = fs.Arg(0)
	}
	if service == "" || fs.NArg() > 1 || *target == "" {
		fmt.Fprint(c.stderr, loadtestUsage)
		return ExitInput
	}
	if *rate < 0 || *rate > 10000 || *duration < 0 {
		fmt.Fprintln(c.stderr, "groundwork loadtest: --rate is 1 to 10000 requests per second and --duration is positive")
		return ExitInput
	}
	m, code := c.load()
	if code != ExitOK {
		return code
	}
	var plan *loadtest.Plan
	var names []string
	for _, s := range m.Services {
		if s.Name == service {
			plan = loadtest.New(s)
			if plan == nil {
				fmt.Fprintf(c.stderr, "groundwork loadtest: %s has no loadtest in %s; add one (rate, duration, requests)\n", service, s.Source.Path)
				return ExitInput
			}
		}
		if s.Loadtest != nil {
			names = append(names, s.Name)
		}
	}
	if plan == nil {
		fmt.Fprintf(c.stderr, "groundwork loadtest: there is no service %q; the services with a load test are: %s\n", service, strings.Join(names, ", "))
		return ExitInput
	}
	if *rate > 0 {
		plan.Rate = *rate
	}
	if *duration > 0 {
		plan.Duration = *duration
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(c.stderr, "groundwork loadtest: %s against %s: %s\n", service, *target, plan.Describe())
	started := time.Now().UTC()
	res, err := loadtest.Run(ctx, plan, *target, loadtest.Options{Progress: c.stderr})
	if err != nil {
		fmt.Fprintf(c.stderr, "groundwork loadtest: %v\n", err)
		return ExitInput
	}
	meta := loadtest.Meta{
		Date:        started.Format("2006-01-02 15:04 MST"),
		Command:     shellLine(append([]string{"groundwork", "loadtest", service}, args...)),
		Machine:     machine(),
		Environment: *env,
	}
	var report bytes.Buffer
	if err := res.Report(&report, meta); err != nil {
		return c.failed(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, report.Bytes(), 0o644); err != nil {
			return c.failed(err)
		}
		fmt.Fprintf(c.stderr, "groundwork loadtest: wrote %s\n", *out)
	} else {
		c.stdout.Write(report.Bytes())
	}
	if !res.Pass() {
		fmt.Fprintf(c.stderr, "groundwork loadtest: %s failed a threshold (or was cut short): see the report\n", service)
		return ExitFindings
	}
	return ExitOK
}

// machine describes where the runner ran: OS, CPU model, cores, Go.
func machine() string {
	cpu := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v) + ", "
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%s/%s, %s%d CPUs, %s", runtime.GOOS, runtime.GOARCH, cpu, runtime.NumCPU(), runtime.Version())
}

// shellLine quotes args as a POSIX shell reads them back.
func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
