package workflows

import "gopkg.in/yaml.v3"

// safety scans what the repository depends on and holds: known
// vulnerabilities in Go code, new vulnerable dependencies in a pull
// request, misconfigurations and vulnerabilities (Trivy, reported to code
// scanning), leaked secrets, and an SBOM attached to each published release.
// It scans every branch that deploys somewhere, not only the default one.
// Only the job that uploads SARIF may write security events, and only the
// SBOM job may write to the release.
func (g *gen) safety() {
	pushBranches, origins := g.pushBranches()
	jobs := mapping(
		"govulncheck", g.govulncheckJob(),
		"dependency-review", mapping(
			"name", "Dependency review",
			"if", "github.event_name == 'pull_request'",
			"runs-on", runner,
			"timeout-minutes", 10,
			"steps", seq(
				g.step("Review new dependencies", "actions/dependency-review-action", mapping("fail-on-severity", "high")),
			),
		),
		"trivy", g.trivyJob(),
		"gitleaks", g.gitleaksJob(),
		"sbom", g.sbomJob(),
	)
	on := mapping(
		"pull_request", emptyMapping(),
		"push", mapping("branches", flow(pushBranches...)),
		"schedule", seq(mapping("cron", quoted("41 4 * * 1"))),
		"release", mapping("types", flow("published")),
	)
	g.add(SafetyPath, workflow("Safety", on,
		concurrency("safety-${{ github.ref }}", "${{ github.event_name == 'pull_request' }}"),
		jobs), origins)
}

// govulncheckJob checks every Go module of the repository (GoModules) for
// known vulnerabilities in the code it calls, one matrix leg per module so
// that a finding names its module.
func (g *gen) govulncheckJob() *yaml.Node {
	modules := flow(GoModules...)
	for _, n := range modules.Content {
		n.Style = yaml.DoubleQuotedStyle
	}
	return mapping(
		"name", "Go vulnerabilities (${{ matrix.module }})",
		"runs-on", runner,
		"timeout-minutes", 15,
		"strategy", mapping(
			"fail-fast", false,
			"matrix", mapping("module", modules),
		),
		"steps", seq(
			g.checkout(false),
			g.setupGo(true),
			run("govulncheck", "go run "+govulncheck+" ./...\n",
				"working-directory", "${{ matrix.module }}"),
		),
	)
}

// trivyJob scans the files and the configuration and uploads both to code
// scanning.
func (g *gen) trivyJob() *yaml.Node {
	return mapping(
		"name", "Trivy",
		"runs-on", runner,
		"permissions", mapping("contents", "read", "actions", "read", "security-events", "write"),
		"timeout-minutes", 15,
		"steps", seq(
			g.checkout(false),
			g.step("Scan the files", "aquasecurity/trivy-action", mapping(
				"scan-type", "fs",
				"scan-ref", ".",
				"format", "sarif",
				"output", "trivy-fs.sarif",
			)),
			g.step("Scan the configuration", "aquasecurity/trivy-action", mapping(
				"scan-type", "config",
				"scan-ref", ".",
				"format", "sarif",
				"output", "trivy-config.sarif",
			)),
			g.step("Upload the file scan", "github/codeql-action/upload-sarif", mapping(
				"sarif_file", "trivy-fs.sarif",
				"category", "trivy-fs",
			)),
			g.step("Upload the configuration scan", "github/codeql-action/upload-sarif", mapping(
				"sarif_file", "trivy-config.sarif",
				"category", "trivy-config",
			)),
		),
	)
}

// gitleaksJob scans the whole history for secrets.
func (g *gen) gitleaksJob() *yaml.Node {
	return mapping(
		"name", "Secrets",
		"runs-on", runner,
		"permissions", mapping("contents", "read", "pull-requests", "read"),
		"timeout-minutes", 15,
		"steps", seq(
			g.checkout(false, "fetch-depth", 0),
			mapping(
				"name", "Scan for secrets",
				"uses", g.uses("gitleaks/gitleaks-action"),
				"env", mapping(
					"GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}",
					"GITLEAKS_LICENSE", "${{ secrets.GITLEAKS_LICENSE }}",
					"GITLEAKS_ENABLE_COMMENTS", "false",
				),
			),
		),
	)
}

// sbomJob attaches an SBOM to each published release.
func (g *gen) sbomJob() *yaml.Node {
	return mapping(
		"name", "SBOM",
		"if", "github.event_name == 'release'",
		"runs-on", runner,
		"permissions", mapping("contents", "write"),
		"timeout-minutes", 15,
		"steps", seq(
			g.checkout(false),
			g.step("Attach an SBOM to the release", "anchore/sbom-action", mapping(
				"path", ".",
				"format", "spdx-json",
				"upload-release-assets", true,
			)),
		),
	)
}
