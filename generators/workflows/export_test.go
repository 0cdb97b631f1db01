package workflows

import "github.com/rhysd/actionlint"

// LintWithoutShellcheck is Lint without shellcheck, for `go test -short`:
// actionlint's own rules and the hardening rules need no external tool.
func LintWithoutShellcheck(path string, content []byte) ([]*actionlint.Error, error) {
	return lint(path, content, "")
}
