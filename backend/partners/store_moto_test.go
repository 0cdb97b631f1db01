//go:build moto

package partners_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/groundwork-dev/groundwork/backend/internal/opstest"
)

// TestStoreOnMoto runs the store's tests against moto_server, the Secrets
// Manager emulator the e2e tests use, through the SDK as the partner key
// command does (AWS_ENDPOINT_URL pointing at it):
//
//	go test -tags moto ./partners -run TestStoreOnMoto -count=1
//
// go test ./... runs the same tests against an in-memory fake (TestStore).
func TestStoreOnMoto(t *testing.T) {
	endpoint := opstest.StartMoto(t)
	opstest.AWSEnv(t, endpoint, "eu-west-1")
	ctx := context.Background()
	client := secretsmanager.NewFromConfig(opstest.AWSConfig(t))
	// What Terraform creates: the secret, without a value.
	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName)}); err != nil {
		t.Fatal(err)
	}
	testStore(t, client, func(value string) {
		if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretName), SecretString: &value}); err != nil {
			t.Fatal(err)
		}
	})
}
