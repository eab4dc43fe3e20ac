# Aurigraph V12. `make run` starts the whole pipeline; `make test` runs every test.
GO        ?= go
BIN       := bin/aurigraph
ARGS      ?=
GOTESTFLAGS ?= -race -count=1 -timeout 15m

.PHONY: setup idp build release check-deploy portal portal-screenshots portal-perf run test test-go test-portal test-kafka test-kafka-compat test-ops test-clients bench generate check-generate vet lint clean

## setup: fetch the embedded ClickHouse engine into the user cache (once per machine)
setup:
	@bash deploy/engine/fetch.sh

## idp: build Ory Hydra and fetch Keycloak into the user cache, for the access tests against real OpenID providers (skipped without them)
idp:
	@bash deploy/idp/hydra.sh
	@bash deploy/idp/keycloak.sh

## build: build the web portal, then compile bin/aurigraph with it embedded
build: portal
	$(GO) build -o $(BIN) ./cmd/aurigraph

# Release builds: no cgo (no C toolchain; the engine is loaded with purego),
# paths trimmed, symbols stripped, and the version, commit and build date
# stamped. deploy/docker/Dockerfile builds with the same flags, which
# make check-deploy compares. BUILD_DATE follows SOURCE_DATE_EPOCH when set.
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date +%s)} +%Y-%m-%dT%H:%M:%SZ)
RELEASE_LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(BUILD_DATE)
RELEASE_ARCHES  ?= amd64 arm64
HOST_ARCH       := $(shell $(GO) env GOARCH)

## release: the portal, then bin/aurigraph for linux/amd64 and linux/arm64 in dist/, with dist/SHA256SUMS
release: $(RELEASE_ARCHES:%=dist/aurigraph-linux-%)
	cd dist && sha256sum $(RELEASE_ARCHES:%=aurigraph-linux-%) > SHA256SUMS
	cat dist/SHA256SUMS

# go build decides itself whether anything changed.
dist/aurigraph-linux-%: portal FORCE
	@mkdir -p dist
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -buildvcs=auto -ldflags '$(RELEASE_LDFLAGS)' -o $@ ./cmd/aurigraph

FORCE:

## check-deploy: check deploy/ (Dockerfile, compose, Kubernetes, systemd) against their tools' schemas and the release binary's flags, and run the compose cluster's commands here (deploy/check.sh)
check-deploy: dist/aurigraph-linux-$(HOST_ARCH)
	bash deploy/check.sh dist/aurigraph-linux-$(HOST_ARCH)

# The portal is rebuilt only when its sources or lockfile changed, and its
# packages reinstalled only when the lockfile did.
PORTAL_OUT := internal/portal/dist/app/index.html
PORTAL_SRC := $(shell find portal/src portal/public portal/scripts -type f 2>/dev/null) \
	portal/index.html portal/vite.config.ts portal/tsconfig.json portal/package.json

## portal: build the web portal alone (portal/ → internal/portal/dist/app), which go build embeds
portal: $(PORTAL_OUT)

portal/node_modules/.package-lock.json: portal/package-lock.json
	cd portal && npm ci --no-audit --no-fund

$(PORTAL_OUT): portal/node_modules/.package-lock.json $(PORTAL_SRC)
	cd portal && npm run build

## run: fetch what is needed, then run the whole pipeline in one process (ARGS="--validators 5" etc.)
run: setup build
	./$(BIN) dev $(ARGS)

## test: vet and run every test: Go with the race detector, then the portal's unit and browser tests
test: test-go test-portal

# test/ops runs under test-ops, with the tools it needs.
test-go: setup vet
	$(GO) test $(GOTESTFLAGS) $$($(GO) list ./... | grep -v '/test/ops$$')

## test-kafka: the pipeline on Apache Kafka 4.3.1 (KRaft, assembled from Maven Central into the user cache by deploy/kafka/fetch.sh): dev --external-kafka with SASL_SSL and the policy table's ACLs, dev on a cluster with no topics (100K transactions), and three node processes under 100K transactions with two leader SIGKILLs, each checked exactly once
test-kafka: setup
	AURIGRAPH_KAFKA_HOME="$$(bash deploy/kafka/fetch.sh)" AURIGRAPH_REQUIRE_KAFKA=1 $(GO) test $(GOTESTFLAGS) -run '^TestRealKafka' ./cmd/aurigraph ./test/fault

## test-kafka-compat: the Java clients of Apache Kafka 4.3.1 (AdminClient, idempotent and transactional producers, consumer groups of both protocols) against a fresh aurigraph broker and a fresh Apache Kafka, their normalised answers compared (Maven packages in ~/.m2)
test-kafka-compat:
	test/kafka_conformance.sh

## test-ops: Debian's promtool and amtool check deploy/prometheus and run the rules' unit tests; then the metric-coverage check and the alert path end to end on the real prometheus and prometheus-alertmanager (test/ops)
PROMETHEUS_DIR := deploy/prometheus
test-ops: setup
	promtool check config $(PROMETHEUS_DIR)/prometheus.yml
	promtool check rules $(PROMETHEUS_DIR)/rules/*.yml
	cd $(PROMETHEUS_DIR) && promtool test rules tests/*.yml
	amtool check-config $(PROMETHEUS_DIR)/alertmanager.yml
	cd $(PROMETHEUS_DIR)/promrefs && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(GO) test $(GOTESTFLAGS) ./test/ops

## portal-screenshots: run the browser flows and keep their screenshots in portal/screenshots (the README shows them)
portal-screenshots: build
	cd portal && AURIGRAPH_SCREENSHOTS=$(CURDIR)/portal/screenshots npm run test:e2e

## portal-perf: the portal's measurements (JavaScript size, first load, Lighthouse, frames while aurigraph bench runs); results in portal/test-results/perf.json
portal-perf: build
	cd portal/perf && npm ci --no-audit --no-fund
	cd portal && npm run perf

## test-portal: the portal's unit tests, then its browser flows in headless Chromium against a real aurigraph dev
test-portal: build
	cd portal && npm test
	cd portal && npm run test:e2e

## bench: the quick benchmark profile, compared with the committed baseline (BENCH_ARGS="--profile standard" etc.)
BENCH_ARGS ?= --profile quick
bench: setup build
	./$(BIN) bench $(BENCH_ARGS) --json bench.json --compare deploy/bench/baseline-quick.json

vet:
	$(GO) vet ./...

## generate: regenerate the protobuf code: Go with the tools pinned in go.mod, and the Python, JavaScript and Java clients with theirs
generate:
	cd schemas && $(GO) tool buf generate
	schemas/clients/python/generate.sh
	schemas/clients/js/generate.sh
	schemas/clients/java/generate.sh

## check-generate: fail if committed generated code differs from a fresh generation
check-generate: generate
	git diff --exit-code -- schemas/gen schemas/clients
	test -z "$$(git status --porcelain -- schemas/gen schemas/clients)"

## test-clients: grpcurl and the four client smoke tests against a fresh aurigraph dev
test-clients: setup build
	test/grpc_clients.sh

clean:
	rm -rf bin dist internal/portal/dist/app

## lint: protobuf lint, formatting, go vet and staticcheck (pinned in go.mod as a tool)
lint: vet
	cd schemas && $(GO) tool buf lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w on the files above"; exit 1; }
	$(GO) tool staticcheck ./...
