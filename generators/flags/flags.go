// Package flags makes environments/<env>/flags/<service>.flagd.json: each
// service's feature flags in one environment, in flagd's flag definition
// format, with the variant and targeting the spec gives that environment.
// The Flux tree carries the same document (spec.Flagd) to the cluster; this
// file is what reviewers read as a diff and what flagd's own evaluator is
// tested on.
package flags

import (
	"fmt"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Generator makes one flagd file per environment and service with flags.
type Generator struct{}

func (Generator) Kind() string { return "flags" }

func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m := in.Spec
	var files []engine.File
	for _, e := range m.Environments {
		for _, s := range m.Services {
			if len(s.Flags) == 0 || !in.Renders(s) {
				continue
			}
			data, err := spec.MarshalFlagd(spec.Flagd(s, e.Name))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", e.Name, s.Name, err)
			}
			files = append(files, engine.File{
				Path: spec.FlagsFile(e, s),
				Origins: []engine.Origin{
					{Spec: s.Source.Path, Fields: []string{"flags"}},
					{Spec: e.Source.Path, Fields: []string{"name"}},
				},
				Data:    data,
				Service: s.Name,
			})
		}
	}
	return files, nil
}
