//go:build e2e

package e2e_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/groundwork-dev/groundwork/backend/partners"
	"github.com/groundwork-dev/groundwork/internal/cli"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// `groundwork partner key` against Secrets Manager (moto): the sample's
// specs, with sandbox in moto's account, and the partner-keys secret made
// empty as Terraform makes it. A key is printed once and stored only as
// its hash; list shows it; revoke marks it; the stored file is what the
// api reads (backend/partners); credentials of another account are refused
// before anything is written.
func TestPartnerKeysAgainstMoto(t *testing.T) {
	endpoint := startMoto(t)
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-central-1")

	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "specs"), os.DirFS(filepath.Join(repoRoot, "specs"))); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "specs", "environments", "sandbox.yaml")
	data, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Main(append([]string{"-C", dir}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	// The sandbox's own account is not moto's: refused, nothing written.
	if code, _, stderr := run("partner", "key", "issue", "globex", "--env", "sandbox"); code != cli.ExitInput || !strings.Contains(stderr, "account "+motoAccount) {
		t.Fatalf("issue with another account's credentials: exit %d, %s", code, stderr)
	}
	os.WriteFile(envFile, regexp.MustCompile(`account: "\d+"`).ReplaceAll(data, []byte(`account: "`+motoAccount+`"`)), 0o644)

	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatal(err)
	}
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
	secretID := "sandbox/api/partner-keys"
	if _, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(secretID)}); err != nil {
		t.Fatal(err)
	}

	code, key, stderr := run("partner", "key", "issue", "globex", "--env", "sandbox")
	key = strings.TrimSpace(key)
	if code != cli.ExitOK || !strings.HasPrefix(key, "gw_test_") || !strings.Contains(stderr, "only time the key is shown") {
		t.Fatalf("issue: exit %d, stdout %q, stderr %s", code, key, stderr)
	}
	_, id, err := partners.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatal(err)
	}
	value := aws.ToString(stored.SecretString)
	if strings.Contains(value, key) || strings.Contains(value, key[len("gw_test_")+len(id)+1:]) {
		t.Fatalf("the secret holds the key itself: %s", value)
	}
	keys, err := partners.ParseKeyFile([]byte(value))
	if err != nil || len(keys.Active("globex")) != 1 || !keys.Active("globex")[0].Matches(key) {
		t.Fatalf("the stored keys %s (%v) do not hold a live key matching the one printed", value, err)
	}

	if code, out, _ := run("partner", "key", "list", "globex", "--env", "sandbox"); code != cli.ExitOK || !strings.Contains(out, id) || strings.Contains(out, "sha256") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, _, stderr := run("partner", "key", "revoke", "globex", id, "--env", "sandbox"); code != cli.ExitOK {
		t.Fatalf("revoke: exit %d, %s", code, stderr)
	}
	stored, _ = sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	keys, _ = partners.ParseKeyFile([]byte(aws.ToString(stored.SecretString)))
	if len(keys.Active("globex")) != 0 {
		t.Fatalf("after revoke, live keys %+v", keys.Active("globex"))
	}
	if code, _, stderr := run("partner", "key", "revoke", "globex", id, "--env", "sandbox"); code != cli.ExitInput {
		t.Fatalf("revoking twice: exit %d, %s", code, stderr)
	}

	// Mistakes are named before AWS is called.
	for args, want := range map[string]string{
		"issue initech --env sandbox":              "no partner",
		"issue globex --env prod":                  "not admitted to prod",
		"issue globex --env sandbox --service web": "does not call",
	} {
		if code, _, stderr := run(append([]string{"partner", "key"}, strings.Fields(args)...)...); code != cli.ExitInput || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, %s; want %q", args, code, stderr, want)
		}
	}
	if spec.PartnerKeysSecretName(&spec.Environment{Name: "sandbox"}, &spec.Service{Name: "api"}) != partners.SecretName("sandbox", "api") ||
		spec.PartnerKeyPrefix(&spec.Environment{}) != partners.PrefixTest || spec.PartnerKeyPrefix(&spec.Environment{Production: true}) != partners.PrefixLive {
		t.Error("the generator and backend/partners disagree on the keys' secret name or prefixes")
	}
}
