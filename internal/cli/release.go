package cli

import (
	"fmt"
	"maps"
	"path"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

const releaseUsage = `usage:
  groundwork release set ENV SERVICE=DIGEST...   record the digests ENV now runs
                                                 (SERVICE may be pgops, the image
                                                 of the database jobs)
  groundwork release promote FROM TO             make TO run exactly what FROM runs
`

// release writes release records, the one part of specs/ that tools write:
// the deploy workflows record what they deployed, then regenerate.
func (c *command) release(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, releaseUsage)
		return ExitInput
	}
	m, code := c.load()
	if code != ExitOK {
		fmt.Fprintln(c.stderr, "groundwork: the specs must be valid before a release is recorded")
		return code
	}
	switch args[0] {
	case "set":
		if len(args) < 3 {
			break
		}
		return c.releaseSet(m, args[1], args[2:])
	case "promote":
		if len(args) != 3 {
			break
		}
		return c.releasePromote(m, args[1], args[2])
	}
	fmt.Fprint(c.stderr, releaseUsage)
	return ExitInput
}

func (c *command) releaseSet(m *spec.Model, env string, pairs []string) int {
	e := c.environment(m, env)
	if e == nil {
		return ExitInput
	}
	digests := map[string]string{}
	if r := m.Releases[env]; r != nil {
		maps.Copy(digests, r.Digests)
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		name, digest, ok := strings.Cut(p, "=")
		switch {
		case seen[name]:
			fmt.Fprintf(c.stderr, "groundwork release set: service %q is given twice; give each service one digest\n", name)
			return ExitInput
		case !ok:
			fmt.Fprintf(c.stderr, "groundwork release set: %q is not SERVICE=DIGEST\n", p)
			return ExitInput
		case m.Service(name) == nil && name != spec.PgopsRelease:
			fmt.Fprintf(c.stderr, "groundwork release set: service %q does not exist\n", name)
			return ExitInput
		case !spec.ValidDigest(digest):
			fmt.Fprintf(c.stderr, "groundwork release set: %q is not an image digest (sha256: and 64 hex digits)\n", digest)
			return ExitInput
		}
		seen[name] = true
		digests[name] = digest
	}
	return c.writeRelease(e, digests)
}

func (c *command) releasePromote(m *spec.Model, from, to string) int {
	src, dst := c.environment(m, from), c.environment(m, to)
	if src == nil || dst == nil {
		return ExitInput
	}
	r := m.Releases[from]
	if r == nil || len(r.Digests) == 0 {
		fmt.Fprintf(c.stderr, "groundwork release promote: %s has no release record (%s); nothing to promote\n", from, spec.ReleaseFile(src))
		return ExitInput
	}
	return c.writeRelease(dst, r.Digests)
}

func (c *command) environment(m *spec.Model, name string) *spec.Environment {
	e := m.Environment(name)
	if e == nil {
		fmt.Fprintf(c.stderr, "groundwork release: environment %q does not exist\n", name)
	}
	return e
}

// writeRelease replaces the record atomically: a half-written record would
// be a spec error on the next generate. The record is staged beside itself,
// created exclusively, and renamed into place, all with no link followed.
func (c *command) writeRelease(e *spec.Environment, digests map[string]string) int {
	name := spec.ReleaseFile(e)
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+".groundwork-tmp")
	err := c.tree.MkdirAll(path.Dir(name))
	if err == nil {
		err = c.tree.Remove(tmp) // left by a run that was killed
	}
	if err == nil {
		err = c.tree.WriteNew(tmp, spec.EncodeRelease(e.Name, digests))
	}
	if err == nil {
		if err = c.tree.Rename(tmp, name); err != nil {
			c.tree.Remove(tmp)
		}
	}
	if err != nil {
		return c.failed(err)
	}
	fmt.Fprintf(c.stdout, "wrote %s (%d %s); run make generate\n", name, len(digests), plural(len(digests), "digest", "digests"))
	return ExitOK
}
