package workflows

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// actionsTSV is the one table of pinned actions: a copy of the platform
// team's list of release tags and the commits they point to. Every `uses:`
// the generator writes comes from it, so bumping an action is a one-line
// change here followed by `make generate`.
//
//go:embed actions.tsv
var actionsTSV string

// pin is one action's release: the commit that a tag pointed to.
type pin struct {
	Tag    string
	Commit string
}

var (
	fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
	tagRE   = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)*$`)
)

// parseActions reads the table: comment lines start with #, the first other
// line is the header, then action, tag, commit and snapshot date, tab-separated.
func parseActions(tsv string) (map[string]pin, error) {
	out := map[string]pin{}
	header := true
	for i, line := range strings.Split(tsv, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if header {
			if len(f) < 3 || f[0] != "action" || f[1] != "tag" || f[2] != "commit_sha" {
				return nil, fmt.Errorf("actions.tsv:%d: header is %q, want action, tag, commit_sha", i+1, line)
			}
			header = false
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("actions.tsv:%d: %d fields, want at least 3", i+1, len(f))
		}
		name, tag, sha := f[0], f[1], f[2]
		switch {
		case strings.Count(name, "/") < 1:
			return nil, fmt.Errorf("actions.tsv:%d: action %q is not owner/repo", i+1, name)
		case !tagRE.MatchString(tag):
			return nil, fmt.Errorf("actions.tsv:%d: tag %q of %s is not vX.Y.Z", i+1, tag, name)
		case !fullSHA.MatchString(sha):
			return nil, fmt.Errorf("actions.tsv:%d: commit %q of %s is not a full commit SHA", i+1, sha, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("actions.tsv:%d: %s is listed twice", i+1, name)
		}
		out[name] = pin{Tag: tag, Commit: sha}
	}
	if header {
		return nil, fmt.Errorf("actions.tsv: no header")
	}
	return out, nil
}

// actionRepo is the repository an action lives in: an action in a
// subfolder (github/codeql-action/upload-sarif) is pinned by its
// repository's commit.
func actionRepo(action string) string {
	parts := strings.SplitN(action, "/", 3)
	if len(parts) < 2 {
		return action
	}
	return parts[0] + "/" + parts[1]
}

// lookup finds the pin of an action in the table.
func lookup(table map[string]pin, action string) (pin, bool) {
	if p, ok := table[action]; ok {
		return p, true
	}
	p, ok := table[actionRepo(action)]
	return p, ok
}
