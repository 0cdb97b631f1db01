package main

import (
	"context"
	"fmt"
	"io"

	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
)

// backup prints one line describing the backup it wrote.
func backup(ctx context.Context, cfg pgops.Config, stdout, stderr io.Writer) int {
	m, err := pgops.Backup(ctx, cfg)
	if m != nil {
		var rows int64
		for _, t := range m.Tables {
			rows += t.Rows
		}
		version := "none"
		if m.Migration != nil {
			version = m.Migration.Version
		}
		fmt.Fprintf(stdout, "backup s3://%s/%s: database %s as of %s, %d tables, %d rows, migration version %s, %d bytes, sha256 %s\n",
			cfg.Bucket, m.Dump.Key, m.Database, m.Time.Format("2006-01-02T15:04:05Z"), len(m.Tables), rows, version, m.Dump.Size, m.Dump.SHA256)
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
