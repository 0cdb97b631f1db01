// Package cli is the groundwork command: it takes the arguments and the
// streams and returns an exit code, so that it runs in-process in tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Exit codes.
const (
	ExitOK       = 0 // done, nothing to report
	ExitFindings = 1 // verify found stale, hand-edited, orphaned or missing files
	ExitInput    = 2 // a spec is wrong, or the command line is
	ExitInternal = 3 // a bug or an I/O failure
	// ExitInterrupted: SIGINT or SIGTERM stopped a run; the tree is as it was.
	ExitInterrupted = 130
)

// Version is the version of groundwork, set at release by -ldflags.
var Version = "0.1.0-dev"

const usage = `groundwork turns the specs in specs/ into everything production needs.

Usage:
  groundwork [-C DIR] <command> [arguments]

Commands:
  generate          write every generated file; remove orphans; refuse to touch unowned files
  verify            exit 1 if a generated file is stale, hand-edited, orphaned or missing
  diff [--markdown] show what generate would change (--markdown: a PR comment)
  explain PATH      which specs and fields produce PATH, or what a spec produces
  proof OUT         write the promtool tests of every alert into the new folder OUT
  release set ENV SERVICE=DIGEST...  record what ENV runs (specs/releases/ENV.yaml)
  release promote FROM TO            make TO run exactly what FROM runs
  loadtest SERVICE --target URL      run the service's load test against URL
  partner key issue|revoke|list PARTNER --env ENV   a partner's API keys, in Secrets Manager

Flags:
  -C DIR            work on the repository at DIR (it needs only specs/)
  --version         print the version
`

// commandHelp is what `groundwork CMD --help` prints.
var commandHelp = map[string]string{
	"generate": "usage: groundwork [-C DIR] generate [--verbose]\n\nWrite every generated file that changed, remove orphans, and never touch a file\ngroundwork did not write. A wrong spec writes nothing (exit 2). Up to 50 changed\nfiles and 10 services not deployed yet are named; --verbose names all of them.\n",
	"verify":   "usage: groundwork [-C DIR] verify\n\nExit 1 naming each generated file that is stale, hand-edited, orphaned or\nmissing, with a diff; exit 0 when the tree is what the specs generate.\n",
	"diff":     "usage: groundwork [-C DIR] diff [--markdown [--base DIR]] [--exit-code]\n\nPrint what generate would change, as a unified diff (an added or removed file\nby its name and size); --markdown prints the pull-request summary instead, and\n--base DIR, a checkout of the base branch, starts it with each spec field\nedited, old -> new. Exit 0 either way, or with --exit-code 1 when something\nwould change, like git diff --exit-code.\n",
	"explain":  "usage: groundwork [-C DIR] explain PATH\n\nFor a generated file, the spec fields it is made from (file:line:col); for a\nspec, the files it makes. PATH is relative to the repository root.\n",
	"proof":    proofUsage,
	"release":  releaseUsage,
	"partner":  partnerUsage,
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

type command struct {
	root           string
	stdout, stderr io.Writer
	tree           *tree.Tree
	files          *spec.Files // specs/ as this run read it
	// parsed holds the YAML trees of the specs this run loaded, kept in
	// the cache with the record of a clean run (see cache.go).
	parsed *spec.ParseCache
	// recorded is the checksum of the record written whole that the last
	// run's record, read by this run, was read from: the record this run
	// leaves may be a delta against it (see cache.go).
	recorded string
	// inputs are inputsOf(inputsFor), once taken.
	inputsFor *spec.Model
	inputs    inputs
	inputsOK  bool
}

// Main runs groundwork with args (without the program name). A panic, in
// any goroutine of the run, ends as one line and exit 3, never a trace.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			if p, ok := v.(*parallel.Panic); ok {
				v = p.Value
			}
			msg := strings.ReplaceAll(fmt.Sprint(v), "\n", " ")
			fmt.Fprintf(stderr, "groundwork: internal error: %.300s; this is a bug in groundwork: please report it with the command you ran and, if you can, the specs\n", msg)
			code = ExitInternal
		}
	}()
	fs := flag.NewFlagSet("groundwork", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	dir := fs.String("C", ".", "")
	version := fs.Bool("version", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitInput
	}
	if *version {
		fmt.Fprintf(stdout, "groundwork %s (%s)\n", Version, runtime.Version())
		return ExitOK
	}
	// A partial render sets the memory limit and the collector for the
	// rest of its run (partialRenderMemory); the next run in this process
	// starts from this one's. (SetGCPercent only reads by setting.)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	gcPercent := debug.SetGCPercent(100)
	debug.SetGCPercent(gcPercent)
	defer debug.SetGCPercent(gcPercent)
	runGC()
	c := &command{root: filepath.Clean(*dir), stdout: stdout, stderr: stderr}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitInput
	}
	name, rest := rest[0], rest[1:]
	if help, ok := commandHelp[name]; ok && len(rest) > 0 && isHelp(rest[0]) {
		fmt.Fprint(stdout, help)
		return ExitOK
	}
	run, writes := map[string]func([]string) int{
		"generate": c.generate, "verify": c.verify, "diff": c.diff, "explain": c.explain, "proof": c.proof, "release": c.release,
		"loadtest": c.loadtest, "partner": c.partner,
	}[name], name == "generate" || name == "release"
	if run != nil {
		if code := c.open(writes); code != ExitOK {
			return code
		}
		defer c.tree.Close()
		return run(rest)
	}
	switch name {
	case "version":
		fmt.Fprintf(stdout, "groundwork %s (%s)\n", Version, runtime.Version())
		return ExitOK
	case "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "groundwork: unknown command %q; run groundwork help\n", name)
	return ExitInput
}

