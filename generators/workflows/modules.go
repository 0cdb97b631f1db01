package workflows

// GoModules are the Go modules of the repository, as folders relative to
// its root: the root module (the groundwork command and generators), the
// services' module (backend/, which images build from alone) and the
// modules that pin third-party tools (tools/pinned, tools/kubescore,
// tools/trivy; tools/sloth, the reference make bench compares with).
// govulncheck and Dependabot scan each of them, so a vulnerable or stale
// dependency of a service or of a pinned tool is found like one of the
// root's.
//
// The generator reads nothing but the specs, so the list is written here;
// tests/ci checks that it names every go.mod in the repository and nothing
// else, so a new module fails make test until it is scanned.
var GoModules = []string{".", "backend", "tools/kubescore", "tools/pinned", "tools/sloth", "tools/trivy"}

// dependabotDir is how dependabot.yml names a folder of the repository.
func dependabotDir(dir string) string {
	if dir == "." {
		return "/"
	}
	return "/" + dir
}
