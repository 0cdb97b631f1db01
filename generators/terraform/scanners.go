package terraform

import (
	"fmt"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// scannerChoices are the comments above a database module call that tell
// Trivy (tests/trivy, and anyone who scans the root) which of its findings
// the environment's spec chose, and why. The ignores are Trivy's inline
// ones, each bound to the value that makes the finding, so that the module
// call with another value is reported again; they follow the reasons, one
// line after another, since Trivy chains an ignore only to the line below.
//
// Only an environment that is not production may choose: a production
// environment without deletion protection, or with one day of
// point-in-time recovery, is reported, and its spec is what to fix.
func scannerChoices(e *spec.Environment) []string {
	if e.Production {
		return nil
	}
	var why, ignores []string
	if !e.Database.DeletionProtection {
		why = append(why, "# Deletion protection off: a "+e.Name+" database is torn down with its",
			"# environment (database.deletionProtection).")
		ignores = append(ignores, "#trivy:ignore:AWS-0177[deletion_protection=false]")
	}
	if n := e.Database.BackupRetentionDays; n < 2 {
		why = append(why, fmt.Sprintf("# Point-in-time recovery for %d day (database.backupRetentionDays): the", n),
			"# AWS Backup plan and the logical backups keep their own copies.")
		ignores = append(ignores, fmt.Sprintf("#trivy:ignore:AWS-0077[backup_retention_period=%d]", n))
	}
	return append(why, ignores...)
}
