package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

func (c *command) diff(args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	markdown := fs.Bool("markdown", false, "print a pull-request comment instead of a unified diff")
	exitCode := fs.Bool("exit-code", false, "exit 1 when generate would change something, like git diff --exit-code")
	base := fs.String("base", "", "with --markdown, a checkout of the base branch (only its specs/ are read): the summary starts with each spec field edited, old → new")
	if err := fs.Parse(args); err != nil || !c.noArgs("diff", fs.Args()) {
		return ExitInput
	}
	m, p, code := c.plan()
	if code != ExitOK {
		return code
	}
	// Like git diff: 0 whether or not there are differences, unless asked.
	result := ExitOK
	if *exitCode && (len(p.Changes) > 0 || len(p.Unowned) > 0) {
		result = ExitFindings
	}
	if *markdown {
		var fields []fieldChange
		if *base != "" {
			old, err := loadBase(*base)
			if err != nil {
				fmt.Fprintf(c.stderr, "groundwork: --base %s: %v; the summary leaves the spec changes out\n", *base, err)
			} else {
				fields = specChanges(old, m)
			}
		}
		writeMarkdown(c.stdout, p, fields)
		return result
	}
	for _, ch := range p.Changes {
		c.unifiedDiff(ch)
	}
	for _, path := range p.Unowned {
		fmt.Fprintf(c.stderr, "%s: in the way: not written by groundwork; generate will refuse to overwrite it\n", path)
	}
	return result
}

// writeMarkdown writes the summary a reviewer reads before the diff: counts
// per artifact kind, then production and deletions called out, then files.
// The spec fields edited come first when known (diff --base), then each
// consequence in the terms of what consumes it: alerting rules, Terraform
// resources, workflow jobs, Flux objects, flags.
func writeMarkdown(w io.Writer, p *engine.Plan, fields []fieldChange) {
	if len(p.Changes) == 0 && len(p.Unowned) == 0 {
		fmt.Fprintln(w, "### groundwork: no generated file changes")
		writeSpecChanges(w, fields)
		return
	}
	n := len(p.Changes)
	fmt.Fprintf(w, "### groundwork: %d generated %s change\n", n, plural(n, "file", "files"))
	writeSpecChanges(w, fields)
	fmt.Fprintln(w)
	s := summarise(p)
	s.writeCounts(w)
	alertChs := alertChanges(p)
	flagChs := flagChanges(p)
	objChs := objectChanges(p)
	s.writeWarnings(w, p, alertChs, flagChs)
	writeAlertChanges(w, alertChs, productionEnvs(p))
	writeObjectChanges(w, objChs)
	writeFlagChanges(w, flagChs)
	writeFiles(w, p)
}

// loadBase loads the specs of a checkout of the base branch. They are
// read like the tree's own: nothing outside its specs/.
func loadBase(dir string) (*spec.Model, error) {
	t, err := tree.Open(dir)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	files, diags, err := spec.ReadFiles(t)
	if err != nil {
		return nil, err
	}
	if len(diags) > 0 {
		return nil, fmt.Errorf("its specs do not load (%d mistakes)", len(diags))
	}
	m, err := spec.LoadFiles(files)
	var sd spec.Diagnostics
	if errors.As(err, &sd) {
		return nil, fmt.Errorf("its specs do not load (%d mistakes)", len(sd))
	}
	return m, err
}

// summary is what the PR comment counts and calls out.
type summary struct {
	byKind             map[string]*counts
	prod, removed, iam []engine.Change
}

type counts struct{ added, changed, removed int }

func summarise(p *engine.Plan) *summary {
	s := &summary{byKind: map[string]*counts{}}
	for _, ch := range p.Changes {
		k := s.byKind[ch.Kind]
		if k == nil {
			k = &counts{}
			s.byKind[ch.Kind] = k
		}
		switch ch.Status {
		case engine.Added:
			k.added++
		case engine.Changed:
			k.changed++
		case engine.Removed:
			k.removed++
			s.removed = append(s.removed, ch)
		}
		if ch.Production {
			s.prod = append(s.prod, ch)
		}
		if touchesIAM(ch) {
			s.iam = append(s.iam, ch)
		}
	}
	return s
}

// writeCounts writes the table of changed files per kind.
func (s *summary) writeCounts(w io.Writer) {
	fmt.Fprintln(w, "| kind | added | changed | removed |")
	fmt.Fprintln(w, "|------|------:|--------:|--------:|")
	for _, k := range slices.Sorted(maps.Keys(s.byKind)) {
		cn := s.byKind[k]
		fmt.Fprintf(w, "| %s | %d | %d | %d |\n", k, cn.added, cn.changed, cn.removed)
	}
}

