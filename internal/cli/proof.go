package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/groundwork-dev/groundwork/generators"
)

const proofUsage = "usage: groundwork [-C DIR] proof OUT\n\nWrite the proof of the generated alerts into the folder OUT, which must be new\nor empty: per environment and service, the rule groups its PrometheusRule\ndeploys (alerts/<env>/<svc>.rules.yaml) and the promtool tests of every alert\n(<svc>.test.yaml, <svc>.slow.test.yaml, <svc>.outage.test.yaml). They are not\ncommitted; run them with promtool test rules OUT/alerts/*/*.test.yaml\n(make proof does both).\n"

// proof writes what proves the generated alerts into a scratch folder. The
// folder is the caller's, named on the command line, never one from the
// tree; it must be new or empty, so that proof never overwrites a file.
func (c *command) proof(args []string) int {
	if len(args) != 1 {
		fmt.Fprint(c.stderr, proofUsage)
		return ExitInput
	}
	out := args[0]
	m, code := c.load()
	if code != ExitOK {
		return code
	}
	o, err := generators.Proof(m)
	if code := c.rendered(err); code != ExitOK {
		return code
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return c.failed(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return c.failed(err)
	}
	if len(entries) > 0 {
		fmt.Fprintf(c.stderr, "groundwork proof: %s is not empty; name a new or empty folder, so that nothing in it is overwritten\n", out)
		return ExitInput
	}
	for _, f := range o.Files {
		p := filepath.Join(out, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return c.failed(err)
		}
		// O_EXCL: a file that appeared since the folder was found empty
		// is someone else's.
		w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = w.Write(f.Data)
			err = errors.Join(err, w.Close())
		}
		if err != nil {
			if errors.Is(err, fs.ErrExist) {
				fmt.Fprintf(c.stderr, "groundwork proof: %s appeared while writing; nothing of it was overwritten\n", p)
				return ExitInput
			}
			return c.failed(err)
		}
	}
	fmt.Fprintf(c.stdout, "groundwork: %d proof files in %s; run promtool test rules %s\n", len(o.Files), out, filepath.Join(out, "alerts", "*", "*.test.yaml"))
	return ExitOK
}
