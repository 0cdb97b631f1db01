package generators_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
)

// module is the import path of the repository's module.
const module = "github.com/groundwork-dev/groundwork"

// TestShape keeps the layers apart (DESIGN.md, The model): no generator
// imports another generator, and nothing below the generators (spec, the
// engine, a derived model) imports one; a fact two generators need lives
// below them. The generators are the packages generators.go lists; the
// root package (the list) and cli sit above everything, and only cli may
// import the list. Test files are not checked: black-box tests render
// through the list.
func TestShape(t *testing.T) {
	gens := listedGenerators(t)
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	checked := 0
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "testdata" {
			continue
		}
		pkg, err := build.Default.ImportDir(e.Name(), 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				continue
			}
			t.Fatal(err)
		}
		checked++
		from := e.Name()
		for _, imp := range pkg.Imports {
			to, ok := strings.CutPrefix(imp, module+"/generators")
			if !ok {
				continue
			}
			to = strings.TrimPrefix(to, "/")
			var bad bool
			switch {
			case to == "" || to == "cli":
				bad = from != "cli" || to == "cli" // the list and the command are the top
			case gens[to]:
				bad = true // a generator: only the list may import it
			}
			if bad {
				found = append(found, from+" -> "+shortName(to))
			}
		}
	}
	if checked < len(gens) {
		t.Fatalf("checked %d packages, fewer than the %d generators", checked, len(gens))
	}
	for _, v := range found {
		t.Errorf("%s: a generator is imported from %s; move the fact both need to spec or a model package below the generators", v, strings.Fields(v)[0])
	}
}

// shortName names a package by its path under generators/, the list as generators.
func shortName(to string) string {
	if to == "" {
		return "generators"
	}
	return to
}

// listedGenerators are the packages whose Generator generators.go lists,
// by name under generators/.
func listedGenerators(t *testing.T) map[string]bool {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "generators.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	byIdent := map[string]string{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		byIdent[name] = strings.TrimPrefix(p, module+"/generators/")
	}
	gens := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if sel, ok := lit.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Generator" {
			if x, ok := sel.X.(*ast.Ident); ok {
				gens[byIdent[x.Name]] = true
			}
		}
		return true
	})
	if len(gens) < 2 {
		t.Fatalf("generators.go lists %d generators; the test cannot find them", len(gens))
	}
	return gens
}
