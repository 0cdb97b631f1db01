package server

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/groundwork-dev/groundwork/backend/database"
	"github.com/groundwork-dev/groundwork/backend/flags"
	"github.com/groundwork-dev/groundwork/backend/metrics"
)

// Config is everything the service reads from its environment.
type Config struct {
	// Port is the TCP port to listen on (PORT, default 8080).
	Port int
	// Database is where the database is and how to sign in: DATABASE_URL,
	// or the libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE)
	// the generated Deployment sets; DATABASE_AUTH=rds-iam and AWS_REGION
	// for IAM tokens (see package database).
	Database database.Settings
	// LatencyThresholds are the service's latency SLO thresholds
	// (SLO_LATENCY_THRESHOLDS, "300ms,1s"), made exact histogram buckets.
	LatencyThresholds []time.Duration
	// ReadyTimeout bounds the database ping of /readyz, so that a hung
	// database fails the probe instead of hanging it.
	ReadyTimeout time.Duration
	// FlagsFile is the service's flagd file (FLAGS_FILE), which the
	// generated Deployment mounts from its ConfigMap; with none, every flag
	// is off. FlagsRefresh is how often it is reread (default 1s).
	FlagsFile    string
	FlagsRefresh time.Duration
	// ShutdownTimeout bounds the drain of in-flight requests after SIGTERM;
	// it must be shorter than the pod's termination grace period.
	ShutdownTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = 8080
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = 2 * time.Second
	}
	if c.FlagsRefresh == 0 {
		c.FlagsRefresh = flags.DefaultRefresh
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	return c
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in main, a
// map in tests) and reports every problem at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	if s := getenv("PORT"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("PORT=%q: want a port number from 1 to 65535", s))
		}
		c.Port = p
	}
	db, err := database.SettingsFromEnv(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.Database = db
	// pgx would fall back to a local socket without PGHOST; in a cluster
	// that means the Secret did not reach the pod, which is worth saying.
	if db.URL == "" && getenv("PGHOST") == "" {
		errs = append(errs, errors.New("DATABASE_URL or PGHOST is required: the database's URL, or the libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER and PGSSLMODE"))
	}
	c.FlagsFile = getenv("FLAGS_FILE")
	t, err := metrics.ParseThresholds(getenv("SLO_LATENCY_THRESHOLDS"))
	if err != nil {
		errs = append(errs, fmt.Errorf("SLO_LATENCY_THRESHOLDS: %w", err))
	}
	c.LatencyThresholds = t
	return c.withDefaults(), errors.Join(errs...)
}
