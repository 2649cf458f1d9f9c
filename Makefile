# Everything a fresh machine needs is installed by these targets; nothing is assumed.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export MRC_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/multiregion-controller
# Node 24 first on PATH for every target (installed into the cache when the machine's is older).
NODE_BIN := $(shell bash test/env/ensure-node.sh)
export PATH := $(NODE_BIN):$(PATH)

.PHONY: help deps node-deps moto k8s tools build release typecheck lint format crds test test-unit test-integration test-reliability test-suites local local-helm bench drill clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: node_modules/.package-lock.json ## npm packages

moto: ## the pinned moto server (pip)
	@bash test/env/ensure-moto.sh >/dev/null

k8s: ## kube-apiserver + etcd built from Go modules into the cache (10-20 min the first time)
	@bash test/env/build-k8s.sh >/dev/null

tools: ## helm and an OCI registry (built from Go modules); lua5.4, promtool (packaging and release checks) and libjemalloc2 (the image's allocator) from Debian
	@bash test/env/install-tools.sh
	@bash test/env/build-helm.sh >/dev/null
	@bash test/env/build-registry.sh >/dev/null

deps: node-deps moto k8s tools ## everything the tests and the local stack need

build: node-deps ## compile src/ to dist/ (what the image ships)
	npm run build

# Release artifacts (docs/release.md), all in $(RELEASE_DIR):
#   npm/multiregion-controller-$(VERSION).tgz    the CLI: `npm install -g` it for `multiregion`
#   chart/multiregion-controller-$(VERSION).tgz  the Helm chart, pushed to $(CHART_REPO) when set
# The npm package is staged apart (package/): a fresh compile of src/ (nothing stale from ./dist),
# and package-lock.json shipped as npm-shrinkwrap.json, so an install gets exactly the dependency
# versions the tests ran with (and needs no registry when npm's cache already has them).
RELEASE_DIR ?= dist/release
# e.g. oci://ghcr.io/OWNER/charts (log in first: helm registry login); empty: package only.
CHART_REPO ?=
# 1: push over plain HTTP (a registry on loopback, as the tests run).
CHART_PLAIN_HTTP ?=
VERSION = $(shell node -p 'require("./package.json").version')
HELM = $(shell bash test/env/build-helm.sh)

release: node-deps tools ## the CLI's npm tarball (a fresh dist/) and the Helm chart in dist/release/ (RELEASE_DIR); pushes the chart to CHART_REPO when set
	@grep -q '^## \[$(VERSION)\]' CHANGELOG.md || { echo "release: CHANGELOG.md has no '## [$(VERSION)]' entry" >&2; exit 1; }
	rm -rf $(RELEASE_DIR)/package $(RELEASE_DIR)/npm $(RELEASE_DIR)/chart
	mkdir -p $(RELEASE_DIR)/package $(RELEASE_DIR)/npm $(RELEASE_DIR)/chart
	npx tsc -p tsconfig.build.json --outDir $(RELEASE_DIR)/package/dist --sourceMap false
	cp package.json README.md LICENSE CHANGELOG.md $(RELEASE_DIR)/package/
	cp package-lock.json $(RELEASE_DIR)/package/npm-shrinkwrap.json
	npm pack $(abspath $(RELEASE_DIR))/package --pack-destination $(RELEASE_DIR)/npm --loglevel=warn
	$(HELM) package helm/multiregion-controller --destination $(RELEASE_DIR)/chart
	$(if $(CHART_REPO),$(HELM) push $(RELEASE_DIR)/chart/multiregion-controller-$(VERSION).tgz $(CHART_REPO) $(if $(CHART_PLAIN_HTTP),--plain-http),@echo "release: chart not pushed (set CHART_REPO=oci://REGISTRY/PATH to push it)")

typecheck: node-deps
	npx tsc --noEmit -p tsconfig.json

lint: node-deps ## formatting, import order and lint rules (Biome, biome.json); `make format` fixes what it can
	npm run lint

format: node-deps
	npm run format

crds: node-deps ## regenerate crds/ (and the chart's and kustomize copies) from src/api/schemas
	npm run gen:crds
	bash test/env/sync-copies.sh

test-unit: node-deps tools
	npm run test:unit

# The integration and reliability files run in parallel lanes, each lane with its own apiserver,
# etcd and moto (test/env/run-lanes.ts); TEST_LANES sets how many (default 5).
LANES := node --import tsx test/env/run-lanes.ts --last=test/reliability/security.test.ts --last=test/reliability/summary.test.ts

test-integration: deps
	$(LANES) 'test/integration/**/*.test.ts'

test-reliability: deps ## reliability + security suite: crash matrix, AWS and Kubernetes faults, bad input, safety (own stack)
	$(LANES) 'test/reliability/**/*.test.ts'

test-suites: deps ## the integration and reliability files together, in one set of lanes (what `make test` runs)
	$(LANES) 'test/integration/**/*.test.ts' 'test/reliability/**/*.test.ts'

test: deps lint typecheck test-unit test-suites ## every test: unit, integration and the reliability suite (real apiserver + moto)

local: node-deps moto k8s build ## run the whole thing locally: apiserver + etcd + moto + controller + examples
	node --import tsx test/env/local.ts

local-helm: node-deps moto k8s tools build ## make local, installed through the Helm chart's rendered manifests (controller runs as the chart's ServiceAccount)
	MRC_LOCAL_HELM=1 node --import tsx test/env/local.ts

bench: node-deps moto k8s tools ## performance figures against the local stack (not a test; under 15 min; --quick via BENCH_ARGS)
	node --import tsx test/bench/run.ts $(BENCH_ARGS)

drill: ## against a running `make local`: a Switchover drill there and back, with its timeline (DRILL_TYPE=Automatic: an unplanned failover)
	node --import tsx test/env/drill.ts

clean:
	rm -rf dist .local
