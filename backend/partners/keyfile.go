package partners

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxLiveKeys is how many live keys a partner may hold at once. Rotation
// needs two (the old one until the new one is deployed); more is a key
// forgotten somewhere, a leak waiting to happen.
const MaxLiveKeys = 5

// Errors of [KeyFile.Revoke], for a command to tell apart.
var (
	ErrUnknownKey     = errors.New("no such key")
	ErrAlreadyRevoked = errors.New("key already revoked")
)

// KeyFile is the keys of one service in one environment: the secret
// <env>/<service>/partner-keys in Secrets Manager ([Store]) and the file
// PARTNER_KEYS_FILE the service reads, {"keys": [...]}.
type KeyFile struct {
	Keys []KeyRecord `json:"keys"`

	// version is the Secrets Manager version the file was loaded from, so
	// that [Store.Save] can refuse to overwrite a newer one.
	version string
}

// MarshalJSON writes "keys": [] rather than null for no keys.
func (f KeyFile) MarshalJSON() ([]byte, error) {
	keys := f.Keys
	if keys == nil {
		keys = []KeyRecord{}
	}
	return json.Marshal(struct {
		Keys []KeyRecord `json:"keys"`
	}{keys})
}

// ParseKeyFile reads a keys file and checks every record. An empty file is
// no keys: the secret has no value yet. Fields it does not know are
// ignored, so that a newer command's file does not stop an older service.
func ParseKeyFile(data []byte) (KeyFile, error) {
	var f KeyFile
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return KeyFile{}, fmt.Errorf("not a partner keys file: %w", err)
	}
	return f, f.Validate()
}

// Validate reports every record that is not well formed, and ids used twice.
func (f KeyFile) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, k := range f.Keys {
		switch {
		case !validID(k.ID):
			errs = append(errs, fmt.Errorf("key %d: id %q is not k and 10 lowercase hex digits", i, k.ID))
		case seen[k.ID]:
			errs = append(errs, fmt.Errorf("key %d: id %s is used twice", i, k.ID))
		}
		seen[k.ID] = true
		if err := checkPartnerName(k.Partner); err != nil {
			errs = append(errs, fmt.Errorf("key %s: %w", k.ID, err))
		}
		if !validHash(k.Hash) {
			errs = append(errs, fmt.Errorf("key %s: hash is not sha256: and 64 lowercase hex digits", k.ID))
		}
	}
	return errors.Join(errs...)
}

// Issue makes a new key for partner, adds its record and returns the key,
// which must be shown once and never stored. It refuses a partner that
// already holds [MaxLiveKeys] live keys.
func (f *KeyFile) Issue(partner, prefix string, now time.Time) (key, id string, err error) {
	if err := checkPartnerName(partner); err != nil {
		return "", "", err
	}
	if live := f.Active(partner); len(live) >= MaxLiveKeys {
		ids := make([]string, len(live))
		for i, k := range live {
			ids[i] = k.ID
		}
		return "", "", fmt.Errorf("partner %s already has %d live keys (%s), the most allowed: revoke one before issuing another",
			partner, len(live), strings.Join(ids, ", "))
	}
	for {
		key, rec, err := NewKey(prefix)
		if err != nil {
			return "", "", err
		}
		// Ids are 40 random bits: a repeat is unlikely but would make two
		// keys one record, so draw again.
		if f.find(rec.ID) >= 0 {
			continue
		}
		rec.Partner, rec.Created = partner, now.UTC().Truncate(time.Second)
		f.Keys = append(f.Keys, rec)
		return key, rec.ID, nil
	}
}

// Revoke marks the key id revoked at now. The record stays, so that the
// service can say "revoked" rather than "unknown" and the history is kept.
func (f *KeyFile) Revoke(id string, now time.Time) error {
	i := f.find(id)
	if i < 0 {
		return fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	if k := f.Keys[i]; !k.Live() {
		return fmt.Errorf("key %s of %s was revoked at %s: %w", id, k.Partner, k.Revoked.Format(time.RFC3339), ErrAlreadyRevoked)
	}
	f.Keys[i].Revoked = now.UTC().Truncate(time.Second)
	return nil
}

// Active returns the live keys of partner, oldest first.
func (f KeyFile) Active(partner string) []KeyRecord {
	var live []KeyRecord
	for _, k := range f.Keys {
		if k.Partner == partner && k.Live() {
			live = append(live, k)
		}
	}
	return live
}

func (f KeyFile) find(id string) int {
	return slices.IndexFunc(f.Keys, func(k KeyRecord) bool { return k.ID == id })
}

// checkPartnerName accepts the names partner specs have: lowercase letters
// and digits in dash-separated words, at most 63 characters (a DNS label,
// as the spec's file name becomes resource names).
func checkPartnerName(name string) error {
	ok := name != "" && len(name) <= 63 && name[0] != '-' && name[len(name)-1] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
	}
	if !ok {
		return fmt.Errorf("partner %q: want the name of a partner spec, lowercase letters, digits and dashes", name)
	}
	return nil
}
