package workflows

import "github.com/groundwork-dev/groundwork/internal/engine"

// ReviewPath is the workflow that comments what a pull request changes in
// the generated files.
const ReviewPath = Dir + "/generated-diff.yml"

// review posts `groundwork diff --markdown` of every pull request as one
// comment, updated in place on each push: what merging it changes in the
// generated files (counts per kind; production, IAM, paging alerts and
// deletions called out), measured against the base branch.
//
// The pull request's code runs in a job that can write nothing: it builds
// groundwork, renders the merge commit's specs over the base branch's tree
// and uploads the comment. A second job, which runs none of that code, has
// the one write permission the comment needs. Pull requests from forks get
// no write token, so their comment job is skipped; the summary is still in
// the first job's log.
func (g *gen) review() {
	jobs := mapping(
		"diff", mapping(
			"name", "Summarise the generated changes",
			"runs-on", runner,
			"timeout-minutes", 15,
			"steps", seq(
				g.checkout(false, "fetch-depth", 0),
				g.setupGo(true),
				run("Diff against the base branch", reviewScript, "env", mapping(
					"BASE_SHA", "${{ github.event.pull_request.base.sha }}",
					"OUT", "${{ runner.temp }}/generated-diff",
				)),
				g.step("Upload the comment", "actions/upload-artifact", mapping(
					"name", "generated-diff",
					"path", "${{ runner.temp }}/generated-diff/comment.md",
					"if-no-files-found", "error",
					"retention-days", 1,
				)),
			),
		),
		"comment", mapping(
			"name", "Comment on the pull request",
			"needs", "diff",
			"if", "github.event.pull_request.head.repo.full_name == github.repository",
			"runs-on", runner,
			"permissions", mapping("pull-requests", "write"),
			"timeout-minutes", 5,
			"steps", seq(
				g.step("Download the comment", "actions/download-artifact", mapping(
					"name", "generated-diff",
					"path", "${{ runner.temp }}/generated-diff",
				)),
				mapping(
					"name", "Post or update the comment",
					"uses", g.uses("actions/github-script"),
					"env", mapping("COMMENT_FILE", "${{ runner.temp }}/generated-diff/comment.md"),
					"with", mapping("script", reviewComment),
				),
			),
		),
	)
	on := mapping("pull_request", emptyMapping())
	g.add(ReviewPath, workflow("Generated diff", on,
		concurrency("generated-diff-${{ github.event.pull_request.number }}", true),
		jobs), []engine.Origin{g.platformOrigin("name")})
}

// reviewScript renders the pull request's specs (those of the merge commit
// the checkout holds) with the pull request's groundwork over a copy of the
// base branch's tree: the diff is then exactly what merging changes in the
// generated files, generator changes included.
// The base branch's own specs are kept beside it (--base), so that the
// summary starts with each spec field the pull request edits, old → new.
const reviewScript = `make build
base="$RUNNER_TEMP/generated-diff-base"
old="$RUNNER_TEMP/generated-diff-old"
rm -rf "$base" "$old" "$OUT"
mkdir -p "$base" "$old" "$OUT"
git archive "$BASE_SHA" | tar -x -C "$base"
mv "$base/specs" "$old/specs"
cp -R specs "$base/specs"
bin/groundwork -C "$base" diff --markdown --base "$old" > "$OUT/comment.md"
cat "$OUT/comment.md"
`

// reviewComment posts the summary, or updates the comment an earlier run
// posted, found by its marker.
const reviewComment = `const fs = require('fs');
const marker = '<!-- groundwork-diff -->';
const limit = 60000;
let text = fs.readFileSync(process.env.COMMENT_FILE, 'utf8');
if (text.length > limit) {
  text = text.slice(0, limit) + '\n\n... (cut; the job log of "Summarise the generated changes" has all of it)\n';
}
const { owner, repo } = context.repo;
const issue_number = context.issue.number;
const body = marker + '\n' + text;
const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
const previous = comments.find((c) => c.user && c.user.login === 'github-actions[bot]' && c.body && c.body.startsWith(marker));
if (previous) {
  await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
} else {
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
}
`
