// Package pgops is what the database jobs of a service do (backend/cmd/pgops):
// grant the service's login role its rights, back the database up to the
// backup bucket, and prove that the newest backup restores by restoring it
// into a scratch PostgreSQL and comparing the data with what the backup
// recorded.
//
// Every failure is one line saying what failed and what to check, since it
// ends up as the last line of a Kubernetes Job's log and in an alert's
// runbook.
package pgops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/database"
)

// Config is what the jobs read from their environment (see ConfigFromEnv).
// The connection itself comes from libpq's variables, which pgx reads here
// and pg_dump and pg_restore read as well: one source for both.
type Config struct {
	// Database is DATABASE_AUTH and AWS_REGION; DATABASE_URL is refused,
	// since pg_dump would not see it.
	Database database.Settings
	// Region is AWS_REGION, of the bucket and the secrets too.
	Region string
	// Bucket and Prefix locate the backups: <Prefix><stamp>.dump and .json.
	Bucket, Prefix string
	// PushgatewayURL receives the jobs' metrics, grouped by Namespace
	// (POD_NAMESPACE); empty: no push.
	PushgatewayURL, Namespace string
	// Scratch is the folder of the drill's scratch server and downloaded
	// dump (DRILL_SCRATCH); empty: the temporary folder.
	Scratch string
	// MasterSecretARN is the RDS-managed master secret (grant only).
	MasterSecretARN string
	// PathStyle addresses the bucket in the URL path: set when
	// AWS_ENDPOINT_URL points the SDK at an S3 server of our own (tests).
	PathStyle bool
	// SampleRows is the size of each table's checksummed sample.
	SampleRows int

	databaseURL, user, dbname string
}

// ConfigFromEnv reads the jobs' environment through getenv.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		Database:        database.Settings{Auth: getenv("DATABASE_AUTH"), Region: getenv("AWS_REGION")},
		Region:          getenv("AWS_REGION"),
		Bucket:          getenv("BACKUP_BUCKET"),
		Prefix:          getenv("BACKUP_PREFIX"),
		PushgatewayURL:  getenv("PUSHGATEWAY_URL"),
		Namespace:       getenv("POD_NAMESPACE"),
		Scratch:         getenv("DRILL_SCRATCH"),
		MasterSecretARN: getenv("DATABASE_MASTER_SECRET_ARN"),
		PathStyle:       getenv("AWS_ENDPOINT_URL") != "" || getenv("AWS_ENDPOINT_URL_S3") != "",
		SampleRows:      DefaultSampleRows,
		databaseURL:     getenv("DATABASE_URL"),
		user:            getenv("PGUSER"),
		dbname:          getenv("PGDATABASE"),
	}
}

// Check reports every setting a job needs and lacks, on one line.
func (c Config) check(job string) error {
	var errs []string
	if c.databaseURL != "" {
		errs = append(errs, "DATABASE_URL is set, but pgops and pg_dump read the libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE): unset it")
	}
	if err := c.Database.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if c.Region == "" {
		errs = append(errs, "AWS_REGION is required")
	}
	switch job {
	case "backup", "drill":
		if c.Bucket == "" {
			errs = append(errs, "BACKUP_BUCKET is required")
		}
		if c.PushgatewayURL != "" && c.Namespace == "" {
			errs = append(errs, "POD_NAMESPACE is required with PUSHGATEWAY_URL: the metrics are grouped by the service's namespace")
		}
	case "grant":
		if c.MasterSecretARN == "" {
			errs = append(errs, "DATABASE_MASTER_SECRET_ARN is required")
		}
		if c.user == "" || c.dbname == "" {
			errs = append(errs, "PGUSER and PGDATABASE are required: the role to create and the database it will own")
		}
	}
	if len(errs) > 0 {
		return configError(strings.Join(errs, "; "))
	}
	return nil
}

// configError is a setting missing or wrong: the job cannot have run, and
// running it again as it is will not help.
type configError string

func (e configError) Error() string { return string(e) }

// IsConfigError says whether err comes of the job's settings rather than of
// what it did.
func IsConfigError(err error) bool {
	var ce configError
	return errors.As(err, &ce)
}

func (c Config) sampleRows() int {
	if c.SampleRows > 0 {
		return c.SampleRows
	}
	return DefaultSampleRows
}

func (c Config) aws(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(c.Region))
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}

// connect connects as the libpq variables say, signing in with an IAM
// token when DATABASE_AUTH=rds-iam, in a session whose settings make rows
// print the same everywhere. It returns the configuration it used, for
// pg_dump to connect the same way, and the hook that renews its password
// (nil without IAM): a token lives 15 minutes, and exact counts of a large
// database can take longer than that before pg_dump connects.
func (c Config) connect(ctx context.Context) (*pgx.Conn, *pgx.ConnConfig, func(context.Context, *pgx.ConnConfig) error, error) {
	cc, err := database.ConnConfig(c.Database)
	if err != nil {
		return nil, nil, nil, err
	}
	hook, err := database.Authenticator(ctx, c.Database)
	if err != nil {
		return nil, nil, nil, err
	}
	if hook != nil {
		if err := hook(ctx, cc); err != nil {
			return nil, nil, nil, err
		}
	}
	conn, err := connectWith(ctx, cc)
	if err != nil {
		hint := "check PGHOST, PGPORT, PGDATABASE, PGUSER and PGSSLMODE"
		if c.Database.Auth == database.AuthRDSIAM {
			hint += ", and that the job's role may rds-db:connect as " + cc.User
		}
		return nil, nil, nil, fmt.Errorf("connect to PostgreSQL as %s at %s:%d, database %s: %w (%s)", cc.User, cc.Host, cc.Port, cc.Database, err, hint)
	}
	return conn, cc, hook, nil
}

func connectWith(ctx context.Context, cc *pgx.ConnConfig) (*pgx.Conn, error) {
	cc = cc.Copy()
	for k, v := range sessionSettings {
		cc.RuntimeParams[k] = v
	}
	return pgx.ConnectConfig(ctx, cc)
}

// libpqArgs are pg_dump's connection options for the connection pgx made,
// so that both reach the same server as the same user; the password (or
// token) goes in the environment, where ps does not show it.
func libpqArgs(cc *pgx.ConnConfig) []string {
	return []string{"--host=" + cc.Host, "--port=" + strconv.Itoa(int(cc.Port)),
		"--username=" + cc.User, "--no-password"}
}

// libpqEnv is the environment of a program connecting as cc: ours, which
// holds libpq's variables (PGSSLMODE and the rest), and the password pgx
// used, which may be an IAM token it made.
func libpqEnv(cc *pgx.ConnConfig) []string {
	env := os.Environ()
	if cc.Password != "" {
		env = append(env, "PGPASSWORD="+cc.Password)
	}
	return env
}