// writeWarnings calls out production, IAM, paging, flags served in
// production, deletions and blocked files, when there are any.
func (s *summary) writeWarnings(w io.Writer, p *engine.Plan, alertChs []alertChange, flagChs []flagChange) {
	var paging []alertChange
	for _, c := range alertChs {
		if c.pages {
			paging = append(paging, c)
		}
	}
	prodFlags := productionFlags(flagChs)
	if len(s.prod) == 0 && len(s.removed) == 0 && len(s.iam) == 0 && len(paging) == 0 && len(p.Unowned) == 0 {
		return
	}
	fmt.Fprintln(w, "\n> [!WARNING]")
	if len(s.prod) > 0 {
		fmt.Fprintf(w, "> **Production:** %d %s for a production environment %s.\n", len(s.prod), plural(len(s.prod), "file", "files"), plural(len(s.prod), "changes", "change"))
	}
	if len(s.iam) > 0 {
		fmt.Fprintf(w, "> **IAM:** %d %s change who may do what (roles, trust, granted ARNs, reviewers): %s.\n",
			len(s.iam), plural(len(s.iam), "file", "files"), paths(s.iam))
	}
	if len(paging) > 0 {
		envs := map[string]bool{}
		for _, c := range paging {
			envs[c.env] = true
		}
		fmt.Fprintf(w, "> **Paging:** %d alerting %s that page on-call %s (%s); see the alerting rules below.\n",
			len(paging), plural(len(paging), "rule", "rules"), plural(len(paging), "changes", "change"), strings.Join(slices.Sorted(maps.Keys(envs)), ", "))
	}
	if len(prodFlags) > 0 {
		fmt.Fprintf(w, "> **Flags:** %d feature %s what production serves: %s; see the feature flags below.\n",
			len(prodFlags), plural(len(prodFlags), "flag changes", "flags change"), strings.Join(prodFlags, ", "))
	}
	if len(s.removed) > 0 {
		fmt.Fprintf(w, "> **Deletions:** %d generated %s removed.\n", len(s.removed), plural(len(s.removed), "file is", "files are"))
	}
	if len(p.Unowned) > 0 {
		fmt.Fprintf(w, "> **Blocked:** %d hand-written %s in the way of generated output.\n", len(p.Unowned), plural(len(p.Unowned), "file is", "files are"))
	}
}

// writeFiles lists every changed file and the specs it comes from; a file
// from more than three is counted (groundwork explain names them).
func writeFiles(w io.Writer, p *engine.Plan) {
	fmt.Fprintf(w, "\n<details><summary>Files</summary>\n\n| file | change | from |\n|------|--------|------|\n")
	for _, ch := range p.Changes {
		mark := ""
		if ch.Production {
			mark = " **production**"
		}
		from := fmt.Sprintf("%d specs", len(ch.Specs))
		if len(ch.Specs) <= 3 {
			specs := make([]string, len(ch.Specs))
			for i, s := range ch.Specs {
				specs[i] = "`" + s + "`"
			}
			from = strings.Join(specs, ", ")
		}
		fmt.Fprintf(w, "| `%s`%s | %s | %s |\n", ch.Path, mark, ch.Status, from)
	}
	fmt.Fprintln(w, "\n</details>")
}

// iamLine matches a changed line that grants or scopes access: IAM roles
// and their names, trust, the ARNs a role is granted, IRSA annotations and
// deployment reviewers.
var iamLine = regexp.MustCompile(`(?i)\biam\b|role_name|role-arn|role-to-assume|_arns\s*=|arn:aws:iam|reviewers|permissions:|id-token`)

// touchesIAM reports whether a change adds or removes a line about access,
// so that the PR summary can call it out beside production and deletions.
func touchesIAM(ch engine.Change) bool {
	old := lineSet(ch.Old)
	for line := range lineSet(ch.New) {
		if !old[line] && iamLine.MatchString(line) {
			return true
		}
	}
	cur := lineSet(ch.New)
	for line := range old {
		if !cur[line] && iamLine.MatchString(line) {
			return true
		}
	}
	return false
}

func lineSet(data []byte) map[string]bool {
	set := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		set[strings.TrimSpace(l)] = true
	}
	return set
}

// paths lists the files of changes as code, the first few only.
func paths(chs []engine.Change) string {
	var out []string
	for i, ch := range chs {
		if i == 5 {
			out = append(out, fmt.Sprintf("and %d more", len(chs)-5))
			break
		}
		out = append(out, "`"+ch.Path+"`")
	}
	return strings.Join(out, ", ")
}

// productionEnvs names the environments whose folders hold production
// files, as the plan marks them.
func productionEnvs(p *engine.Plan) map[string]bool {
	out := map[string]bool{}
	for _, ch := range p.Changes {
		if rest, ok := strings.CutPrefix(ch.Path, "environments/"); ok && ch.Production {
			env, _, _ := strings.Cut(rest, "/")
			out[env] = true
		}
	}
	return out
}
