package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// ReleasesDir holds the release records: which image digest each service
// runs in an environment. The deploy workflows write them; people review them
// as a diff like any change.
const ReleasesDir = Dir + "/releases"

// Release is the release record of one environment.
type Release struct {
	Env     string            // the environment, from the file name
	Digests map[string]string // service name -> image digest
	Source  *Source
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ValidDigest reports whether d is an image digest as registries print it.
func ValidDigest(d string) bool { return digestRE.MatchString(d) }

// Digest is the image digest service s runs in environment e, or "" when it
// is not deployed there yet.
func (m *Model) Digest(e *Environment, s *Service) string {
	if r := m.Releases[e.Name]; r != nil {
		return r.Digests[s.Name]
	}
	return ""
}

// PgopsDigest is the digest of the database jobs' image (backend/cmd/pgops)
// in environment e, or "" when none has been released there yet.
func (m *Model) PgopsDigest(e *Environment) string {
	if r := m.Releases[e.Name]; r != nil {
		return r.Digests[PgopsRelease]
	}
	return ""
}

// EncodeRelease gives the bytes of a release record: a comment, then one
// "service: digest" line per service, sorted, so that a deploy changes
// exactly the lines of the services it deployed.
func EncodeRelease(env string, digests map[string]string) []byte {
	var b strings.Builder
	b.WriteString("# yaml-language-server: $schema=../../schemas/release.schema.json\n")
	fmt.Fprintf(&b, "# Release record of %s: the image digest each service runs there.\n", env)
	b.WriteString("# Written by the deploy workflows (groundwork release); reviewed like any change.\n")
	for _, name := range slices.Sorted(maps.Keys(digests)) {
		fmt.Fprintf(&b, "%s: %s\n", name, digests[name])
	}
	return []byte(b.String())
}

func (c *checker) release(m *Model, r *Release) {
	src := r.Source
	if m.Environment(r.Env) == nil {
		c.envRef(m, src, Pos{}, "", r.Env)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Digests)) {
		if m.Service(name) == nil && name != PgopsRelease && !m.unread[kindName(kindService)+"/"+name] {
			names := make([]string, len(m.Services))
			for i, s := range m.Services {
				names[i] = s.Name
			}
			msg := fmt.Sprintf("service %q does not exist", name)
			if s := suggest(name, names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			c.report(src, src.KeyPos(name), KindReference, name, "%s", msg)
		}
		if d := r.Digests[name]; !ValidDigest(d) {
			c.errorf(src, KindValue, name, "%q is not an image digest: sha256: and 64 lowercase hex digits", d)
		}
	}
}
