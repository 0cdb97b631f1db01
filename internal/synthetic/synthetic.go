// Package synthetic writes organisations of any size for benchmarks: N
// services × 4 environments, each service using most of the spec.
package synthetic

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Specs is how many spec files an organisation of n services has.
func Specs(n int) int { return n + 1 + len(environments) }

const platform = `name: bench
repository: bench/platform
registry: ghcr.io/bench
cloud: {region: eu-west-1, stateBucket: bench-terraform-state}
teams:
  platform: {github: "@bench/platform", slack: "#platform", pagerduty: platform}
  team-a: {github: "@bench/team-a", slack: "#team-a", pagerduty: team-a}
  team-b: {github: "@bench/team-b", slack: "#team-b", pagerduty: team-b}
`

var environments = map[string]string{
	"dev":     "account: \"111111111111\"\nnetwork: {cidr: 10.10.0.0/16}\ndelivery: {trigger: merge, branch: develop}\n",
	"staging": "account: \"222222222222\"\nnetwork: {cidr: 10.20.0.0/16}\ndelivery: {trigger: merge, branch: develop}\nreplicas: 2\n",
	"prod":    "account: \"333333333333\"\nnetwork: {cidr: 10.30.0.0/16, zones: 3, natGateways: perZone}\ndelivery: {trigger: tag, approvals: 1, reviewers: [platform]}\nalerting: {page: true}\ndatabase: {multiAZ: true, deletionProtection: true, backupRetentionDays: 35}\nreplicas: 3\n",
	"sandbox": "account: \"444444444444\"\nnetwork: {cidr: 10.40.0.0/16}\ndelivery: {trigger: manual}\n",
}

const service = `name: %[1]s
team: %[2]s
port: 8080
replicas: {prod: 4}
resources: {cpu: 250m, memory: 256Mi}
slos:
  - {name: availability, objective: 99.9, sli: availability}
  - {name: latency, objective: 99, sli: latency, threshold: 300ms}
  - name: jobs
    objective: 99.5
    window: 28d
    sli:
      errors: sum(rate(jobs_failed_total{service="%[1]s"}[{{.window}}]))
      total: sum(rate(jobs_total{service="%[1]s"}[{{.window}}]))
database: {storageGB: 20, backup: {schedule: "0 3 * * *", maxAge: 26h}}
buckets: [{name: files, versioning: true, expireDays: 365}]
secrets: [api-key, signing-key]
flags: [{name: new-flow, enabledIn: [dev, staging]}]
loadtest: {rate: 20, requests: [{path: /v1/items}, {method: POST, path: /v1/items, body: '{}'}]}
alerts:
  - {name: QueueBacklog, expr: 'queue_depth{service="%[1]s"} > 1000', for: 10m, summary: The queue is backing up.}
`

// Write writes an organisation of n services and 4 environments under dir.
func Write(dir string, n int) error {
	files := map[string]string{"specs/platform.yaml": platform}
	for name, body := range environments {
		files["specs/environments/"+name+".yaml"] = "name: " + name + "\n" + body
	}
	for i := range n {
		name := fmt.Sprintf("svc-%04d", i)
		team := []string{"team-a", "team-b"}[i%2]
		files["specs/services/"+name+".yaml"] = fmt.Sprintf(service, name, team)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Load writes an organisation of n services into a temporary folder of tb
// and loads it: the model the benchmarks at a thousand services start from.
func Load(tb testing.TB, n int) *spec.Model {
	tb.Helper()
	dir := tb.TempDir()
	if err := Write(dir, n); err != nil {
		tb.Fatal(err)
	}
	m, err := spec.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
