package database_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/database"
)

// checkToken checks that password is an RDS IAM token: a SigV4 presigned
// "connect" request for host:port as user, signed for the rds-db service in
// region with access key id, valid 15 minutes.
func checkToken(t *testing.T, password, hostPort, user, region, id string) {
	t.Helper()
	prefix := hostPort + "?"
	if !strings.HasPrefix(password, prefix) {
		t.Fatalf("password %q does not start with %q", password, prefix)
	}
	q, err := url.ParseQuery(strings.TrimPrefix(password, prefix))
	if err != nil {
		t.Fatalf("token query: %v", err)
	}
	today := time.Now().UTC().Format("20060102")
	for key, want := range map[string]string{
		"Action":              "connect",
		"DBUser":              user,
		"X-Amz-Algorithm":     "AWS4-HMAC-SHA256",
		"X-Amz-Expires":       "900",
		"X-Amz-SignedHeaders": "host",
		"X-Amz-Credential":    id + "/" + today + "/" + region + "/rds-db/aws4_request",
	} {
		if got := q.Get(key); got != want {
			t.Errorf("token %s = %q, want %q", key, got, want)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(q.Get("X-Amz-Signature")) {
		t.Errorf("token signature %q is not a SigV4 signature", q.Get("X-Amz-Signature"))
	}
}

func TestTokenHookSignsForHostPortAndUser(t *testing.T) {
	t.Parallel()
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	hook := database.TokenHook("eu-west-1", creds)
	cc, err := pgx.ParseConfig("host=api.abc123.eu-west-1.rds.amazonaws.com port=5432 user=api dbname=api sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	if err := hook(context.Background(), cc); err != nil {
		t.Fatal(err)
	}
	checkToken(t, cc.Password, "api.abc123.eu-west-1.rds.amazonaws.com:5432", "api", "eu-west-1", "AKIDEXAMPLE")

	other := cc.Copy()
	other.User = "orders"
	if err := hook(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	checkToken(t, other.Password, "api.abc123.eu-west-1.rds.amazonaws.com:5432", "orders", "eu-west-1", "AKIDEXAMPLE")
	if other.Password == cc.Password {
		t.Error("tokens for two users are equal")
	}
}

// isolateAWS gives the SDK's default chain static keys from the environment
// and nothing else to find: no files, no instance metadata, no network.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestPoolConfigRDSIAMFromLibpqVariables(t *testing.T) {
	isolateAWS(t)
	t.Setenv("PGHOST", "db.internal")
	t.Setenv("PGPORT", "6432")
	t.Setenv("PGDATABASE", "api")
	t.Setenv("PGUSER", "api")
	t.Setenv("PGSSLMODE", "require")
	t.Setenv("PGPASSWORD", "")
	s, err := database.SettingsFromEnv(env{"DATABASE_AUTH": "rds-iam", "AWS_REGION": "us-east-2"}.get)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := database.PoolConfig(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	cc := pc.ConnConfig
	if cc.Host != "db.internal" || cc.Port != 6432 || cc.Database != "api" || cc.User != "api" || cc.TLSConfig == nil {
		t.Errorf("config from PG* = host %s port %d db %s user %s tls %v", cc.Host, cc.Port, cc.Database, cc.User, cc.TLSConfig != nil)
	}
	if pc.BeforeConnect == nil {
		t.Fatal("rds-iam pool has no BeforeConnect hook")
	}
	// The pool hands the hook a copy of the configuration per connection.
	conn := cc.Copy()
	if err := pc.BeforeConnect(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	checkToken(t, conn.Password, "db.internal:6432", "api", "us-east-2", "AKIDFROMENV")
}

func TestPoolConfigPasswordKeepsTheURL(t *testing.T) {
	t.Parallel()
	for _, auth := range []string{"", "password"} {
		pc, err := database.PoolConfig(context.Background(), database.Settings{URL: "postgres://app:pw@127.0.0.1:5433/app?sslmode=disable", Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		if pc.BeforeConnect != nil {
			t.Errorf("DATABASE_AUTH=%q: a password pool needs no BeforeConnect hook", auth)
		}
		if cc := pc.ConnConfig; cc.Password != "pw" || cc.User != "app" || cc.Port != 5433 {
			t.Errorf("DATABASE_AUTH=%q: config = %s@%d password %q", auth, cc.User, cc.Port, cc.Password)
		}
	}
}

func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    database.Settings
		want string
	}{
		{"unknown auth", database.Settings{Auth: "iam"}, `DATABASE_AUTH="iam": want "rds-iam"`},
		{"iam without region", database.Settings{Auth: "rds-iam"}, "needs AWS_REGION"},
		{"iam without TLS", database.Settings{URL: "postgres://api@db:5432/api?sslmode=disable", Auth: "rds-iam", Region: "eu-west-1"}, "needs TLS"},
		{"bad URL", database.Settings{URL: "postgres://api@db:notaport/api"}, "database connection settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := database.PoolConfig(context.Background(), tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PoolConfig: %v, want an error containing %q", err, tt.want)
			}
			_, err = database.ConnConfig(tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ConnConfig: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

type env map[string]string

func (e env) get(k string) string { return e[k] }
