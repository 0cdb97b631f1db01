# Groundwork: `make generate` turns specs/ into every generated file;
# `make test` proves them with the real tools of each ecosystem.

GO       ?= go
BIN      := bin/groundwork
SOURCES  := $(shell find cmd generators tools internal -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
FUZZTIME ?= 10s

# Terraform providers come from the registry, or offline from an unpacked
# filesystem mirror (the folder holding registry.terraform.io/): the one
# GROUNDWORK_TF_PROVIDER_MIRROR names, else a tf-plugins folder found by
# itself. The search runs only for the targets that run Terraform (test,
# e2e, golden), at most once a make run: other targets never scan /.
tf_mirror_given := $(GROUNDWORK_TF_PROVIDER_MIRROR)
tf_mirror_found = $(eval tf_mirror_found := $$(shell find / -maxdepth 4 -type d -name tf-plugins 2>/dev/null | head -n 1))$(tf_mirror_found)
test e2e golden ci-local: export GROUNDWORK_TF_PROVIDER_MIRROR = $(or $(tf_mirror_given),$(tf_mirror_found))

.PHONY: build generate verify diff proof test e2e drill lint bench fuzz golden clean tools ci-local

build: $(BIN)

# Rebuilt only when a Go source of the command changes.
$(BIN): $(SOURCES)
	$(GO) build -o $@ ./cmd/groundwork

generate: $(BIN)
	$(BIN) generate

verify: $(BIN)
	$(BIN) verify

diff: $(BIN)
	$(BIN) diff

# The proof of the alerts, which is not committed: the promtool tests of
# every alert and the rule groups they load, written into bin/proof and run
# there (make test runs the same tests in generators/alerts).
proof: $(BIN) $(PINNED)
	rm -rf bin/proof
	$(BIN) proof bin/proof
	bin/tools/promtool test rules bin/proof/alerts/*/*.test.yaml

# The validators the tests run, at the versions pinned in tools/pinned/go.mod
# (promtool of Prometheus 3, amtool of Alertmanager 0.35), built into
# bin/tools. The first build takes several minutes; later ones are cached.
# kube-score has a module of its own (tools/kubescore): its Kubernetes
# libraries are too old to share one with Prometheus's. So has Trivy
# (tools/trivy), whose dependencies are many and its own; it builds only
# with GOEXPERIMENT=jsonv2.
PINNED := bin/tools/promtool bin/tools/amtool
TOOLS  := $(PINNED) bin/tools/kube-score bin/tools/trivy

# The npm validators (flagd's evaluator, TypeScript and k6's types), at the
# versions pinned in tools/npm/package-lock.json, installed with npm ci.
NPM_TOOLS := tools/npm/node_modules/.installed

tools: $(TOOLS) $(NPM_TOOLS)

$(NPM_TOOLS): tools/npm/package.json tools/npm/package-lock.json
	@echo "installing the npm validators (tools/npm)"
	npm ci --prefix tools/npm --ignore-scripts --no-audit --no-fund
	touch $@

$(PINNED) &: tools/pinned/go.mod tools/pinned/go.sum
	@echo "building promtool and amtool (tools/pinned; several minutes the first time)"
	cd tools/pinned && $(GO) build -o ../../bin/tools/ tool

bin/tools/kube-score: tools/kubescore/go.mod tools/kubescore/go.sum
	@echo "building kube-score (tools/kubescore)"
	cd tools/kubescore && $(GO) build -o ../../bin/tools/ tool

bin/tools/trivy: tools/trivy/go.mod tools/trivy/go.sum
	@echo "building trivy (tools/trivy; the longest: over 10 minutes on 2 cores the first time)"
	cd tools/trivy && GOEXPERIMENT=jsonv2 $(GO) build -o ../../bin/tools/ tool

# Every test, the real validators included, then a short fuzz of the spec
# loader (YAML and Jsonnet) and of the lock reader: both read input a pull
# request controls.
# backend/ is its own module (services build from it alone); its tests start
# a real PostgreSQL.
test: $(TOOLS) $(NPM_TOOLS)
	$(GO) test -timeout 30m ./...
	cd backend && $(GO) test ./...
	$(GO) test ./internal/spec -run '^$$' -fuzz FuzzLoadService -fuzztime $(FUZZTIME)
	$(GO) test ./internal/spec -run '^$$' -fuzz FuzzLoadJsonnet -fuzztime $(FUZZTIME)
	$(GO) test ./internal/engine -run '^$$' -fuzz FuzzParseLock -fuzztime $(FUZZTIME)

# Every step of the generated ci.yml as written, make test included, in a
# fresh copy with only the README's prerequisites (tests/ci; make test runs
# the same jobs with its go test narrowed to the tools check).
ci-local:
	$(GO) test ./tests/ci -run 'TestGeneratedCI|TestGeneratedDiffComment' -count=1 -v -timeout 120m -args -full

# Applies the dev root against moto_server on 127.0.0.1, plans the others,
# runs the guardrails on every plan, and destroys dev again.
#
# Then runs the reference service and Debian's Prometheus on 127.0.0.1 with
# the generated rules and checks the SLIs they record and the dashboards'
# queries (tests/observability).
#
# Then the restore drill: the reference api on PostgreSQL, written to through
# its API, backed up by pgops to moto_server, restored into a fresh
# PostgreSQL and verified; a corrupt and a truncated dump must fail it.
e2e:
	$(GO) test -tags e2e ./tests/e2e -count=1 -timeout 15m -v -run 'TestEnvironmentsAgainstMoto|TestPartnerKeysAgainstMoto'
	$(GO) test -tags e2e ./tests/observability -count=1 -timeout 10m -v
	cd backend && $(GO) test -tags drill ./internal/drilltest -run TestDrill -count=1 -v -timeout 20m
	cd backend && $(GO) test -tags moto ./cmd/pgops -run TestGrant -count=1

# The restore drill of make e2e, recording its report in reports/ (commit it).
drill:
	cd backend && $(GO) test -tags drill ./internal/drilltest -run TestDrill -count=1 -v -timeout 20m -report=reports/restore-drill-$$(date +%Y%m%d).md

lint:
	@out=$$(gofmt -l cmd generators tools tests internal backend 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./tests/e2e ./tests/observability
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags e2e ./tests/e2e ./tests/observability
	cd backend && $(GO) vet ./... && $(GO) vet -tags drill ./... && $(GO) vet -tags moto ./...

# Measures groundwork on a synthetic organisation of 1000 services × 4
# environments (tools/benchorg): the first generate, a no-op generate, one
# service's spec edited then generate, verify on a fresh copy, and Sloth on
# the same SLOs in the same run, each with wall, CPU and peak memory, as a
# Markdown table; then the Go benchmarks. Sloth is built for this target
# only; when it does not build, its row says why and the rest still runs.
bench: $(BIN)
	@mkdir -p bin/tools
	@echo "building Sloth (tools/sloth) for the comparison; output in bin/tools/sloth.log"
	@$(MAKE) --no-print-directory bin/tools/sloth > bin/tools/sloth.log 2>&1 || echo "Sloth did not build (bin/tools/sloth.log); its row is skipped"
	$(GO) run ./tools/benchorg -bin $(BIN) -sloth bin/tools/sloth -sloth-log bin/tools/sloth.log
	$(GO) test ./generators/... ./internal/... -run '^$$' -bench . -benchtime 3x

# Sloth, the reference make bench compares with, at the version pinned in
# tools/sloth/go.mod. Nothing else needs it.
bin/tools/sloth: tools/sloth/go.mod tools/sloth/go.sum
	cd tools/sloth && $(GO) build -o ../../bin/tools/ tool

# Packages with golden cases (testdata/cases) or an expected-error corpus
# take -update.
GOLDEN_PKGS := $(sort $(dir $(shell grep -rl --include='*_test.go' -e 'golden.Cases' -e '"update"' generators internal)))

# After an intended change to a generator: rewrite the expected files, then
# review them in git diff.
golden:
	$(GO) test $(addprefix ./,$(GOLDEN_PKGS)) -update

fuzz:
	$(GO) test ./internal/spec -run '^$$' -fuzz FuzzLoadService -fuzztime 5m
	$(GO) test ./internal/spec -run '^$$' -fuzz FuzzLoadJsonnet -fuzztime 5m
	$(GO) test ./internal/engine -run '^$$' -fuzz FuzzParseLock -fuzztime 5m

clean:
	rm -rf bin
