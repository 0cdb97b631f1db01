package partners

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretName is the Secrets Manager secret that holds the partner keys of
// service in environment env; Terraform creates it (without a value) and an
// ExternalSecret mounts its value into the service's pods as the keys file.
func SecretName(env, service string) string {
	return env + "/" + service + "/partner-keys"
}

// SecretsManager is the part of the Secrets Manager API a [Store] uses;
// *secretsmanager.Client has it.
type SecretsManager interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// ErrConflict is a save of keys that someone else changed since they were
// loaded. Load again and redo the change.
var ErrConflict = errors.New("the partner keys changed since they were read; run the command again")

// Store keeps a [KeyFile] in one Secrets Manager secret (see [SecretName]),
// so that keys never pass through git. Point Client at another endpoint
// (AWS_ENDPOINT_URL, or the client's BaseEndpoint) to use an emulator.
type Store struct {
	Client   SecretsManager
	SecretID string
}

// Load reads the keys. A secret without a value yet (Terraform creates the
// secret, not its value) is no keys; a secret that does not exist is an
// error, so that a mistyped environment or service does not list nothing.
func (s Store) Load(ctx context.Context) (KeyFile, error) {
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.SecretID})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		// Both "no such secret" and "no value yet" are ResourceNotFound;
		// only the secret's description tells them apart.
		if _, err := s.current(ctx); err != nil {
			return KeyFile{}, err
		}
		return KeyFile{}, nil
	}
	if err != nil {
		return KeyFile{}, fmt.Errorf("read the partner keys %s: %w (check that you may secretsmanager:GetSecretValue on it)", s.SecretID, err)
	}
	f, err := ParseKeyFile([]byte(aws.ToString(out.SecretString)))
	if err != nil {
		return KeyFile{}, fmt.Errorf("partner keys %s: %w", s.SecretID, err)
	}
	f.version = aws.ToString(out.VersionId)
	return f, nil
}

// Save writes f as the secret's new current value. It refuses, with
// [ErrConflict], when the secret changed since f was loaded: read, change
// and write are separate calls, and a revocation lost to a concurrent issue
// would leave a leaked key live.
//
// Secrets Manager has no conditional write, so the check is twofold: the
// current version must still be f's, and the new version's id (the
// ClientRequestToken) is derived from f's version, so that two writers that
// loaded the same version ask for the same new id and the second is refused
// (a version's value cannot change).
func (s Store) Save(ctx context.Context, f KeyFile) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("partner keys %s: refusing to write: %w", s.SecretID, err)
	}
	current, err := s.current(ctx)
	if err != nil {
		return err
	}
	if current != f.version {
		return fmt.Errorf("partner keys %s: %w", s.SecretID, ErrConflict)
	}
	value, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = s.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:           &s.SecretID,
		SecretString:       aws.String(string(value)),
		ClientRequestToken: aws.String(nextVersion(f.version)),
	})
	var exists *types.ResourceExistsException
	if errors.As(err, &exists) {
		return fmt.Errorf("partner keys %s: %w", s.SecretID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("write the partner keys %s: %w (check that you may secretsmanager:PutSecretValue on it and kms:Encrypt with its key)", s.SecretID, err)
	}
	return nil
}

// Update loads the keys, applies change and saves them: one issue or
// revocation. On [ErrConflict] nothing was written and change may be
// applied again to a fresh load.
func (s Store) Update(ctx context.Context, change func(*KeyFile) error) error {
	f, err := s.Load(ctx)
	if err != nil {
		return err
	}
	if err := change(&f); err != nil {
		return err
	}
	return s.Save(ctx, f)
}

// current returns the id of the secret's AWSCURRENT version, "" when it
// has no value yet.
func (s Store) current(ctx context.Context) (string, error) {
	out, err := s.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &s.SecretID})
	if err != nil {
		return "", fmt.Errorf("partner keys secret %s: %w (terraform apply of the environment creates it; check the environment and service names)", s.SecretID, err)
	}
	for id, stages := range out.VersionIdsToStages {
		for _, st := range stages {
			if st == "AWSCURRENT" {
				return id, nil
			}
		}
	}
	return "", nil
}

// nextVersion is the version id a save after version base asks for, the
// same for every writer that loaded base, shaped as the UUID Secrets
// Manager expects.
func nextVersion(base string) string {
	sum := sha256.Sum256([]byte("groundwork partner-keys after " + base))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
