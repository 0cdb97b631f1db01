# Groundwork: `make generate` turns specs/ into every generated file;
# `make test` proves them with the real tools of each ecosystem.

GO       ?= go
BIN      := bin/groundwork
SOURCES  := $(shell find generators tools internal -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
FUZZTIME ?= 10s

# Terraform providers come from the registry, or offline from an unpacked
# filesystem mirror (the folder holding registry.terraform.io/) when one is
# found or named here.
GROUNDWORK_TF_PROVIDER_MIRROR ?= $(shell find / -maxdepth 4 -type d -name tf-plugins 2>/dev/null | head -n 1)
export GROUNDWORK_TF_PROVIDER_MIRROR

.PHONY: build generate verify diff test e2e lint bench fuzz golden clean

build: $(BIN)

# Rebuilt only when a Go source of the command changes.
$(BIN): $(SOURCES)
	$(GO) build -o $@ ./tools/groundwork

generate: $(BIN)
	$(BIN) generate

verify: $(BIN)
	$(BIN) verify

diff: $(BIN)
	$(BIN) diff

# Every test, the real validators included, then a short fuzz of the loader.
# backend/ is its own module (services build from it alone); its tests start
# a real PostgreSQL.
test:
	$(GO) test ./...
	cd backend && $(GO) test ./...
	$(GO) test ./generators/spec -run '^$$' -fuzz FuzzLoadService -fuzztime $(FUZZTIME)

# Applies the dev root against moto_server on 127.0.0.1, plans the others,
# runs the guardrails on every plan, and destroys dev again.
e2e:
	$(GO) test -tags e2e ./tests/e2e -count=1 -timeout 15m -v -run TestEnvironmentsAgainstMoto

lint:
	@out=$$(gofmt -l generators tools tests internal backend 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./tests/e2e
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags e2e ./tests/e2e
	cd backend && $(GO) vet ./...

# Times generate on synthetic organisations of growing size (see tools/benchorg).
bench: $(BIN)
	$(GO) run ./tools/benchorg -bin $(BIN)
	$(GO) test ./generators/... -run '^$$' -bench . -benchtime 3x

# Packages with golden files or an expected-error corpus take -update.
GOLDEN_PKGS := $(sort $(dir $(shell grep -rl --include='*_test.go' -e 'golden.Check' -e '"update"' generators)))

# After an intended change to a generator: rewrite the expected files, then
# review them in git diff.
golden:
	$(GO) test $(addprefix ./,$(GOLDEN_PKGS)) -update

fuzz:
	$(GO) test ./generators/spec -run '^$$' -fuzz FuzzLoadService -fuzztime 5m

clean:
	rm -rf bin
