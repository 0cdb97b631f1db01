// Package opstest runs what the database jobs' tests need besides
// PostgreSQL (internal/pgtest): an S3 API on 127.0.0.1, served from the
// test process ([StartS3], gofakes3) so that go test ./... needs nothing
// but Go and PostgreSQL; moto_server ([StartMoto]) for the tests that need
// more of AWS than S3 or want the emulator the e2e tests use (pgops grant's
// Secrets Manager, build tag moto; the recorded drill, build tag drill);
// and a stand-in Pushgateway that decodes what the jobs push.
package opstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// motoHint says how to get moto_server when it is missing.
const motoHint = "moto_server is not on PATH; install it with pip install 'moto[server]' (it serves S3 and Secrets Manager on 127.0.0.1 for these tests)"

// StartMoto runs moto_server on a free port of 127.0.0.1 until the test
// ends and returns its URL. Under -short it skips the test; without
// moto_server it fails, saying how to install it. moto_server is a pip
// package, not a Debian one, so only tests behind a build tag (moto,
// drill) may call it: go test ./... must not need it.
func StartMoto(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs moto_server and PostgreSQL; -short skips it")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal(motoHint)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logPath := filepath.Join(t.TempDir(), "moto.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); log.Close() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	out, _ := os.ReadFile(logPath)
	t.Fatalf("moto_server did not listen on %s within 30s:\n%s", addr, out)
	return ""
}

// AWSEnv points the AWS SDK of this process, and of the programs it starts,
// at endpoint with static keys in region, and keeps it off everything else
// (shared files, instance metadata).
func AWSEnv(t testing.TB, endpoint, region string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_REGION":                  region,
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// AWSConfig is the SDK configuration [AWSEnv] sets up.
func AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// S3 is a client of the S3 server [AWSEnv] points at, path-style as an S3
// server on 127.0.0.1 (gofakes3, moto) needs.
func S3(t testing.TB) *s3.Client {
	t.Helper()
	return s3.NewFromConfig(AWSConfig(t), func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}
