package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-jsonnet"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// Dir is where specs live, relative to the repository root.
const Dir = "specs"

// PartnersDir holds one spec per partner organisation.
const PartnersDir = Dir + "/partners"

// LibDir holds shared Jsonnet that specs import; it is not a spec itself.
const LibDir = Dir + "/lib"

// Model is the validated organisation: what every generator reads.
type Model struct {
	Platform     *Platform
	Environments []*Environment      // sorted by name
	Services     []*Service          // sorted by name
	Releases     map[string]*Release // by environment name
	Partners     []*Partner          // sorted by name

	// unread names the environments and services whose spec file exists
	// but did not decode (its own diagnostics say why), as "kind/name": a
	// reference to one is not a second mistake.
	unread map[string]bool
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
	for _, p := range m.Partners {
		out = append(out, p.Source.Path)
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
	kindPartner
)

type specFile struct {
	rel  string // slash path from the root, e.g. specs/services/api.yaml
	kind specKind
}

var specExts = []string{".yaml", ".yml", ".jsonnet"}

// Load reads, decodes, defaults and validates every spec under root/specs.
// On any mistake it returns Diagnostics holding all of them, sorted.
func Load(root string) (*Model, error) {
	t, err := tree.Open(root)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	files, diags, err := ReadFiles(t)
	if err != nil {
		return nil, err
	}
	if len(diags) > 0 || files == nil {
		return nil, diags.Sorted()
	}
	return LoadFiles(files)
}

// LoadFiles decodes, defaults and validates the specs in files, reading
// nothing else.
func LoadFiles(files *Files) (*Model, error) { return LoadFilesWith(files, Reuse{}) }

// Reuse is what a caller that keeps state from one run to the next (the
// run cache) lends the loading of specs. The zero Reuse lends nothing.
type Reuse struct {
	// Parsed gives the YAML trees of unchanged files, and keeps the trees
	// of those parsed (ParseCache). nil parses every file.
	Parsed *ParseCache
	// Checked, when not nil, reports whether s, as decoded into m (not yet
	// defaulted or validated), passed its own checks in the last run that
	// loaded these specs cleanly, and every byte that could change them
	// (its spec and imports, the shared specs, the binary) is the same:
	// validation is a function of those, so they pass again, and are not
	// run. The checks across services always run. It may be called from
	// several goroutines at once.
	Checked func(m *Model, s *Service) bool
}

// LoadFilesWith is LoadFiles lending it what r holds.
func LoadFilesWith(files *Files, r Reuse) (*Model, error) {
	cache := r.Parsed
	specs, diags := listSpecs(files)
	decoded := make([]any, len(specs))
	perFile := make([]Diagnostics, len(specs))
	parallel.For(len(specs), func(i int) {
		data, _ := files.file(specs[i].rel)
		decoded[i], perFile[i] = decodeFile(files, cache, specs[i], data)
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
		case *Partner:
			m.Partners = append(m.Partners, v)
		case nil:
			// the file did not decode; its diagnostics say why, and
			// references to its name are not mistakes of their own.
			if k := specs[i].kind; k == kindEnvironment || k == kindService {
				if m.unread == nil {
					m.unread = map[string]bool{}
				}
				base := strings.TrimSuffix(path.Base(specs[i].rel), path.Ext(specs[i].rel))
				m.unread[kindName(k)+"/"+base] = true
			}
		default:
			panic(fmt.Sprintf("spec: %s decoded to %T", specs[i].rel, v))
		}
	}
	if m.Platform == nil && len(diags) > 0 {
		// Validation needs the platform; the file's own diagnostics say why it is missing.
		return nil, diags.Sorted()
	}
	var checked func(*Service) bool
	if r.Checked != nil {
		checked = func(s *Service) bool { return r.Checked(m, s) }
	}
	diags = append(diags, validate(m, checked)...)
	if len(diags) > 0 {
		return nil, diags.Sorted()
	}
	return m, nil
}

// listSpecs finds the spec files among files. A missing platform spec or a
// name declared by two files is a diagnostic.
func listSpecs(files *Files) ([]specFile, Diagnostics) {
	var specs []specFile
	var diags Diagnostics
	// One name per kind: specs/services/api.yaml and api.jsonnet would both declare api.
	add := func(folder string, kind specKind, only string) {
		byName := map[string]string{}
		for _, rel := range files.Paths() {
			if path.Dir(rel) != folder {
				continue
			}
			ext := path.Ext(rel)
			base := strings.TrimSuffix(path.Base(rel), ext)
			if !slices.Contains(specExts, ext) || (only != "" && base != only) {
				continue
			}
			if first, dup := byName[base]; dup {
				diags = append(diags, Diagnostic{File: rel, Kind: KindReference,
					Msg: fmt.Sprintf("%s %q is already declared by %s; keep one of the two files", kindName(kind), base, first)})
				continue
			}
			byName[base] = rel
			specs = append(specs, specFile{rel: rel, kind: kind})
		}
		if kind == kindPlatform && len(byName) == 0 {
			diags = append(diags, Diagnostic{File: Dir + "/platform.yaml", Kind: KindSchema,
				Msg: "missing: every organisation needs a platform spec (name, repository, registry, cloud, teams)"})
		}
	}
	add(Dir, kindPlatform, "platform")
	add(Dir+"/environments", kindEnvironment, "")
	add(Dir+"/services", kindService, "")
	add(ReleasesDir, kindRelease, "")
	add(PartnersDir, kindPartner, "")
	return specs, diags
}

func kindName(k specKind) string {
	return [...]string{"platform", "environment", "service", "release record", "partner"}[k]
}

// decodeFile decodes one spec's bytes into its type.
func decodeFile(files *Files, cache *ParseCache, f specFile, data []byte) (any, Diagnostics) {
	src := newSource(f.rel)
	d := &decoder{src: src}
	var node *yaml.Node
	if path.Ext(f.rel) == ".jsonnet" {
		node = d.evalJsonnet(files, data)
	} else {
		node = cache.parse(d, data, files.sums[f.rel])
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
	case kindPartner:
		v = &Partner{Source: src}
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
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p, hint := syntaxPos(data, line, msg)
		if hint != "" {
			hint = "; " + hint
		}
		d.errorf(p, KindSyntax, "", "invalid YAML: %s%s", strings.TrimPrefix(msg, "yaml: "), hint)
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

// Bounds on evaluating one Jsonnet spec: Jsonnet is a programming language,
// and a spec from a pull request may loop or build a huge value.
const (
	jsonnetTimeout   = 10 * time.Second
	maxJsonnetOutput = 4 << 20 // bytes of JSON a spec evaluates to
)

// evalJsonnet evaluates a Jsonnet spec, importing only from files (specs/,
// with specs/lib on the import path), and parses its JSON output. Positions
// come from the spec's source, not from the output (see jsonnetLocator).
func (d *decoder) evalJsonnet(files *Files, data []byte) *yaml.Node {
	vm := jsonnet.MakeVM()
	im := &specImporter{files: files, cache: map[string]jsonnet.Contents{}}
	vm.Importer(im)
	file := d.src.Path
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: fmt.Errorf("the evaluator failed: %v", v)}
			}
		}()
		out, err := vm.EvaluateAnonymousSnippet(file, string(data))
		done <- result{out, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(jsonnetTimeout):
		// The evaluation cannot be stopped; the command exits soon after.
		d.errorf(Pos{}, KindValue, "", "jsonnet: evaluation did not finish in %s; a spec evaluates in milliseconds: look for unbounded recursion or a huge std.range", jsonnetTimeout)
		return nil
	}
	if r.err != nil {
		msg := r.err.Error()
		p := Pos{}
		if m := jsonnetLoc.FindStringSubmatch(msg); m != nil && m[1] == d.src.Path {
			p.Line, _ = strconv.Atoi(m[2])
			p.Col, _ = strconv.Atoi(m[3])
		}
		first, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
		d.errorf(p, KindSyntax, "", "jsonnet: %s", strings.TrimPrefix(first, "RUNTIME ERROR: "))
		return nil
	}
	if len(r.out) > maxJsonnetOutput {
		d.errorf(Pos{}, KindValue, "", "jsonnet: evaluates to %d MiB of JSON; a spec is a few KiB (at most %d MiB): look for a runaway std.range or repeat", len(r.out)>>20, maxJsonnetOutput>>20)
		return nil
	}
	// The evaluation is over (done was received): its imports are known.
	d.src.imports = slices.Sorted(maps.Keys(im.cache))
	d.locate = jsonnetLocator(file, string(data))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(r.out), &doc); err != nil || len(doc.Content) == 0 {
		d.errorf(Pos{}, KindSyntax, "", "jsonnet output is not a JSON value: %v", err)
		return nil
	}
	return doc.Content[0]
}

// specImporter resolves import, importstr and importbin among the files of
// specs/ only: beside the importing file, then in specs/lib. An absolute
// path, a path that leaves specs/ or a file that is not there is an error
// that names the import, never the content of anything outside.
type specImporter struct {
	files *Files
	cache map[string]jsonnet.Contents // by foundAt: the VM requires the same Contents for the same path
}

func (im *specImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if path.IsAbs(importedPath) || strings.ContainsAny(importedPath, "\\\x00") {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q: specs import only files under %s/, by a relative path", importedPath, Dir)
	}
	for _, candidate := range []string{path.Join(path.Dir(importedFrom), importedPath), path.Join(LibDir, importedPath)} {
		if !strings.HasPrefix(candidate, Dir+"/") {
			continue
		}
		if c, ok := im.cache[candidate]; ok {
			return c, candidate, nil
		}
		if data, ok := im.files.file(candidate); ok {
			c := jsonnet.MakeContentsRaw(data)
			im.cache[candidate] = c
			return c, candidate, nil
		}
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q: no such file under %s/ (imports are resolved beside the importing file, then in %s/); specs import nothing from outside %s/", importedPath, Dir, LibDir, Dir)
}
