package workflows

// The scripts of the workflows. They read every value from the environment
// (set through `env:`), so that no ${{ }} expression is ever spliced into
// code, and shellcheck checks them through actionlint.

// planScript runs the plan and records its exit status, so that the plan,
// or why it failed, reaches the pull request before the job fails.
const planScript = `status=0
{
  terraform init -input=false -no-color
  terraform plan -input=false -no-color -lock=false -out=tfplan
} > "$PLAN_FILE" 2>&1 || status=$?
cat "$PLAN_FILE"
echo "status=$status" >> "$GITHUB_OUTPUT"
`

// driftScript plans with -detailed-exitcode: 0 no changes, 2 drift, 1 an error.
const driftScript = `status=0
{
  terraform init -input=false -no-color
  terraform plan -input=false -no-color -lock=false -detailed-exitcode
} > "$PLAN_FILE" 2>&1 || status=$?
cat "$PLAN_FILE"
echo "status=$status" >> "$GITHUB_OUTPUT"
`

const failPlanScript = `echo "::error::terraform plan of $ENVIRONMENT failed (exit status $PLAN_STATUS); its output is in the step above"
exit 1
`

// planComment posts the plan on the pull request, or updates the comment
// an earlier run posted: one comment per environment, found by its marker.
const planComment = `const fs = require('fs');
const env = process.env.ENVIRONMENT;
const marker = '<!-- groundwork-plan:' + env + ' -->';
const limit = 60000;
let plan = fs.readFileSync(process.env.PLAN_FILE, 'utf8');
if (plan.length > limit) {
  plan = '... (the start is cut; the job log has all of it)\n' + plan.slice(plan.length - limit);
}
const ok = process.env.PLAN_STATUS === '0';
const { owner, repo } = context.repo;
const issue_number = context.issue.number;
const run = context.serverUrl + '/' + owner + '/' + repo + '/actions/runs/' + context.runId;
const body = [
  marker,
  '### Terraform plan of ` + "`" + `' + env + '` + "`" + `' + (ok ? '' : ' failed'),
  '',
  'Commit ' + context.payload.pull_request.head.sha + ', [run](' + run + ').',
  '',
  '<details' + (ok ? '' : ' open') + '><summary>Plan</summary>',
  '',
  '~~~',
  plan,
  '~~~',
  '',
  '</details>',
].join('\n');
const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
const previous = comments.find((c) => c.user && c.user.login === 'github-actions[bot]' && c.body && c.body.startsWith(marker));
if (previous) {
  await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
} else {
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
}
`

// driftIssue opens one issue per drifted environment, found by its title
// and label, updates it while the drift lasts and closes it once a plan
// finds none.
const driftIssue = `const fs = require('fs');
const env = process.env.ENVIRONMENT;
const status = process.env.PLAN_STATUS;
const title = 'Terraform drift in ' + env;
const label = 'drift';
const { owner, repo } = context.repo;
const run = context.serverUrl + '/' + owner + '/' + repo + '/actions/runs/' + context.runId;
const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: 'open', labels: label, per_page: 100 });
const issue = open.find((i) => !i.pull_request && i.title === title);
if (status === '2') {
  const limit = 60000;
  let plan = fs.readFileSync(process.env.PLAN_FILE, 'utf8');
  if (plan.length > limit) {
    plan = '... (the start is cut; the job log has all of it)\n' + plan.slice(plan.length - limit);
  }
  const body = [
    'The infrastructure of ` + "`" + `' + env + '` + "`" + ` differs from its Terraform root on ' + context.ref + ' (commit ' + context.sha + ', [run](' + run + ')).',
    'Apply the root, or change the specs to match what was changed by hand.',
    '',
    '~~~',
    plan,
    '~~~',
  ].join('\n');
  if (issue) {
    await github.rest.issues.update({ owner, repo, issue_number: issue.number, body });
  } else {
    await github.rest.issues.create({ owner, repo, title, body, labels: [label] });
  }
} else if (status === '0' && issue) {
  await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: 'No drift in ` + "`" + `' + env + '` + "`" + ` any more ([run](' + run + ')).' });
  await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
}
`

const applyScript = `terraform init -input=false -no-color
terraform apply -input=false -no-color -auto-approve
`

// gitIdentity and the retry loop are shared by the jobs that record a
// release: each attempt starts again from the tip of the branch, so that a
// concurrent push (another environment's record, a merge) costs a retry,
// never a conflict in generated files.
const gitIdentity = `git config user.name '` + botName + `'
git config user.email '` + botEmail + `'
`

const recordLoopHead = `for attempt in 1 2 3 4 5; do
  git fetch --no-tags origin "$BRANCH"
  git reset --hard FETCH_HEAD
  git clean -ffd
  make build
`

const recordLoopTail = `  make generate
  git add --all
  if git diff --cached --quiet; then
    echo "The release record of $ENVIRONMENT is up to date."
    exit 0
  fi
  git commit --quiet -m "$MESSAGE"
  if git push origin "HEAD:refs/heads/$BRANCH"; then
    exit 0
  fi
  echo "The push to $BRANCH was rejected (attempt $attempt); trying again from its new tip."
  sleep $((attempt * 5))
done
echo "::error::could not record the release of $ENVIRONMENT on $BRANCH"
exit 1
`

// digestScript checks the digest the build reports and keeps it for the
// deploy jobs.
const digestScript = `if [[ ! "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::the build of $SERVICE reported digest '$DIGEST'"
  exit 1
fi
mkdir -p "$DIGESTS"
printf '%s\n' "$DIGEST" > "$DIGESTS/$SERVICE"
`

// onDefaultBranch refuses to release a tag that the default branch does
// not contain: what is released has been reviewed and merged.
const onDefaultBranch = `git fetch --no-tags origin "$BRANCH"
if ! git merge-base --is-ancestor "$GITHUB_SHA" FETCH_HEAD; then
  echo "::error::$GITHUB_REF ($GITHUB_SHA) is not on $BRANCH; release from a commit of $BRANCH"
  exit 1
fi
`
