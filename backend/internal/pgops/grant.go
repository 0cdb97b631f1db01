package pgops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/database"
)

// Grant makes PGUSER a login role that signs in with IAM tokens
// (GRANT rds_iam) and owns PGDATABASE and its schema public, as the RDS
// master user, whose credentials it reads from the RDS-managed secret. It
// is idempotent: the grant Job runs it at every deploy.
//
// The service needs no password and the master password never leaves
// Secrets Manager but for this connection: RDS creates only the master
// user, and nothing else could create the service's role.
func Grant(ctx context.Context, c Config) ([]string, error) {
	done, err := grant(ctx, c)
	if err != nil {
		return done, fmt.Errorf("grant failed: %w", err)
	}
	return done, nil
}

// masterSecret is the RDS-managed master secret's JSON.
type masterSecret struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func grant(ctx context.Context, c Config) ([]string, error) {
	if err := c.check("grant"); err != nil {
		return nil, err
	}
	master, err := c.masterSecret(ctx)
	if err != nil {
		return nil, err
	}
	return grantAs(ctx, master)
}

// masterSecret reads the RDS-managed master secret DATABASE_MASTER_SECRET_ARN
// names from Secrets Manager.
func (c Config) masterSecret(ctx context.Context) (masterSecret, error) {
	awsCfg, err := c.aws(ctx)
	if err != nil {
		return masterSecret{}, err
	}
	out, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &c.MasterSecretARN})
	if err != nil {
		return masterSecret{}, fmt.Errorf("read the master secret %s: %w (check DATABASE_MASTER_SECRET_ARN, and that the job's role may secretsmanager:GetSecretValue on it and kms:Decrypt with its key)", c.MasterSecretARN, err)
	}
	var master masterSecret
	if out.SecretString == nil || json.Unmarshal([]byte(*out.SecretString), &master) != nil || master.Username == "" || master.Password == "" {
		return masterSecret{}, fmt.Errorf("master secret %s is not JSON with username and password, as RDS writes it", c.MasterSecretARN)
	}
	return master, nil
}

// grantAs connects as the master user where libpq's variables say and
// brings PGUSER and PGDATABASE to the state the service needs. It is apart
// from reading the secret so that its SQL is tested against real
// PostgreSQL by go test ./... alone (grant_test.go); reading the secret
// needs Secrets Manager, which only moto_server serves here (the test of
// the whole command, cmd/pgops, build tag moto).
func grantAs(ctx context.Context, master masterSecret) ([]string, error) {
	// Where to connect from libpq's variables; who, from the secret.
	cc, err := database.ConnConfig(database.Settings{})
	if err != nil {
		return nil, err
	}
	role, db := cc.User, cc.Database
	if role == master.Username {
		return nil, fmt.Errorf("PGUSER is the master user %s: the service signs in as a role of its own", role)
	}
	cc.User, cc.Password = master.Username, master.Password
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("connect as the master user %s to %s:%d, database %s: %w (check PGHOST, PGPORT, PGDATABASE, PGSSLMODE and the master secret)",
			master.Username, cc.Host, cc.Port, db, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return grantStatements(ctx, conn, role, db)
}

// grantStatements brings role and db to the state the service needs, and
// says what it did. Order matters: the master must be a member of role to
// give it anything it owns (PostgreSQL 16 no longer makes a role's creator
// one), and must alter schema public while it still owns the database.
func grantStatements(ctx context.Context, conn *pgx.Conn, role, db string) ([]string, error) {
	r, d := pgx.Identifier{role}.Sanitize(), pgx.Identifier{db}.Sanitize()
	var done []string
	var exists, iam bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1), EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')", role).
		Scan(&exists, &iam)
	if err != nil {
		return nil, err
	}
	if !iam {
		return nil, errors.New("the role rds_iam does not exist: PGHOST must be an RDS instance (with iam_database_authentication_enabled)")
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE ROLE "+r+" LOGIN"); err != nil {
			return done, fmt.Errorf("create role %s: %w", role, err)
		}
		done = append(done, "created role "+role)
	}
	for _, s := range []struct{ sql, what string }{
		{"ALTER ROLE " + r + " LOGIN", "role " + role + " may log in"},
		{"GRANT rds_iam TO " + r, "granted rds_iam to " + role + " (it signs in with IAM tokens)"},
		{"GRANT " + r + " TO CURRENT_USER", "the master user is a member of " + role},
		{"ALTER SCHEMA public OWNER TO " + r, role + " owns schema public"},
		{"ALTER DATABASE " + d + " OWNER TO " + r, role + " owns database " + db},
	} {
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			return done, fmt.Errorf("%s: %w", s.sql, err)
		}
		done = append(done, s.what)
	}
	return done, nil
}
