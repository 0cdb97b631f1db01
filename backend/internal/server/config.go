package server

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/groundwork-dev/groundwork/backend/database"
	"github.com/groundwork-dev/groundwork/backend/flags"
	"github.com/groundwork-dev/groundwork/backend/metrics"
	"github.com/groundwork-dev/groundwork/backend/partners"
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
	// PartnersFile (PARTNERS_FILE) is who may call the partner routes,
	// generated from the partner specs and mounted from the ConfigMap
	// <svc>-partners; PartnerKeysFile (PARTNER_KEYS_FILE) their keys'
	// hashes, mounted from the Secret <svc>-partner-keys. Without
	// PARTNERS_FILE the partner routes are not served (404). Both are
	// reread every PartnersRefresh (default 2s).
	PartnersFile    string
	PartnerKeysFile string
	PartnersRefresh time.Duration
	// DemoData (DEMO_DATA=true) seeds the demo orders at start, which every
	// partner sees: the sandbox's, which the partner playbooks cite.
	DemoData bool
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
	if c.PartnersRefresh == 0 {
		c.PartnersRefresh = partners.DefaultRefresh
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
	c.PartnersFile, c.PartnerKeysFile = getenv("PARTNERS_FILE"), getenv("PARTNER_KEYS_FILE")
	// Partners without keys would be refused one and all; say so at start
	// rather than in every partner's 401.
	if c.PartnersFile != "" && c.PartnerKeysFile == "" {
		errs = append(errs, errors.New("PARTNER_KEYS_FILE is required with PARTNERS_FILE: the partner keys file mounted from the Secret <service>-partner-keys"))
	}
	if s := getenv("DEMO_DATA"); s != "" {
		demo, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("DEMO_DATA=%q: want true or false", s))
		}
		c.DemoData = demo
	}
	t, err := metrics.ParseThresholds(getenv("SLO_LATENCY_THRESHOLDS"))
	if err != nil {
		errs = append(errs, fmt.Errorf("SLO_LATENCY_THRESHOLDS: %w", err))
	}
	c.LatencyThresholds = t
	return c.withDefaults(), errors.Join(errs...)
}
