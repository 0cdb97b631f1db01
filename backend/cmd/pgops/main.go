// Command pgops is what a service's database jobs run, in the image built
// from this folder's Dockerfile (PostgreSQL's own image, so that pg_dump,
// pg_restore, initdb and pg_ctl are those of one release):
//
//	pgops grant    make PGUSER an IAM-authenticated login role owning PGDATABASE
//	pgops backup   dump the database to the backup bucket, with a manifest
//	pgops drill    restore the newest backup into a scratch PostgreSQL, verify it,
//	               print a Markdown report
//
// The connection comes from libpq's variables (PGHOST, PGPORT, PGDATABASE,
// PGUSER, PGSSLMODE), which pg_dump reads too; DATABASE_AUTH=rds-iam signs in
// with IAM tokens. The rest: AWS_REGION, BACKUP_BUCKET, BACKUP_PREFIX,
// PUSHGATEWAY_URL, POD_NAMESPACE, DRILL_SCRATCH, DATABASE_MASTER_SECRET_ARN
// (see backend/README.md). A failure exits non-zero with one line on stderr
// saying what failed and what to check.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the job failed: the backup, the drill or the grant
	exitUsage  = 2 // the command line or the environment is wrong
)

const usage = `usage: pgops grant|backup|drill

  grant   make PGUSER an IAM-authenticated login role owning PGDATABASE
  backup  dump the database to BACKUP_BUCKET with a manifest
  drill   restore the newest backup into a scratch PostgreSQL and verify it
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run runs one subcommand. Besides what getenv returns, pgx, pg_dump,
// pg_restore and the AWS SDK read their own variables (PG*, AWS_*) from the
// process environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cfg := pgops.ConfigFromEnv(getenv)
	switch args[0] {
	case "grant":
		return grant(ctx, cfg, stdout, stderr)
	case "backup":
		return backup(ctx, cfg, stdout, stderr)
	case "drill":
		return drill(ctx, cfg, stdout, stderr)
	}
	fmt.Fprintf(stderr, "pgops: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// fail prints err on one line and picks the exit code: a configuration
// error is the caller's to fix, anything else the job's failure.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "pgops: "+strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " "))
	if pgops.IsConfigError(err) {
		return exitUsage
	}
	return exitFailed
}
