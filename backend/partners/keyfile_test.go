package partners_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/backend/partners"
)

var day1 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestIssueAndRevoke(t *testing.T) {
	t.Parallel()
	var f partners.KeyFile
	var ids []string
	for i := range partners.MaxLiveKeys {
		key, id, err := f.Issue("globex", partners.PrefixTest, day1.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, parsed, _ := partners.ParseKey(key); parsed != id {
			t.Errorf("issued key %s has id %s, Issue said %s", key[:20], parsed, id)
		}
		ids = append(ids, id)
	}
	if _, _, err := f.Issue("initech", partners.PrefixTest, day1); err != nil {
		t.Errorf("another partner's keys count against globex: %v", err)
	}
	_, _, err := f.Issue("globex", partners.PrefixTest, day1)
	if err == nil || !strings.Contains(err.Error(), "revoke one") || !strings.Contains(err.Error(), ids[0]) {
		t.Fatalf("sixth live key: %v, want a refusal saying to revoke one and naming the live keys", err)
	}
	if got := f.Active("globex"); len(got) != partners.MaxLiveKeys || got[0].ID != ids[0] || !got[0].Created.Equal(day1) {
		t.Errorf("Active(globex) = %+v", got)
	}

	if err := f.Revoke(ids[1], day1.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := f.Active("globex"); len(got) != partners.MaxLiveKeys-1 {
		t.Errorf("after a revocation, %d live keys", len(got))
	}
	if _, _, err := f.Issue("globex", partners.PrefixTest, day1); err != nil {
		t.Errorf("issue after a revocation: %v", err)
	}
	if err := f.Revoke(ids[1], day1.Add(48*time.Hour)); !errors.Is(err, partners.ErrAlreadyRevoked) || !strings.Contains(err.Error(), "2026-12-02T10:00:00Z") {
		t.Errorf("revoking twice: %v, want ErrAlreadyRevoked with the first revocation's time", err)
	}
	if err := f.Revoke("k0000000000", day1); !errors.Is(err, partners.ErrUnknownKey) {
		t.Errorf("revoking an unknown key: %v", err)
	}
	if len(f.Keys) != partners.MaxLiveKeys+2 {
		t.Errorf("%d records, want every key issued kept, revoked ones too", len(f.Keys))
	}
	for _, bad := range []string{"", "Globex", "glo bex", "-globex", strings.Repeat("a", 64)} {
		if _, _, err := f.Issue(bad, partners.PrefixTest, day1); err == nil {
			t.Errorf("Issue for partner %q worked", bad)
		}
	}
}

func TestKeyFileFormat(t *testing.T) {
	t.Parallel()
	// The contract's example, as the service reads it from the Secret.
	const file = `{"keys": [
	  {"id": "k7f3a9c2d10", "partner": "globex", "hash": "sha256:` + hash64 + `",
	   "created": "2026-12-01T10:00:00Z", "revoked": "2026-12-02T10:00:00Z"},
	  {"id": "k0123456789", "partner": "globex", "hash": "sha256:` + hash64 + `",
	   "created": "2026-12-01T11:00:00Z", "note": "a field of a newer command"}
	]}`
	f, err := partners.ParseKeyFile([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) != 2 || f.Keys[0].Live() || !f.Keys[1].Live() || !f.Keys[0].Revoked.Equal(day1.Add(24*time.Hour)) {
		t.Errorf("parsed %+v", f.Keys)
	}
	out, _ := json.Marshal(f)
	if strings.Count(string(out), `"revoked"`) != 1 || strings.Contains(string(out), "note") {
		t.Errorf("written back as %s: want revoked only where set", out)
	}
	if out, _ := json.Marshal(partners.KeyFile{}); string(out) != `{"keys":[]}` {
		t.Errorf("no keys written as %s", out)
	}
	for _, empty := range []string{"", " \n", `{"keys":[]}`, `{"keys":null}`} {
		if f, err := partners.ParseKeyFile([]byte(empty)); err != nil || len(f.Keys) != 0 {
			t.Errorf("ParseKeyFile(%q) = %+v, %v; want no keys", empty, f, err)
		}
	}

	_, err = partners.ParseKeyFile([]byte(`{"keys": [
	  {"id": "k7f3a9c2d10", "partner": "globex", "hash": "sha256:` + hash64 + `"},
	  {"id": "k7f3a9c2d10", "partner": "globex", "hash": "sha256:` + hash64 + `"},
	  {"id": "key-1", "partner": "Globex", "hash": "md5:abc"}
	]}`))
	for _, want := range []string{"k7f3a9c2d10 is used twice", `id "key-1"`, `partner "Globex"`, "hash is not sha256:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad records: error %v lacks %q", err, want)
		}
	}
	if _, err := partners.ParseKeyFile([]byte(`[1, 2]`)); err == nil {
		t.Error("a JSON array parsed as a keys file")
	}
}

const hash64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
