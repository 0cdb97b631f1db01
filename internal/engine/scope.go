package engine

import (
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Scope is the services a partial render makes their own files for: after
// a service spec edit, the files of that service alone (File.Service) are
// rendered again, with every shared file, and the files of the other
// services are left as the last run wrote them. A nil Scope is every
// service: a full render.
type Scope struct{ names map[string]bool }

// NewScope is the scope of the services named.
func NewScope(names ...string) *Scope {
	s := &Scope{names: make(map[string]bool, len(names))}
	for _, n := range names {
		s.names[n] = true
	}
	return s
}

// Has reports whether a partial render makes the files of the service
// named; every service is in a nil Scope.
func (s *Scope) Has(name string) bool { return s == nil || s.names[name] }

// Names lists the services of the scope, sorted; nil for a nil Scope.
func (s *Scope) Names() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.names))
	for n := range s.names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (s *Scope) String() string {
	if s == nil {
		return "every service"
	}
	return strings.Join(s.Names(), ", ")
}

// Renders reports whether this render makes the files of service s alone
// (File.Service). A generator skips those of a service out of scope, and
// only those: it makes every shared file, whose content may list every
// service, in every render. Whatever a generator makes for a service out
// of scope is compared like any file, so a generator that never asks is
// slower, never wrong.
func (in Input) Renders(s *spec.Service) bool { return in.Scope.Has(s.Name) }