// open opens the repository and takes it: exclusively for a command that
// writes, shared for one that reads, so that a verify never sees a generate
// half-way and two generates never interleave.
func (c *command) open(writes bool) int {
	t, err := tree.Open(c.root)
	if err != nil {
		fmt.Fprintf(c.stderr, "groundwork: %s: cannot open it (%v), so there is no specs folder here; run groundwork from the repository root or pass -C DIR\n", c.root, errors.Unwrap(err))
		return ExitInput
	}
	if err := t.Lock(writes); err != nil {
		t.Close()
		if errors.Is(err, tree.ErrBusy) {
			fmt.Fprintf(c.stderr, "groundwork: another groundwork is running in %s (a generate or a release); wait for it to finish, then run this again\n", c.root)
			return ExitInput
		}
		fmt.Fprintf(c.stderr, "groundwork: %v\n", err)
		return ExitInternal
	}
	c.tree = t
	return ExitOK
}

// load reads and validates the specs. On failure it has printed why and
// returns the exit code.
func (c *command) load() (*spec.Model, int) { return c.loadSince(nil) }

// loadSince is load for a run that reads the record of the last clean run
// (lastRunSoon): the services whose specs did not change since are not
// checked again (see checkedBefore).
func (c *command) loadSince(lastRun func(inputs) *record) (*spec.Model, int) {
	parsed := c.parsedSoon()
	files, diags, err := spec.ReadFiles(c.tree)
	if err != nil {
		return nil, c.failed(err)
	}
	if len(diags) > 0 {
		c.mistakes(diags.Sorted())
		return nil, ExitInput
	}
	c.files = files
	c.parsed = parsed()
	reuse := spec.Reuse{Parsed: c.parsed}
	if lastRun != nil {
		reuse.Checked = c.checkedBefore(lastRun)
	}
	m, err := spec.LoadFilesWith(files, reuse)
	if errors.As(err, &diags) {
		c.mistakes(diags)
		return nil, ExitInput
	}
	if err != nil {
		return nil, c.failed(err)
	}
	return m, ExitOK
}

// failed prints an error that is not a spec mistake and returns its exit
// code: a tree groundwork refuses to work on is bad input, like a wrong
// spec; anything else is an internal failure.
func (c *command) failed(err error) int {
	fmt.Fprintf(c.stderr, "groundwork: %v\n", err)
	var te *engine.TreeError
	if errors.As(err, &te) || tree.Hostile(err) {
		return ExitInput
	}
	return ExitInternal
}

func (c *command) mistakes(diags spec.Diagnostics) {
	fmt.Fprintln(c.stderr, diags.Error())
	fmt.Fprintf(c.stderr, "groundwork: %d %s in the specs; nothing was written\n", len(diags), plural(len(diags), "mistake", "mistakes"))
}

// render loads the specs and generates every file. On failure it has
// printed why and returns the exit code.
func (c *command) render() (*spec.Model, *engine.Output, int) {
	m, code := c.load()
	if code != ExitOK {
		return nil, nil, code
	}
	out, code := c.renderModel(m)
	return m, out, code
}

func (c *command) renderModel(m *spec.Model) (*engine.Output, int) {
	out, err := generators.Render(m)
	return out, c.rendered(err)
}

// rendered says what went wrong in a render, if anything, and returns the
// exit code.
func (c *command) rendered(err error) int {
	var diags spec.Diagnostics
	switch {
	case errors.As(err, &diags):
		c.mistakes(diags)
		return ExitInput
	case err != nil:
		fmt.Fprintf(c.stderr, "groundwork: internal error in a generator: %v\n", err)
		return ExitInternal
	}
	return ExitOK
}

