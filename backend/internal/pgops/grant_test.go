package pgops

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/groundwork-dev/groundwork/backend/internal/pgtest"
)

// TestGrantAs runs the SQL of pgops grant against real PostgreSQL made to
// look like RDS, with the master credentials given directly: reading them
// from Secrets Manager needs moto_server, so that part, and the command as
// a whole, is tested in cmd/pgops under the build tag moto
// (grant_moto_test.go), while go test ./... still proves the role the
// service signs in as is made right.
func TestGrantAs(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL; -short skips it")
	}
	srv, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	cc, err := pgx.ParseConfig(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	// What RDS has: a master user that may create roles and databases but
	// is no superuser, and the service's database, owned by the master.
	// The rds_iam role comes later, to see grant refuse a server without
	// it. (The test server trusts local connections: the password is sent
	// but not checked.)
	admin, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	exec := func(sqls ...string) {
		t.Helper()
		for _, sql := range sqls {
			if _, err := admin.Exec(ctx, sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	exec(`CREATE ROLE grant_master LOGIN CREATEROLE CREATEDB PASSWORD 'master-pw'`,
		`CREATE DATABASE "grant-app" OWNER grant_master`)
	for k, v := range map[string]string{
		"PGHOST": cc.Host, "PGPORT": fmt.Sprint(cc.Port), "PGDATABASE": "grant-app", "PGUSER": "grant-api",
		"PGSSLMODE": "disable", "PGPASSWORD": "", "DATABASE_URL": "", "DATABASE_AUTH": "",
	} {
		t.Setenv(k, v)
	}
	master := masterSecret{Username: "grant_master", Password: "master-pw"}

	roleExists := func() bool {
		t.Helper()
		var ok bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grant-api')").Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if done, err := grantAs(ctx, master); err == nil || !strings.Contains(err.Error(), "the role rds_iam does not exist") || len(done) != 0 || roleExists() {
		t.Fatalf("grant on a server without rds_iam: did %v, error %v; want it to refuse before creating anything", done, err)
	}

	exec(`CREATE ROLE rds_iam`, `GRANT rds_iam TO grant_master WITH ADMIN OPTION`)
	done, err := grantAs(ctx, master)
	if err != nil {
		t.Fatalf("grant: %v (did %v)", err, done)
	}
	want := []string{
		"created role grant-api",
		"role grant-api may log in",
		"granted rds_iam to grant-api (it signs in with IAM tokens)",
		"the master user is a member of grant-api",
		"grant-api owns schema public",
		"grant-api owns database grant-app",
	}
	if strings.Join(done, "\n") != strings.Join(want, "\n") {
		t.Errorf("grant did\n%s\nwant\n%s", strings.Join(done, "\n"), strings.Join(want, "\n"))
	}

	// check looks at the state as the superuser, then signs in as the
	// service's role and creates a table, as its migrations will.
	check := func(table string) {
		t.Helper()
		var login, iam, super bool
		var dbOwner, schemaOwner string
		if err := admin.QueryRow(ctx, `SELECT rolcanlogin, rolsuper, pg_has_role('grant-api', 'rds_iam', 'member'),
			(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'grant-app') FROM pg_roles WHERE rolname = 'grant-api'`).
			Scan(&login, &super, &iam, &dbOwner); err != nil {
			t.Fatal(err)
		}
		appCC := cc.Copy()
		appCC.Database, appCC.User = "grant-app", "grant-api"
		app, err := pgx.ConnectConfig(ctx, appCC)
		if err != nil {
			t.Fatalf("sign in as grant-api: %v", err)
		}
		defer app.Close(ctx)
		if err := app.QueryRow(ctx, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'").Scan(&schemaOwner); err != nil {
			t.Fatal(err)
		}
		if !login || super || !iam || dbOwner != "grant-api" || schemaOwner != "grant-api" {
			t.Errorf("login %v, superuser %v, rds_iam member %v, database owner %s, schema public owner %s; want true, false, true, grant-api, grant-api",
				login, super, iam, dbOwner, schemaOwner)
		}
		if _, err := app.Exec(ctx, "CREATE TABLE public."+table+" (id int PRIMARY KEY)"); err != nil {
			t.Errorf("grant-api cannot create a table in its schema: %v", err)
		}
	}
	check("first")

	// The Job runs at every deploy: again, it creates nothing and succeeds.
	done, err = grantAs(ctx, master)
	if err != nil || strings.Join(done, "\n") != strings.Join(want[1:], "\n") {
		t.Errorf("second grant did %v, error %v; want the same but the role's creation", done, err)
	}
	check("second")

	t.Setenv("PGUSER", "grant_master")
	if _, err := grantAs(ctx, master); err == nil || !strings.Contains(err.Error(), "PGUSER is the master user grant_master") {
		t.Errorf("grant to the master user: %v", err)
	}
}
