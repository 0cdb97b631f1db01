package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-jsonnet"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Dir is where specs live, relative to the repository root.
const Dir = "specs"

// LibDir holds shared Jsonnet that specs import; it is not a spec itself.
const LibDir = Dir + "/lib"

// Model is the validated organisation: what every generator reads.
type Model struct {
	Platform     *Platform
	Environments []*Environment      // sorted by name
	Services     []*Service          // sorted by name
	Releases     map[string]*Release // by environment name
}

// Environment returns the environment of that name, or nil.
func (m *Model) Environment(name string) *Environment {
	i, ok := slices.BinarySearchFunc(m.Environments, name, func(e *Environment, n string) int { return strings.Compare(e.Name, n) })
	if !ok {
		return nil
	}
	return m.Environments[i]
}

// Service returns the service of that name, or nil.
func (m *Model) Service(name string) *Service {
	i, ok := slices.BinarySearchFunc(m.Services, name, func(s *Service, n string) int { return strings.Compare(s.Name, n) })
	if !ok {
		return nil
	}
	return m.Services[i]
}

// Sources lists every spec file of the model, sorted.
func (m *Model) Sources() []string {
	out := []string{m.Platform.Source.Path}
	for _, e := range m.Environments {
		out = append(out, e.Source.Path)
	}
	for _, s := range m.Services {
		out = append(out, s.Source.Path)
	}
	for _, r := range m.Releases {
		out = append(out, r.Source.Path)
	}
	slices.Sort(out)
	return out
}

// specKind is what a spec file declares, from the folder it is in.
type specKind int

const (
	kindPlatform specKind = iota
	kindEnvironment
	kindService
	kindRelease
)

type specFile struct {
	rel  string // slash path from the root, e.g. specs/services/api.yaml
	kind specKind
}

var specExts = []string{".yaml", ".yml", ".jsonnet"}

// Load reads, decodes, defaults and validates every spec under root/specs.
// On any mistake it returns Diagnostics holding all of them, sorted.
func Load(root string) (*Model, error) {
	files, diags, err := listSpecs(root)
	if err != nil {
		return nil, err
	}
	decoded := make([]any, len(files))
	perFile := make([]Diagnostics, len(files))
	parallel.For(len(files), func(i int) {
		decoded[i], perFile[i] = loadFile(root, files[i])
	})
	for _, d := range perFile {
		diags = append(diags, d...)
	}

	m := &Model{}
	for i, v := range decoded {
		switch v := v.(type) {
		case *Platform:
			m.Platform = v
		case *Environment:
			m.Environments = append(m.Environments, v)
		case *Service:
			m.Services = append(m.Services, v)
		case *Release:
			if m.Releases == nil {
				m.Releases = map[string]*Release{}
			}
			m.Releases[v.Env] = v
		case nil:
			// the file did not decode; its diagnostics say why
		default:
			panic(fmt.Sprintf("spec: %s decoded to %T", files[i].rel, v))
		}
	}
	diags = append(diags, validate(m)...)
	if len(diags) > 0 {
		return nil, diags.Sorted()
	}
	return m, nil
}

// listSpecs finds the spec files. A missing platform spec or a name declared
// by two files is a diagnostic; an unreadable tree is an error.
func listSpecs(root string) ([]specFile, Diagnostics, error) {
	var files []specFile
	var diags Diagnostics
	dir := filepath.Join(root, Dir)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Diagnostics{{File: Dir, Kind: KindSchema, Msg: "no specs folder here; run groundwork from the repository root or pass -C DIR"}}, nil
		}
		return nil, nil, err
	}
	// One name per kind: specs/services/api.yaml and api.jsonnet would both declare api.
	add := func(folder string, kind specKind, only string) error {
		entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(folder)))
		if errors.Is(err, fs.ErrNotExist) && kind != kindPlatform {
			return nil
		}
		if err != nil {
			return err
		}
		byName := map[string]string{}
		for _, e := range entries {
			ext := path.Ext(e.Name())
			base := strings.TrimSuffix(e.Name(), ext)
			if e.IsDir() || !slices.Contains(specExts, ext) || (only != "" && base != only) {
				continue
			}
			rel := folder + "/" + e.Name()
			if first, dup := byName[base]; dup {
				diags = append(diags, Diagnostic{File: rel, Kind: KindReference,
					Msg: fmt.Sprintf("%s %q is already declared by %s; keep one of the two files", kindName(kind), base, first)})
				continue
			}
			byName[base] = rel
			files = append(files, specFile{rel: rel, kind: kind})
		}
		if kind == kindPlatform && len(byName) == 0 {
			diags = append(diags, Diagnostic{File: Dir + "/platform.yaml", Kind: KindSchema,
				Msg: "missing: every organisation needs a platform spec (name, repository, registry, cloud, teams)"})
		}
		return nil
	}
	if err := add(Dir, kindPlatform, "platform"); err != nil {
		return nil, nil, err
	}
	if err := add(Dir+"/environments", kindEnvironment, ""); err != nil {
		return nil, nil, err
	}
	if err := add(Dir+"/services", kindService, ""); err != nil {
		return nil, nil, err
	}
	if err := add(ReleasesDir, kindRelease, ""); err != nil {
		return nil, nil, err
	}
	return files, diags, nil
}

