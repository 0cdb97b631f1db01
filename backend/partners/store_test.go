package partners_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/groundwork-dev/groundwork/backend/partners"
)

// fakeSecrets is Secrets Manager in memory, as far as a Store uses it:
// secrets with versions, one of them AWSCURRENT, and a version's value
// that cannot change (a put with an existing version id and another value
// fails, as in Secrets Manager).
type fakeSecrets struct {
	mu      sync.Mutex
	secrets map[string]*fakeSecret
}

type fakeSecret struct {
	versions map[string]string
	current  string
}

func newFakeSecrets(names ...string) *fakeSecrets {
	f := &fakeSecrets{secrets: map[string]*fakeSecret{}}
	for _, n := range names {
		f.secrets[n] = &fakeSecret{versions: map[string]string{}}
	}
	return f
}

func notFound(op string) error {
	return &types.ResourceNotFoundException{Message: aws.String(op + ": Secrets Manager can't find the specified secret.")}
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[*in.SecretId]
	if !ok || s.current == "" {
		return nil, notFound("GetSecretValue")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(s.versions[s.current]), VersionId: aws.String(s.current)}, nil
}

func (f *fakeSecrets) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[*in.SecretId]
	if !ok {
		return nil, notFound("DescribeSecret")
	}
	stages := map[string][]string{}
	for id := range s.versions {
		stages[id] = nil
	}
	if s.current != "" {
		stages[s.current] = []string{"AWSCURRENT"}
	}
	return &secretsmanager.DescribeSecretOutput{Name: in.SecretId, VersionIdsToStages: stages}, nil
}

func (f *fakeSecrets) PutSecretValue(_ context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[*in.SecretId]
	if !ok {
		return nil, notFound("PutSecretValue")
	}
	id := aws.ToString(in.ClientRequestToken)
	if len(id) < 32 || len(id) > 64 {
		return nil, fmt.Errorf("ClientRequestToken %q: want 32 to 64 characters", id)
	}
	if v, ok := s.versions[id]; ok && v != *in.SecretString {
		return nil, &types.ResourceExistsException{Message: aws.String("You can't use ClientRequestToken " + id + " because that value is already in use for a version of the secret.")}
	}
	s.versions[id], s.current = *in.SecretString, id
	return &secretsmanager.PutSecretValueOutput{VersionId: &id}, nil
}

// set writes value as a new current version, as someone using the console
// or the AWS CLI would, with a version id of their own.
func (f *fakeSecrets) set(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[name]
	id := fmt.Sprintf("console-%032d", len(s.versions))
	s.versions[id], s.current = value, id
}

// beforePut runs hook once, before the next PutSecretValue reaches the
// client: what another writer does between a Store's check and its write.
type beforePut struct {
	partners.SecretsManager
	hook func()
}

func (b *beforePut) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	if h := b.hook; h != nil {
		b.hook = nil
		h()
	}
	return b.SecretsManager.PutSecretValue(ctx, in, opts...)
}

const secretName = "sandbox/api/partner-keys"

func TestSecretName(t *testing.T) {
	t.Parallel()
	if got := partners.SecretName("sandbox", "api"); got != secretName {
		t.Errorf("SecretName = %q, want %q", got, secretName)
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	fake := newFakeSecrets(secretName)
	testStore(t, fake, func(value string) { fake.set(secretName, value) })
}

// testStore runs the store's tests against client, which must hold the
// secret secretName without a value; set writes a value the way someone
// outside the Store would. The moto test runs it against moto_server.
func testStore(t *testing.T, client partners.SecretsManager, set func(string)) {
	ctx := context.Background()
	store := partners.Store{Client: client, SecretID: secretName}

	// Terraform made the secret and nothing else: no keys, not an error.
	f, err := store.Load(ctx)
	if err != nil || len(f.Keys) != 0 {
		t.Fatalf("Load of a secret without a value = %+v, %v; want no keys", f, err)
	}

	var key, id string
	if err := store.Update(ctx, func(f *partners.KeyFile) (err error) {
		key, id, err = f.Issue("globex", partners.PrefixTest, day1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f, err = store.Load(ctx)
	if err != nil || len(f.Keys) != 1 || f.Keys[0].ID != id || !f.Keys[0].Matches(key) || !f.Keys[0].Created.Equal(day1) {
		t.Fatalf("after issuing, Load = %+v, %v", f, err)
	}

	// Two operators load the same keys; the second to save is refused.
	a, _ := store.Load(ctx)
	b, _ := store.Load(ctx)
	if _, _, err := a.Issue("globex", partners.PrefixTest, day1); err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := b.Revoke(id, day1); err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, b); !errors.Is(err, partners.ErrConflict) {
		t.Fatalf("saving keys loaded before another save: %v, want ErrConflict", err)
	}

	// The same when both pass the check before either writes: the second
	// asks for the version id the first was given.
	c, _ := store.Load(ctx)
	d, _ := store.Load(ctx)
	racing := &beforePut{SecretsManager: client, hook: func() {
		if err := store.Save(ctx, c); err != nil {
			t.Errorf("the first writer: %v", err)
		}
	}}
	if err := d.Revoke(id, day1); err != nil {
		t.Fatal(err)
	}
	if err := (partners.Store{Client: racing, SecretID: secretName}).Save(ctx, d); !errors.Is(err, partners.ErrConflict) {
		t.Fatalf("a save racing another: %v, want ErrConflict", err)
	}

	// A value written by hand in between counts as a change too.
	e, _ := store.Load(ctx)
	set(`{"keys":[]}`)
	if err := store.Save(ctx, e); !errors.Is(err, partners.ErrConflict) {
		t.Errorf("saving over a value written by hand: %v, want ErrConflict", err)
	}

	// What the command does on a conflict: load again and redo it.
	if err := store.Update(ctx, func(f *partners.KeyFile) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, partners.KeyFile{Keys: []partners.KeyRecord{{ID: "k1"}}}); err == nil || !strings.Contains(err.Error(), "refusing to write") {
		t.Errorf("saving invalid keys: %v", err)
	}

	// A secret that is not there is an error, not an empty list.
	gone := partners.Store{Client: client, SecretID: "sandbox/nothing/partner-keys"}
	if _, err := gone.Load(ctx); err == nil || !strings.Contains(err.Error(), "terraform apply") {
		t.Errorf("Load of a missing secret: %v, want an error saying Terraform creates it", err)
	}
	if err := gone.Update(ctx, func(*partners.KeyFile) error { return nil }); err == nil {
		t.Error("Update of a missing secret worked")
	}

	set("not json")
	if _, err := store.Load(ctx); err == nil || !strings.Contains(err.Error(), secretName) {
		t.Errorf("Load of a secret that is not a keys file: %v", err)
	}
}
