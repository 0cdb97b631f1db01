package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/backend/internal/server"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	c, err := server.ConfigFromEnv(env{"DATABASE_URL": "postgres://x"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.Database.URL != "postgres://x" || c.LatencyThresholds != nil || c.ReadyTimeout <= 0 || c.ShutdownTimeout <= 0 {
		t.Errorf("defaults = %+v", c)
	}

	c, err = server.ConfigFromEnv(env{"PORT": "9090", "DATABASE_URL": "postgres://x", "SLO_LATENCY_THRESHOLDS": "300ms, 1s"}.get)
	if err != nil || c.Port != 9090 || !slices.Equal(c.LatencyThresholds, []time.Duration{300 * time.Millisecond, time.Second}) {
		t.Errorf("ConfigFromEnv = %+v, %v", c, err)
	}

	_, err = server.ConfigFromEnv(env{"PORT": "http", "SLO_LATENCY_THRESHOLDS": "fast"}.get)
	for _, want := range []string{"PORT", "DATABASE_URL or PGHOST is required", "SLO_LATENCY_THRESHOLDS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

// TestConfigFromLibpqVariables is the generated Deployment's environment:
// the libpq variables from the database's Secret and IAM authentication.
func TestConfigFromLibpqVariables(t *testing.T) {
	t.Parallel()
	c, err := server.ConfigFromEnv(env{"PGHOST": "db.internal", "PGUSER": "api", "DATABASE_AUTH": "rds-iam", "AWS_REGION": "eu-west-1"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URL != "" || c.Database.Auth != "rds-iam" || c.Database.Region != "eu-west-1" {
		t.Errorf("Database = %+v", c.Database)
	}

	_, err = server.ConfigFromEnv(env{"PGHOST": "db.internal", "DATABASE_AUTH": "kerberos"}.get)
	if err == nil || !strings.Contains(err.Error(), `DATABASE_AUTH="kerberos"`) {
		t.Errorf("unknown DATABASE_AUTH: %v", err)
	}
	_, err = server.ConfigFromEnv(env{"PGHOST": "db.internal", "DATABASE_AUTH": "rds-iam"}.get)
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("rds-iam without a region: %v", err)
	}
}

func TestConfigOfPartners(t *testing.T) {
	t.Parallel()
	c, err := server.ConfigFromEnv(env{"DATABASE_URL": "postgres://x", "PARTNERS_FILE": "/etc/partners/partners.json",
		"PARTNER_KEYS_FILE": "/etc/partner-keys/keys.json", "DEMO_DATA": "true"}.get)
	if err != nil || c.PartnersFile != "/etc/partners/partners.json" || c.PartnerKeysFile != "/etc/partner-keys/keys.json" || !c.DemoData || c.PartnersRefresh <= 0 {
		t.Errorf("ConfigFromEnv = %+v, %v", c, err)
	}
	if c, _ := server.ConfigFromEnv(env{"DATABASE_URL": "postgres://x"}.get); c.PartnersFile != "" || c.DemoData {
		t.Errorf("defaults: partners %q, demo data %v; want no partner routes and no demo data", c.PartnersFile, c.DemoData)
	}
	_, err = server.ConfigFromEnv(env{"DATABASE_URL": "postgres://x", "PARTNERS_FILE": "/etc/partners/partners.json", "DEMO_DATA": "yes please"}.get)
	for _, want := range []string{"PARTNER_KEYS_FILE is required with PARTNERS_FILE", `DEMO_DATA="yes please"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
