// Command api is Groundwork's reference service: a small orders API on
// PostgreSQL, instrumented with the backend's metrics and logging packages.
//
// It is configured by the environment: PORT (default 8080), the database
// (DATABASE_URL, or the libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER and
// PGSSLMODE; DATABASE_AUTH=rds-iam with AWS_REGION signs in with RDS IAM
// tokens, see backend/database) and SLO_LATENCY_THRESHOLDS (comma-separated
// durations, such as "300ms,1s", that become exact latency histogram
// buckets) and FLAGS_FILE (its flagd file, which the generated Deployment
// mounts from a ConfigMap; reread when it changes, see backend/flags).
// PARTNERS_FILE and PARTNER_KEYS_FILE turn on the partner API under
// /partner/v1/ (see backend/partners), and DEMO_DATA=true seeds the demo
// orders partners see in the sandbox. It applies its migrations at start
// and drains requests in flight on SIGTERM.
//
// Besides the families of backend/metrics it exports those its spec names,
// checkout_attempts_total, checkout_failures_total and orders_queue_depth
// (see orders.Metrics), feature_flag_evaluations_total by flag and
// variant (see flags.MetricsHook), and partner_requests_total by partner,
// key id and status (see partners.Auth).
package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/groundwork-dev/groundwork/backend/internal/server"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the service stopped on an error
	exitConfig = 2 // the environment is wrong; restarting will not help
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stderr))
}

// run starts the service and blocks until ctx is done and it has drained.
// Logs go to stderr, one JSON object a line.
func run(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	logger := server.NewLogger(stderr, slog.LevelInfo)
	cfg, err := server.ConfigFromEnv(getenv)
	if err != nil {
		logger.Error("bad configuration", "error", err)
		return exitConfig
	}
	if err := server.Run(ctx, cfg, logger); err != nil {
		logger.Error("stopped", "error", err)
		return exitFailed
	}
	logger.Info("stopped")
	return exitOK
}
