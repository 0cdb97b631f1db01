package workflows

import (
	"regexp"
	"strings"

	"github.com/rhysd/actionlint"
)

// rulePinnedUses: every `uses:` names a full commit SHA, and a `# vX.Y.Z`
// comment says which release that commit is. A tag or branch can be moved
// to other code after review; a commit cannot.
type rulePinnedUses struct {
	actionlint.RuleBase
	raw *rawIndex
}

func newRulePinnedUses(raw *rawIndex) *rulePinnedUses {
	return &rulePinnedUses{
		RuleBase: actionlint.NewRuleBase("pinned-uses", "Checks every uses: is pinned to a full commit SHA with a # vX.Y.Z comment"),
		raw:      raw,
	}
}

var pinCommentRE = regexp.MustCompile(`^#\s*v[0-9]+(\.[0-9]+)*(\s|$)`)

func (r *rulePinnedUses) VisitStep(s *actionlint.Step) error {
	if a, ok := s.Exec.(*actionlint.ExecAction); ok && a.Uses != nil {
		r.check(a.Uses)
	}
	return nil
}

func (r *rulePinnedUses) VisitJobPre(j *actionlint.Job) error {
	if j.WorkflowCall != nil && j.WorkflowCall.Uses != nil {
		r.check(j.WorkflowCall.Uses)
	}
	return nil
}

func (r *rulePinnedUses) check(u *actionlint.String) {
	v := u.Value
	switch {
	case strings.HasPrefix(v, "./"):
		return // code of this repository, reviewed with it
	case strings.HasPrefix(v, "docker://"):
		if !strings.Contains(v, "@sha256:") {
			r.Errorf(u.Pos, "%q is not pinned to an image digest; use docker://<image>@sha256:<digest>", v)
		}
		return
	}
	name, ref, _ := strings.Cut(v, "@")
	if !fullSHA.MatchString(ref) {
		r.Errorf(u.Pos, "%q is not pinned to a full commit SHA; use %s@<40-hex commit> # <tag>", v, name)
		return
	}
	if c := r.raw.comments[*u.Pos]; !pinComment(c) {
		r.Errorf(u.Pos, "%q has no # vX.Y.Z comment naming the release of its commit", v)
	}
}

func pinComment(c string) bool { return pinCommentRE.MatchString(c) }
