// Command benchorg times `groundwork generate` on synthetic organisations of
// growing size: N services × 4 environments, each service using most of the
// spec. It prints one row per size, so that linear cost is visible.
//
//	go run ./tools/benchorg -bin bin/groundwork -sizes 100,250,500,1000
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

func main() {
	bin := flag.String("bin", "bin/groundwork", "the groundwork binary to time")
	sizes := flag.String("sizes", "100,250,500,1000", "numbers of services")
	runs := flag.Int("runs", 3, "runs per measurement; the fastest is kept")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%8s %8s %12s %12s %14s\n", "services", "files", "generate", "no-op", "per service")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			fail(err)
		}
		dir, err := os.MkdirTemp("", "benchorg-")
		if err != nil {
			fail(err)
		}
		if err := synthetic.Write(dir, n); err != nil {
			fail(err)
		}
		cold := best(*runs, func() {
			os.RemoveAll(filepath.Join(dir, ".github"))
			os.RemoveAll(filepath.Join(dir, "schemas"))
			os.Remove(filepath.Join(dir, "groundwork.lock"))
		}, abs, dir)
		noop := best(*runs, func() {}, abs, dir)
		files := countFiles(dir) - synthetic.Specs(n)
		fmt.Printf("%8d %8d %12s %12s %14s\n", n, files, cold.Round(time.Millisecond), noop.Round(time.Millisecond), (cold / time.Duration(n)).Round(time.Microsecond))
		os.RemoveAll(dir)
	}
}

// best runs generate several times after reset and returns the fastest.
func best(runs int, reset func(), bin, dir string) time.Duration {
	var min time.Duration
	for i := 0; i < runs; i++ {
		reset()
		start := time.Now()
		cmd := exec.Command(bin, "-C", dir, "generate")
		if out, err := cmd.CombinedOutput(); err != nil {
			fail(fmt.Errorf("generate: %v\n%s", err, out))
		}
		if d := time.Since(start); i == 0 || d < min {
			min = d
		}
	}
	return min
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

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchorg:", err)
	os.Exit(1)
}
