package pgops

import (
	"fmt"
	"strings"
	"time"
)

// DrillReport is what a drill did and measured; Markdown renders it for the
// Job's log and for reports/restore-drill-*.md.
type DrillReport struct {
	Bucket, Prefix    string
	Started, Finished time.Time
	// ManifestKey and Manifest are the backup restored (unset when the
	// drill failed before finding it).
	ManifestKey string
	Manifest    *Manifest
	// DumpSize and DumpSHA256 are the downloaded dump's.
	DumpSize   int64
	DumpSHA256 string
	// Phases. RTO is Download + Restore + Verify; ScratchStart is the
	// drill's own cost, not a real restore's.
	Download, ScratchStart, Restore, Verify time.Duration
	RTO                                     time.Duration
	// RPO is the age of the restored data when the drill started.
	RPO time.Duration
	// Restored is the restored copy's inventory (unset when it was not
	// reached).
	Restored                  *Inventory
	ScratchVersion, PgRestore string
	// Differences between Restored and the manifest.
	Differences []string
	// Notes are things that went wrong without failing the drill.
	Notes []string
	Err   error
}

// Passed says whether the drill passed.
func (r *DrillReport) Passed() bool { return r.Err == nil }

// Markdown renders the report, headed at level depth (1 for a document of
// its own, 2 to go inside another).
func (r *DrillReport) Markdown(depth int) string {
	var b strings.Builder
	h := strings.Repeat("#", depth)
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s Restore drill: %s\n\n", h, verdict)
	if r.Err != nil {
		fmt.Fprintf(&b, "**Failure:** %s\n\n", oneLine(r.Err))
	}

	m := r.Manifest
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	b.WriteString("| | |\n|---|---|\n")
	row("drill", fmt.Sprintf("%s to %s", r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339)))
	if m == nil && r.Bucket != "" {
		row("backups", fmt.Sprintf("`s3://%s/%s`", r.Bucket, r.Prefix))
	}
	if m != nil {
		row("backup", fmt.Sprintf("`s3://%s/%s` (manifest `%s`)", r.Bucket, m.Dump.Key, r.ManifestKey))
		row("database", fmt.Sprintf("`%s`, PostgreSQL %s, dumped by %s", m.Database, m.ServerVersion, m.PgDump))
		row("snapshot", m.Time.Format(time.RFC3339))
		row("dump", fmt.Sprintf("%s, sha256 `%s`", size(m.Dump.Size), m.Dump.SHA256))
		if r.DumpSHA256 != "" {
			check := "size and sha256 match the manifest"
			if r.DumpSize != m.Dump.Size || r.DumpSHA256 != m.Dump.SHA256 {
				check = fmt.Sprintf("**%s, sha256 `%s`: does not match the manifest**", size(r.DumpSize), r.DumpSHA256)
			}
			row("downloaded", check)
		}
		row("migration version", migration(m.Migration, r.Restored))
		row("**RPO** (age of the restored data)", fmt.Sprintf("**%s**", age(r.RPO)))
	}
	if r.RTO > 0 {
		row("**RTO** (download + restore + verify)", fmt.Sprintf("**%s**", seconds(r.RTO)))
	}
	for _, p := range []struct {
		name string
		d    time.Duration
	}{{"download", r.Download}, {"restore (pg_restore)", r.Restore}, {"verify", r.Verify}, {"scratch server start (not in RTO)", r.ScratchStart}} {
		if p.d > 0 {
			row(p.name, seconds(p.d))
		}
	}
	if r.ScratchVersion != "" || r.PgRestore != "" {
		row("restored with", fmt.Sprintf("%s into a scratch PostgreSQL %s", r.PgRestore, r.ScratchVersion))
	}

	if m != nil && len(m.Tables) > 0 {
		fmt.Fprintf(&b, "\n%s# Tables\n\n", h)
		fmt.Fprintf(&b, "| table | rows at backup | rows restored | sample: first %d rows by primary key |\n|---|---:|---:|---|\n", m.SampleRows)
		restored := map[string]Table{}
		if r.Restored != nil {
			for _, t := range r.Restored.Tables {
				restored[t.String()] = t
			}
		}
		for _, t := range m.Tables {
			got, ok := restored[t.String()]
			rows, sample := "—", "not restored"
			if ok {
				rows = fmt.Sprint(got.Rows)
				sample = "md5 `" + short(got.SampleMD5) + "` matches"
				if got.SampleMD5 != t.SampleMD5 {
					sample = fmt.Sprintf("**md5 `%s`, the backup's `%s`**", short(got.SampleMD5), short(t.SampleMD5))
				}
				if got.Rows != t.Rows {
					rows = "**" + rows + "**"
				}
			}
			if len(t.Key) == 0 {
				sample = "no primary key: counted only"
			}
			fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", t, t.Rows, rows, sample)
		}
	}
	if len(r.Differences) > 0 {
		fmt.Fprintf(&b, "\n%s# Differences\n\n", h)
		for _, d := range r.Differences {
			fmt.Fprintf(&b, "- %s\n", d)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(&b, "\n%s# Notes\n\n", h)
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func migration(backup *Migration, restored *Inventory) string {
	if backup == nil {
		return "none recorded (no known migrations table)"
	}
	s := fmt.Sprintf("%s (`%s`)", backup.Version, backup.Table)
	if restored == nil {
		return s
	}
	if r := restored.Migration; r != nil && *r == *backup {
		return s + ", restored the same"
	}
	return s + ", **restored otherwise**"
}

// age is a duration to the second, or to the tenth under a minute.
func age(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB (%d bytes)", float64(n)/(1<<30), n)
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}
