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

// TestShape keeps the layers apart (the README's Layout): no generator
// imports another generator, and nothing below the generators (internal/:
// spec, the alerting model, the engine, the tree) imports one; a fact two
// generators need lives below them. The generators are the packages
// generators.go lists; only internal/cli, the command, imports the list,
// and nothing imports a generator but the list. Test files are not checked:
// black-box tests render through the list.
func TestShape(t *testing.T) {
	gens := listedGenerators(t)
	checked := 0
	for _, dir := range []string{".", "../internal"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() || e.Name() == "testdata" {
				continue
			}
			pkg, err := build.Default.ImportDir(dir+"/"+e.Name(), 0)
			if err != nil {
				if _, ok := err.(*build.NoGoError); ok {
					continue
				}
				t.Fatal(err)
			}
			checked++
			from := strings.TrimPrefix(strings.TrimPrefix(dir+"/"+e.Name(), "./"), "../")
			for _, imp := range pkg.Imports {
				to, ok := strings.CutPrefix(imp, module+"/generators")
				if !ok {
					continue
				}
				to = strings.TrimPrefix(to, "/")
				switch {
				case to == "" && from == "internal/cli":
					// the command renders through the list
				case to == "":
					t.Errorf("%s imports the list of generators; only internal/cli may", from)
				case gens[to]:
					t.Errorf("%s imports the generator %s; move the fact both need to internal/spec or internal/alerting", from, to)
				}
			}
		}
	}
	if checked < len(gens)+3 {
		t.Fatalf("checked %d packages, fewer than the %d generators and internal/", checked, len(gens))
	}
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
