# Aurigraph V12. `make run` starts the whole pipeline; `make test` runs every test.
GO        ?= go
BIN       := bin/aurigraph
ARGS      ?=
GOTESTFLAGS ?= -race -count=1 -timeout 15m

.PHONY: setup idp build run test test-clients bench generate check-generate vet lint clean

## setup: fetch the embedded ClickHouse engine into the user cache (once per machine)
setup:
	@bash deploy/engine/fetch.sh

## idp: build Ory Hydra and fetch Keycloak into the user cache, for the access tests against real OpenID providers (skipped without them)
idp:
	@bash deploy/idp/hydra.sh
	@bash deploy/idp/keycloak.sh

## build: compile bin/aurigraph
build:
	$(GO) build -o $(BIN) ./cmd/aurigraph

## run: fetch what is needed, then run the whole pipeline in one process (ARGS="--validators 5" etc.)
run: setup build
	./$(BIN) dev $(ARGS)

## test: vet and run every test with the race detector
test: setup vet
	$(GO) test $(GOTESTFLAGS) ./...

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
	rm -rf bin

## lint: protobuf lint and formatting
lint:
	cd schemas && $(GO) tool buf lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w on the files above"; exit 1; }