func kindName(k specKind) string {
	return [...]string{"platform", "environment", "service", "release record"}[k]
}

// loadFile reads one spec into its type.
func loadFile(root string, f specFile) (any, Diagnostics) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.rel)))
	if err != nil {
		return nil, Diagnostics{{File: f.rel, Kind: KindSyntax, Msg: fmt.Sprintf("cannot read: %v", err)}}
	}
	return decodeFile(root, f, data)
}

// decodeFile decodes one spec's bytes into its type.
func decodeFile(root string, f specFile, data []byte) (any, Diagnostics) {
	src := newSource(f.rel)
	d := &decoder{src: src}
	var node *yaml.Node
	if path.Ext(f.rel) == ".jsonnet" {
		node = d.evalJsonnet(root, data)
	} else {
		node = d.parseYAML(data)
	}
	if node == nil {
		return nil, d.diags
	}
	var v any
	switch f.kind {
	case kindPlatform:
		v = &Platform{Source: src}
	case kindEnvironment:
		v = &Environment{Source: src}
	case kindService:
		v = &Service{Source: src}
	case kindRelease:
		r := &Release{Env: fileBase(src), Source: src}
		if node.Kind == yaml.MappingNode {
			d.decode(node, reflect.ValueOf(&r.Digests).Elem(), "")
		}
		v = r
	}
	if node.Kind != yaml.MappingNode {
		d.errorf(nodePos(node), KindSchema, "", "want a mapping of %s fields, got %s", kindName(f.kind), describe(node))
		return nil, d.diags
	}
	if _, ok := v.(*Release); !ok {
		d.decode(node, reflect.ValueOf(v).Elem(), "")
	}
	if len(d.diags) > 0 {
		return nil, d.diags
	}
	return v, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses exactly one YAML document.
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(Pos{}, KindSyntax, "", "the file is empty; write the spec or delete the file")
			return nil
		}
		msg := err.Error()
		p := Pos{Line: 1, Col: 1}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		d.errorf(p, KindSyntax, "", "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 {
		d.errorf(Pos{}, KindSyntax, "", "the file is empty; write the spec or delete the file")
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.errorf(nodePos(&next), KindSyntax, "", "a second YAML document starts here; a spec file holds one")
	}
	return doc.Content[0]
}

var jsonnetLoc = regexp.MustCompile(`(?m)(\S+\.(?:jsonnet|libsonnet)):(\d+):(\d+)`)

// evalJsonnet evaluates a Jsonnet spec, with specs/lib on the import path,
// and parses its JSON output. Positions come from the spec's source, not
// from the output (see jsonnetLocator).
func (d *decoder) evalJsonnet(root string, data []byte) *yaml.Node {
	abs, err := filepath.Abs(root)
	if err != nil {
		d.errorf(Pos{}, KindSyntax, "", "%v", err)
		return nil
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{filepath.Join(abs, filepath.FromSlash(LibDir))}})
	file := filepath.Join(abs, filepath.FromSlash(d.src.Path))
	out, err := vm.EvaluateAnonymousSnippet(file, string(data))
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), filepath.ToSlash(abs)+"/", "")
		p := Pos{}
		if m := jsonnetLoc.FindStringSubmatch(msg); m != nil && m[1] == d.src.Path {
			p.Line, _ = strconv.Atoi(m[2])
			p.Col, _ = strconv.Atoi(m[3])
		}
		first, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
		d.errorf(p, KindSyntax, "", "jsonnet: %s", strings.TrimPrefix(first, "RUNTIME ERROR: "))
		return nil
	}
	d.locate = jsonnetLocator(file, string(data))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil || len(doc.Content) == 0 {
		d.errorf(Pos{}, KindSyntax, "", "jsonnet output is not a JSON value: %v", err)
		return nil
	}
	return doc.Content[0]
}
