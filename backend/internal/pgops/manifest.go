package pgops

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// stampLayout names a backup's objects by the UTC time of its snapshot:
// lexical order is time order, so the newest manifest is the greatest key
// and a listing needs no object metadata.
const stampLayout = "20060102T150405Z"

// manifestFormat is the version of the manifest's layout. A drill refuses a
// manifest of another version rather than misread it.
const manifestFormat = 1

// Manifest is what a backup recorded about the database at its snapshot,
// stored beside the dump as <stamp>.json after the dump itself: a manifest
// exists only for a dump that was uploaded whole. The drill checks the
// restored copy against it.
type Manifest struct {
	Format int `json:"format"`
	// Time is the snapshot's: the dump holds the data as of then, so the
	// data's age (the RPO) counts from it.
	Time time.Time `json:"time"`
	// Completed is when the dump was written, before the upload.
	Completed     time.Time `json:"completed"`
	Database      string    `json:"database"`
	ServerVersion string    `json:"server_version"`
	PgDump        string    `json:"pg_dump"`
	Inventory
	Dump Dump `json:"dump"`
}

// Dump is the pg_dump custom-format file of a backup.
type Dump struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Keys of a backup's dump and manifest under prefix.
func dumpKey(prefix string, t time.Time) string {
	return prefix + t.UTC().Format(stampLayout) + ".dump"
}

func manifestKey(prefix string, t time.Time) string {
	return prefix + t.UTC().Format(stampLayout) + ".json"
}

// newestManifest picks the newest manifest among keys listed under prefix:
// the greatest key named <prefix><stamp>.json. Other objects (a dump whose
// manifest never came, anything else in the bucket) are ignored.
func newestManifest(prefix string, keys []string) (string, bool) {
	var best string
	for _, k := range keys {
		stamp, ok := strings.CutSuffix(strings.TrimPrefix(k, prefix), ".json")
		if !ok || !strings.HasPrefix(k, prefix) {
			continue
		}
		if _, err := time.Parse(stampLayout, stamp); err != nil {
			continue
		}
		best = max(best, k)
	}
	return best, best != ""
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// check says what makes a manifest unusable, so that a drill fails on a
// broken manifest with that, not with a confusing comparison.
func (m *Manifest) check() error {
	var errs []string
	if m.Format != manifestFormat {
		errs = append(errs, fmt.Sprintf("format %d, this pgops reads %d", m.Format, manifestFormat))
	}
	if m.Time.IsZero() {
		errs = append(errs, "no snapshot time")
	}
	if m.Dump.Key == "" || m.Dump.Size <= 0 || !sha256Hex.MatchString(m.Dump.SHA256) {
		errs = append(errs, "no dump key, size and sha256")
	}
	if m.Database == "" {
		errs = append(errs, "no database name")
	}
	if m.SampleRows <= 0 {
		errs = append(errs, "no sample size")
	}
	names := make([]string, len(m.Tables))
	for i, t := range m.Tables {
		names[i] = t.String()
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != len(m.Tables) {
		errs = append(errs, "a table listed twice")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, ", "))
	}
	return nil
}
