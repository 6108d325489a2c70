# The commands a developer and CI use. `make help` lists them.
GO ?= go
# The Go that builds and tests (see .ci/run): the machine's go1.26.8 has
# known vulnerabilities in its standard library.
export GOTOOLCHAIN ?= go1.27.3

.PHONY: help build run test lint race vulncheck bench bench-smoke microbench
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build ./bin/patchbay
	$(GO) build -o bin/patchbay ./cmd/patchbay

run: ## run the server on the embedded database in ./patchbay-data
	$(GO) run ./cmd/patchbay serve

test: ## run every test (the README's test command)
	$(GO) test ./...

lint: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

# The packages that run goroutines of their own (the writer, the runner,
# the scheduler, the catalog, OAuth2 refresh, connection budgets, the token
# cache), and the end-to-end tests that drive them at once: intake, retries,
# polls and ticks, shutdown, two processes on one database.
RACE_PACKAGES = ./internal/store/sqlite ./internal/job ./internal/trigger/scheduler ./internal/catalog \
	./internal/oauth ./internal/connection ./internal/api ./internal/apitoken
RACE_E2E = TestWebhook|TestRetries|TestShutdown|TestBusyConnection|TestConnectionBudgetConcurrency|TestTriggersFireOnce|TestPolling|TestSchedule|TestOAuth2ClientCredentials|TestStartedRecipeAcceptsItsNextWebhook|TestIfMatch

race: ## the concurrent packages' tests and the concurrent end-to-end tests under the race detector
	$(GO) test -race -count=1 $(RACE_PACKAGES)
	$(GO) test -race -count=1 -run '$(RACE_E2E)' ./internal/e2e

vulncheck: ## govulncheck ./... against the vulnerability database from the Go module proxy
	bash .ci/vulncheck

bench: ## the load benchmark of BENCHMARKS.md (several minutes; prints the table)
	$(GO) run ./cmd/patchbay-bench -markdown

bench-smoke: ## the load benchmark in its seconds-long smoke mode (what CI runs)
	$(GO) run ./cmd/patchbay-bench -smoke

microbench: ## go test benchmarks of the hot functions, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
