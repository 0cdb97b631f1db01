package terraform

import (
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// An environment's spec choices become Trivy's inline ignores, bound to the
// value, after their reasons; production chooses none.
func TestScannerChoices(t *testing.T) {
	t.Parallel()
	env := func(production, protected bool, retention int) *spec.Environment {
		e := &spec.Environment{Name: "qa", Production: production}
		e.Database.DeletionProtection = protected
		e.Database.BackupRetentionDays = retention
		return e
	}
	tests := []struct {
		name    string
		env     *spec.Environment
		ignores []string
	}{
		{"production chooses nothing", env(true, false, 1), nil},
		{"protected, a week of recovery", env(false, true, 7), nil},
		{"unprotected", env(false, false, 7), []string{"#trivy:ignore:AWS-0177[deletion_protection=false]"}},
		{"unprotected, one day", env(false, false, 1), []string{"#trivy:ignore:AWS-0177[deletion_protection=false]", "#trivy:ignore:AWS-0077[backup_retention_period=1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := scannerChoices(tt.env)
			i := slices.IndexFunc(got, func(l string) bool { return strings.HasPrefix(l, "#trivy:") })
			if i < 0 {
				i = len(got)
			}
			if ignores := got[i:]; !slices.Equal(ignores, tt.ignores) {
				t.Errorf("ignores %q, want %q", ignores, tt.ignores)
			}
			for _, l := range got[:i] {
				if !strings.HasPrefix(l, "# ") {
					t.Errorf("%q: a reason must be a comment line before the ignores, which Trivy chains only line by line", l)
				}
			}
			if len(tt.ignores) > 0 && i == 0 {
				t.Error("ignores without a reason")
			}
		})
	}
}
