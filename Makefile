# The commands a developer and CI use. `make help` lists them.
GO ?= go

.PHONY: help build run test lint bench bench-smoke microbench
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

bench: ## the load benchmark of BENCHMARKS.md (several minutes; prints the table)
	$(GO) run ./cmd/patchbay-bench -markdown

bench-smoke: ## the load benchmark in its seconds-long smoke mode (what CI runs)
	$(GO) run ./cmd/patchbay-bench -smoke

microbench: ## go test benchmarks of the hot functions, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
