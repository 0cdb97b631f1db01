//go:build moto

package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/opstest"
)

// TestGrant runs pgops grant as the Job does, the master credentials read
// from Secrets Manager. gofakes3 (opstest.StartS3) serves S3 only, so this
// test needs moto_server and runs under the build tag moto (make e2e):
//
//	go test -tags moto ./cmd/pgops -run TestGrant -count=1
//
// The SQL it runs is also tested without Secrets Manager by go test ./...
// (internal/pgops, TestGrantAs).
func TestGrant(t *testing.T) {
	endpoint := opstest.StartMoto(t)
	opstest.AWSEnv(t, endpoint, "eu-west-1")
	ctx := context.Background()

	// What RDS has: the rds_iam role, a master user that may create roles
	// and databases but is no superuser, and the service's database, owned
	// by the master. (The test server trusts local connections, so the
	// password is read from the secret but not checked.)
	admin, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, sql := range []string{
		`CREATE ROLE rds_iam`,
		`CREATE ROLE grant_master LOGIN CREATEROLE CREATEDB PASSWORD 'master-pw'`,
		`GRANT rds_iam TO grant_master WITH ADMIN OPTION`,
		`CREATE DATABASE "grant-app" OWNER grant_master`,
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	sm := secretsmanager.NewFromConfig(opstest.AWSConfig(t))
	secret, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rds!db-0123"),
		SecretString: aws.String(`{"username":"grant_master","password":"master-pw"}`)})
	if err != nil {
		t.Fatal(err)
	}
	serverURL, _ := url.Parse(db.URL)
	serverURL.Path = "/grant-app"
	serverURL.User = url.User("grant-api")
	libpqEnv(t, serverURL.String())
	t.Setenv("DATABASE_MASTER_SECRET_ARN", *secret.ARN)

	r := runPgops(t, "grant")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "created role grant-api\n") || !strings.Contains(r.stdout, "granted rds_iam to grant-api") {
		t.Fatalf("grant: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	check := func() {
		t.Helper()
		var login, iam bool
		var dbOwner, schemaOwner string
		if err := admin.QueryRow(ctx, `SELECT rolcanlogin, pg_has_role('grant-api', 'rds_iam', 'member'),
			(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'grant-app') FROM pg_roles WHERE rolname = 'grant-api'`).
			Scan(&login, &iam, &dbOwner); err != nil {
			t.Fatal(err)
		}
		appURL := strings.Replace(db.URL, "/postgres?", "/grant-app?", 1)
		app, err := pgx.Connect(ctx, appURL)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close(ctx)
		if err := app.QueryRow(ctx, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'").Scan(&schemaOwner); err != nil {
			t.Fatal(err)
		}
		if !login || !iam || dbOwner != "grant-api" || schemaOwner != "grant-api" {
			t.Errorf("login %v, rds_iam member %v, database owner %s, schema public owner %s; want true, true, grant-api, grant-api", login, iam, dbOwner, schemaOwner)
		}
	}
	check()

	r = runPgops(t, "grant")
	if r.code != exitOK || strings.Contains(r.stdout, "created role") {
		t.Errorf("second grant: exit %d\nstdout %s\nstderr %s; want it to change nothing and succeed", r.code, r.stdout, r.stderr)
	}
	check()

	t.Setenv("DATABASE_MASTER_SECRET_ARN", *secret.ARN+"-gone")
	r = runPgops(t, "grant")
	if r.code != exitFailed || !strings.Contains(r.stderr, "read the master secret") || !strings.Contains(r.stderr, "secretsmanager:GetSecretValue") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown secret: exit %d, stderr %q", r.code, r.stderr)
	}
}
