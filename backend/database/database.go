// Package database connects Groundwork's Go services and database jobs to
// their PostgreSQL, the way the generated manifests configure them.
//
// In a cluster a service gets the libpq variables PGHOST, PGPORT, PGDATABASE,
// PGUSER and PGSSLMODE from its database's Secret, and no password: it signs
// in with RDS IAM authentication (DATABASE_AUTH=rds-iam), a token signed with
// its IRSA role's credentials, valid 15 minutes and made anew for every
// connection. The RDS-managed password's secret has a name nobody can
// predict at generate time, and a password copied into a secret we name would
// sit in the Terraform state; a token needs neither.
//
// Outside a cluster (tests, a laptop) DATABASE_URL still works, and so does a
// password from libpq's PGPASSWORD or ~/.pgpass.
package database

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Ways to authenticate, the values of DATABASE_AUTH.
const (
	// AuthPassword (or an empty DATABASE_AUTH) takes the password from the
	// URL, PGPASSWORD or the password file, as libpq does.
	AuthPassword = "password"
	// AuthRDSIAM signs every new connection in with an RDS IAM token.
	AuthRDSIAM = "rds-iam"
)

// Settings say where the database is and how to sign in.
type Settings struct {
	// URL is a PostgreSQL URL or key=value string (DATABASE_URL). Empty:
	// the libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE,
	// PGPASSWORD, ...) of the process environment, read by pgx as libpq
	// reads them.
	URL string
	// Auth is DATABASE_AUTH: "" or AuthPassword, or AuthRDSIAM.
	Auth string
	// Region is the AWS region of the database (AWS_REGION), which an RDS
	// IAM token is signed for.
	Region string
}

// SettingsFromEnv reads DATABASE_URL, DATABASE_AUTH and AWS_REGION through
// getenv and checks them.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{URL: getenv("DATABASE_URL"), Auth: getenv("DATABASE_AUTH"), Region: getenv("AWS_REGION")}
	return s, s.Validate()
}

// Validate reports an unknown DATABASE_AUTH, or IAM authentication without a
// region to sign the token for.
func (s Settings) Validate() error {
	switch s.Auth {
	case "", AuthPassword:
		return nil
	case AuthRDSIAM:
		if s.Region == "" {
			return errors.New("DATABASE_AUTH=rds-iam needs AWS_REGION, the region the token is signed for")
		}
		return nil
	}
	return fmt.Errorf("DATABASE_AUTH=%q: want %q (IAM tokens) or %q (the password libpq finds), or leave it empty", s.Auth, AuthRDSIAM, AuthPassword)
}

// ConnConfig parses the connection settings (URL, else the libpq
// variables). With IAM authentication it refuses a connection without TLS:
// RDS rejects a token sent in the clear, and the error it gives says only
// that the password was wrong.
func ConnConfig(s Settings) (*pgx.ConnConfig, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cc, err := pgx.ParseConfig(s.URL)
	if err != nil {
		return nil, fmt.Errorf("database connection settings: %w", err)
	}
	if err := checkTLS(s, cc); err != nil {
		return nil, err
	}
	return cc, nil
}

// PoolConfig is the pool configuration of a service: the connection
// settings and, with IAM authentication, a BeforeConnect hook that signs
// each new connection in with a fresh token.
func PoolConfig(ctx context.Context, s Settings) (*pgxpool.Config, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(s.URL)
	if err != nil {
		return nil, fmt.Errorf("database connection settings: %w", err)
	}
	if err := checkTLS(s, pc.ConnConfig); err != nil {
		return nil, err
	}
	if pc.BeforeConnect, err = Authenticator(ctx, s); err != nil {
		return nil, err
	}
	return pc, nil
}

// Authenticator returns what sets a connection's password before it
// connects: nil for AuthPassword, whose password the settings already hold;
// for AuthRDSIAM, a token hook with the AWS SDK's default credential chain
// (IRSA's web identity in a cluster).
func Authenticator(ctx context.Context, s Settings) (func(context.Context, *pgx.ConnConfig) error, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Auth != AuthRDSIAM {
		return nil, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(s.Region))
	if err != nil {
		return nil, fmt.Errorf("DATABASE_AUTH=rds-iam: AWS configuration: %w", err)
	}
	return TokenHook(s.Region, cfg.Credentials), nil
}

// TokenHook sets a connection's password to an RDS IAM token for its host,
// port and user, signed with creds for region. Tokens are made per
// connection because they expire after 15 minutes while a pool opens
// connections for as long as the service runs.
func TokenHook(region string, creds aws.CredentialsProvider) func(context.Context, *pgx.ConnConfig) error {
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		endpoint := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
		token, err := auth.BuildAuthToken(ctx, endpoint, region, cc.User, creds)
		if err != nil {
			return fmt.Errorf("RDS IAM token for %s@%s: %w (check the AWS credentials: in a cluster, the service account's IRSA role)", cc.User, endpoint, err)
		}
		cc.Password = token
		return nil
	}
}

func checkTLS(s Settings, cc *pgx.ConnConfig) error {
	if s.Auth == AuthRDSIAM && cc.TLSConfig == nil {
		return errors.New("DATABASE_AUTH=rds-iam needs TLS (PGSSLMODE=require or verify-full): RDS refuses IAM tokens on unencrypted connections")
	}
	return nil
}
