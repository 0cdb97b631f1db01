package workflows

import (
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// dependabot keeps Go modules (every one of GoModules), actions, Terraform providers and base images
// current, one grouped pull request per ecosystem a week, and waits a week
// after a release before proposing it, so that a compromised release has
// time to be found and pulled first.
//
// The workflows and environment roots are generated: a pull request that
// bumps them tells which pin to change in the generator's table or module,
// and make verify fails until it is.
func (g *gen) dependabot() {
	update := func(eco string, dirs ...string) *yaml.Node {
		key, dir := "directories", any(flowQuoted(dirs))
		if len(dirs) == 1 && !strings.Contains(dirs[0], "*") {
			key, dir = "directory", quoted(dirs[0])
		}
		return mapping(
			"package-ecosystem", eco,
			key, dir,
			"schedule", mapping("interval", "weekly"),
			"cooldown", mapping("default-days", 7),
			"groups", mapping(eco, mapping("patterns", flowQuoted([]string{"*"}))),
		)
	}
	tf := []string{"/modules/*"}
	var origins []engine.Origin
	for _, e := range g.m.Environments {
		tf = append(tf, "/"+spec.TerraformDir(e))
		origins = append(origins, envOrigin(e, "name"))
	}
	var docker []string
	for _, im := range g.images() {
		docker = append(docker, "/"+path.Dir(im.dockerfile))
	}
	origins = append(origins, g.buildOrigins()...)
	slices.Sort(docker)
	docker = slices.Compact(docker)

	var gomod []string
	for _, dir := range GoModules {
		gomod = append(gomod, dependabotDir(dir))
	}
	updates := seq(
		update("gomod", gomod...),
		update("github-actions", "/"),
		update("terraform", tf...),
	)
	if len(docker) > 0 {
		updates.Content = append(updates.Content, update("docker", docker...))
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapping(
		"version", 2,
		"updates", updates,
	)}}
	g.add(DependabotPath, doc, origins)
}

func flowQuoted(items []string) *yaml.Node {
	n := flow()
	for _, it := range items {
		n.Content = append(n.Content, quoted(it))
	}
	return n
}
