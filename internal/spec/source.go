package spec

import "strings"

// Source is one spec file and where each of its values was written, so that a
// check made long after decoding can still point at the exact line and column.
type Source struct {
	Path string // slash path relative to the repository root

	pos    map[string]Pos // value positions by field path, e.g. "slos[0].objective"
	keyPos map[string]Pos // positions of mapping keys, for errors about the key itself
	// imports are the files a Jsonnet spec imported, sorted.
	imports []string
}

// Imports lists the files of specs/ that a Jsonnet spec imported, however
// deeply, sorted: with the spec itself, every byte its value comes from.
// A YAML spec imports none.
func (s *Source) Imports() []string { return s.imports }

func newSource(path string) *Source {
	return &Source{Path: path, pos: map[string]Pos{}, keyPos: map[string]Pos{}}
}

// Pos returns where the value at path was written. A value that was not
// written (it took its default) is reported at its nearest written parent.
func (s *Source) Pos(path string) Pos {
	for {
		if p, ok := s.pos[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parentPath(path)
	}
}

// KeyPos returns where the key of the mapping entry at path was written,
// falling back to the value's position.
func (s *Source) KeyPos(path string) Pos {
	if p, ok := s.keyPos[path]; ok {
		return p
	}
	return s.Pos(path)
}

// Has reports whether the spec wrote a value at path (rather than defaulting it).
func (s *Source) Has(path string) bool {
	_, ok := s.pos[path]
	return ok
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}
