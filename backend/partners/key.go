// Package partners authenticates the partners of a Groundwork service: the
// companies a partner spec (specs/partners/<name>.yaml) admits to call it,
// each with API keys of its own.
//
// A key is shown once, when it is issued, and kept only as its SHA-256 (a
// [KeyRecord] in a [KeyFile], which [Store] keeps in Secrets Manager and the
// service reads mounted from a Secret). The service reads two files, both
// reread when they change on disk: the partners file (who is admitted to
// this environment, with which scopes and rate limit; generated from the
// specs) and the keys file. [Auth] checks each request to a partner route
// against both: a valid key of a partner the spec does not admit is refused,
// because the spec is the authority on who may call and the key only the
// credential.
//
// Every log line of a partner request carries partner and key_id ([Track],
// [LogHandler]), and partner_requests_total{partner,key_id,code} counts them
// with labels taken only from the two files, so that no caller can add series.
package partners

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Key prefixes by environment. The prefix is visible, so that a key pasted
// into the wrong place (a live key in a sandbox script, a log, a ticket) is
// recognisable, and refused by an environment it is not for.
const (
	PrefixTest = "gw_test_" // every environment that is not production
	PrefixLive = "gw_live_" // production
)

// Prefix is the key prefix of an environment.
func Prefix(production bool) string {
	if production {
		return PrefixLive
	}
	return PrefixTest
}

// Sizes of a key's parts: the id is "k" and 10 lowercase hex digits; the
// secret is 32 random bytes, base64url without padding.
const (
	idLen     = 11
	secretLen = 43
)

// hashPrefix names the hash function of [KeyRecord.Hash], so that another
// can follow without guessing which a stored hash is.
const hashPrefix = "sha256:"

// KeyRecord is what is kept of a key: never the key, only its hash.
type KeyRecord struct {
	ID      string    `json:"id"`
	Partner string    `json:"partner"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
	// Revoked is when the key was revoked; zero while it is live.
	Revoked time.Time `json:"revoked,omitzero"`
}

// Live reports whether the key has not been revoked.
func (r KeyRecord) Live() bool { return r.Revoked.IsZero() }

// Matches reports whether key is the key r was made from.
//
// The comparison takes the same time wherever the hashes differ
// (subtle.ConstantTimeCompare), so that response times tell a caller
// nothing about how close a guess came. A fast hash is right here: keys are
// 256 bits of randomness, which no dictionary or brute force reaches, so a
// slow password hash would only slow every request down.
func (r KeyRecord) Matches(key string) bool {
	return subtle.ConstantTimeCompare([]byte(r.Hash), []byte(Hash(key))) == 1
}

// Hash is the stored form of key: "sha256:" and the hex SHA-256 of the
// whole key, prefix included.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// NewKey makes a key with prefix and returns it with its record (ID and
// Hash; the caller sets Partner and Created). The key itself must be shown
// once and then forgotten.
func NewKey(prefix string) (key string, rec KeyRecord, err error) {
	if err := checkPrefix(prefix); err != nil {
		return "", KeyRecord{}, err
	}
	var id [5]byte
	var secret [32]byte
	rand.Read(id[:]) // never fails since Go 1.24
	rand.Read(secret[:])
	rec.ID = "k" + hex.EncodeToString(id[:])
	key = prefix + rec.ID + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	rec.Hash = Hash(key)
	return key, rec, nil
}

// ErrMalformedKey is a string that cannot be a key of this package.
var ErrMalformedKey = errors.New("not a partner API key: want <prefix><id>_<secret>, such as gw_test_k7f3a9c2d10_ and 43 more characters")

// ParseKey splits a key into its prefix and id, checking its shape. It
// parses from the end, where the id and secret have fixed lengths, because
// both the prefix and a base64url secret may hold underscores.
func ParseKey(key string) (prefix, id string, err error) {
	n := len(key)
	if n < idLen+1+secretLen+1 {
		return "", "", ErrMalformedKey
	}
	secret := key[n-secretLen:]
	id = key[n-secretLen-1-idLen : n-secretLen-1]
	prefix = key[:n-secretLen-1-idLen]
	if key[n-secretLen-1] != '_' || !validID(id) || checkPrefix(prefix) != nil {
		return "", "", ErrMalformedKey
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil || len(b) != 32 {
		return "", "", ErrMalformedKey
	}
	return prefix, id, nil
}

// validID reports whether id is "k" and 10 lowercase hex digits.
func validID(id string) bool {
	return len(id) == idLen && id[0] == 'k' && lowerHex(id[1:])
}

// validHash reports whether h is "sha256:" and 64 lowercase hex digits.
func validHash(h string) bool {
	hexPart, ok := strings.CutPrefix(h, hashPrefix)
	return ok && len(hexPart) == 2*sha256.Size && lowerHex(hexPart)
}

// checkPrefix accepts lowercase letters, digits and underscores ending in
// an underscore ("gw_test_"), so that the prefix reads apart from the id.
func checkPrefix(p string) error {
	ok := p != "" && p[len(p)-1] == '_' && len(p) <= 32
	for i := 0; ok && i < len(p); i++ {
		c := p[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
	}
	if !ok {
		return fmt.Errorf("key prefix %q: want lowercase letters, digits and underscores ending in _, such as %s", p, PrefixTest)
	}
	return nil
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}