// runGCPercent is the collector's GOGC through a run, unless GOGC says
// otherwise. At a thousand services a full render allocates two gigabytes
// through a live heap of 70 to 180 MB, and loading the specs a hundred
// megabytes: at the default of 100 the collector took an eighth of a full
// render's time, and ran four times while an edit loaded its specs. At 400
// the soft memory limit main sets (400 MiB) starts most of a full render's
// cycles, and bounds the heap, so the peak stays where it was (430 to
// 440 MB of RSS, at 200 as at 400; 4% less CPU than at 200); a partial
// render turns it off under a limit of its own (partialRenderMemory).
const runGCPercent = 400

// runGC sets the collector for the run, which Main restores.
func runGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(runGCPercent)
	}
}

// partialRenderMemory sets the soft memory limit for a partial render of
// a tree of that many files and lets that limit alone start the collector,
// unless GOMEMLIMIT or GOGC says otherwise; it returns what restores both.
// A partial render keeps about 1.5 KiB per file of the tree live (the last
// run's manifest and record, the lock, the specs). The limit is twice
// that, never under 192 MiB: at a thousand services (243 MB) the collector
// runs once or twice in an edit instead of seven times at the default GOGC
// (0.2 s of the edit's 1.8 s of CPU, measured), and the peak stays near
// 265 MB, with the specs loaded at runGCPercent before it; a larger tree
// still has the room it needs.
func partialRenderMemory(files int) func() {
	limit, percent := debug.SetMemoryLimit(-1), -1
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetMemoryLimit(min(limit, max(192<<20, int64(files)*3<<10)))
	if os.Getenv("GOGC") == "" {
		percent = debug.SetGCPercent(-1)
	}
	return func() {
		debug.SetMemoryLimit(limit)
		if percent >= 0 {
			debug.SetGCPercent(percent)
		}
	}
}

// plan renders and compares with the disk.
func (c *command) plan() (*spec.Model, *engine.Plan, int) {
	m, code := c.load()
	if code != ExitOK {
		return nil, nil, code
	}
	p, code := c.planModel(context.Background(), m, false)
	return m, p, code
}

// planSince plans as planModel does, rendering only what changed since
// the last clean run when that run can tell (see cache.go): the files of
// the services whose specs changed, and the shared files. When the tree is
// not as that run left it, it renders in full. It returns the scope of the
// partial render, or nil after a full one. A plan to apply (generate)
// stages the files of a full render as they are made
// (engine.RenderToApply); once ctx ends, it stops, nothing written.
func (c *command) planSince(ctx context.Context, m *spec.Model, last *record, in inputs, apply bool) (*engine.Plan, *engine.Scope, int) {
	if sc := scope(last, in); sc != nil {
		restore := partialRenderMemory(len(last.manifest.Files))
		out, err := generators.RenderPartial(c.tree, m, sc, last.manifest)
		if code := c.rendered(err); code != ExitOK {
			return nil, nil, code
		}
		p, err := engine.Compare(c.tree, out)
		if err == nil {
			// The limit stays for the rest of the run: applying the
			// plan and recording it.
			return p, sc, ExitOK
		}
		restore()
		if !errors.Is(err, engine.ErrNotPartial) {
			return nil, nil, c.failed(err)
		}
	}
	p, code := c.planModel(ctx, m, apply)
	return p, nil, code
}

// partly says how much of the files a partial render rendered.
func partly(m *spec.Model, sc *engine.Scope) string {
	if sc == nil {
		return ""
	}
	n := 0
	for _, s := range m.Services {
		if sc.Has(s.Name) {
			n++
		}
	}
	return fmt.Sprintf(" (%d of %d services rendered; the others' files as the last run left them)", n, len(m.Services))
}

// planModel renders m in full for the tree and compares, staging the new
// files for a run that applies the plan (see planSince).
func (c *command) planModel(ctx context.Context, m *spec.Model, apply bool) (*engine.Plan, int) {
	var out *engine.Output
	var err error
	if apply {
		out, err = generators.RenderToApply(ctx, c.tree, m)
	} else {
		out, err = generators.RenderFor(c.tree, m)
	}
	var te *engine.TreeError
	var fe *tree.Error
	switch {
	case errors.Is(err, engine.ErrInterrupted):
		fmt.Fprintf(c.stderr, "groundwork: %v\n", err)
		return nil, ExitInterrupted
	case errors.As(err, &te) || errors.As(err, &fe):
		// The tree refused staging (a link planted at StagingDir, a
		// full disk): not a generator's fault.
		return nil, c.failed(err)
	}
	if code := c.rendered(err); code != ExitOK {
		return nil, code
	}
	p, err := engine.Compare(c.tree, out)
	if err != nil {
		return nil, c.failed(err)
	}
	return p, ExitOK
}

// noArgs refuses arguments to a command that takes none.
func (c *command) noArgs(name string, args []string) bool {
	if len(args) > 0 {
		fmt.Fprintf(c.stderr, "groundwork %s: unexpected argument %q\n", name, args[0])
		return false
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
