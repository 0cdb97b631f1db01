package workflows

import (
	"maps"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The embedded table is well formed and holds every action the generator
// uses; an action missing from it fails generation, naming the action.
func TestActionsTable(t *testing.T) {
	table, err := parseActions(actionsTSV)
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generate(m, table); err != nil {
		t.Fatal(err)
	}
	without := maps.Clone(table)
	delete(without, "actions/checkout")
	delete(without, "github/codeql-action")
	_, err = generate(m, without)
	if err == nil {
		t.Fatal("generation succeeded without actions/checkout in the table")
	}
	for _, want := range []string{"action actions/checkout is not in actions.tsv", "action github/codeql-action/upload-sarif is not in actions.tsv"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "actions/checkout is not"); n != 1 {
		t.Errorf("the missing action is reported %d times, want once:\n%v", n, err)
	}
}

func TestParseActionsRejects(t *testing.T) {
	for name, tsv := range map[string]string{
		"no header":   "# only a comment\n",
		"short sha":   "action\ttag\tcommit_sha\nactions/checkout\tv1.0.0\tabc123\n",
		"bad tag":     "action\ttag\tcommit_sha\nactions/checkout\tlatest\t3d3c42e5aac5ba805825da76410c181273ba90b1\n",
		"twice":       "action\ttag\tcommit_sha\na/b\tv1\t3d3c42e5aac5ba805825da76410c181273ba90b1\na/b\tv2\t3d3c42e5aac5ba805825da76410c181273ba90b1\n",
		"not a repo":  "action\ttag\tcommit_sha\ncheckout\tv1\t3d3c42e5aac5ba805825da76410c181273ba90b1\n",
		"few columns": "action\ttag\tcommit_sha\na/b\tv1\n",
	} {
		if _, err := parseActions(tsv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A promotion needs an environment to promote from.
func TestReleaseWithoutMergeEnvironment(t *testing.T) {
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	var envs []*spec.Environment
	for _, e := range m.Environments {
		if e.Delivery.Trigger != spec.TriggerMerge {
			envs = append(envs, e)
		}
	}
	m.Environments = envs
	table, _ := parseActions(actionsTSV)
	if _, err := generate(m, table); err == nil || !strings.Contains(err.Error(), "there is none") {
		t.Fatalf("got %v, want an error naming the missing source environment", err)
	}
}
