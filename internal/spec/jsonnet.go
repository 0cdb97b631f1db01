package spec

import (
	"strconv"
	"strings"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// jsonnetLocator finds where a field of a Jsonnet spec's output is written in
// the spec's own source, so that its diagnostics carry a line and column like
// YAML's. It follows the shapes specs are written in: locals, objects, arrays
// and object extension (`lib.defaults { ... }`, `a + b`, where the right side
// wins). A field that comes from an imported library is reported at the
// nearest place of the spec itself.
func jsonnetLocator(file, snippet string) func(path string) Pos {
	root, err := jsonnet.SnippetToAST(file, snippet)
	if err != nil {
		return func(string) Pos { return Pos{} }
	}
	return func(path string) Pos {
		if loc := locate(root, splitPath(path)); loc != nil && loc.Begin.Line > 0 {
			return Pos{Line: loc.Begin.Line, Col: loc.Begin.Column}
		}
		return Pos{}
	}
}

// locate returns the location of the deepest part of path found under n.
func locate(n ast.Node, path []string) *ast.LocationRange {
	switch n := n.(type) {
	case *ast.Local:
		return locate(n.Body, path)
	case *ast.Binary:
		if n.Op != ast.BopPlus {
			return nil
		}
		right, left := locate(n.Right, path), locate(n.Left, path)
		if right != nil {
			return right
		}
		return left
	case *ast.DesugaredObject:
		if len(path) == 0 {
			return n.Loc()
		}
		for i := range n.Fields {
			f := &n.Fields[i]
			if name, ok := f.Name.(*ast.LiteralString); ok && name.Value == path[0] {
				if inner := locate(f.Body, path[1:]); inner != nil && len(path) > 1 {
					return inner
				}
				return &f.LocRange
			}
		}
	case *ast.Array:
		if len(path) == 0 {
			return n.Loc()
		}
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(n.Elements) {
			return nil
		}
		if inner := locate(n.Elements[i].Expr, path[1:]); inner != nil {
			return inner
		}
		return n.Elements[i].Expr.Loc()
	default:
		if len(path) == 0 && n != nil {
			return n.Loc()
		}
	}
	return nil
}

// splitPath turns "slos[0].sli.errors" into ["slos", "0", "sli", "errors"].
func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	return strings.Split(path, ".")
}
