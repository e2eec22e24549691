# lightdas — build, test and benchmark entry points.
# `make test` is what CI runs (.ci/run); `make run` starts the local devnet.

SHELL   := /bin/bash
GO      ?= go
BIN     := $(CURDIR)/.bin
WBT     := $(BIN)/wasmbrowsertest
WBT_VERSION := v0.11.0

# Packages whose tests also run as GOOS=js GOARCH=wasm in headless Chromium.
WASM_TEST_PKGS := ./erasure ./kzg ./headers/... ./p2p/... ./das

export PATH := $(BIN):$(PATH)

.PHONY: all build build-wasm test test-native test-wasm bench fuzz generate run demo clean tools

all: build

# Compiles every package and puts the lightnative binary in .bin/.
build:
	$(GO) build ./...
	$(GO) build -o $(BIN)/lightnative ./cmd/lightnative

build-wasm:
	GOOS=js GOARCH=wasm $(GO) build ./...
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-s -o $(BIN)/verifyonly.wasm ./internal/tools/verifyonly

generate:
	$(GO) generate ./...

tools: $(WBT)

$(WBT):
	GOBIN=$(BIN) $(GO) install github.com/agnivade/wasmbrowsertest@$(WBT_VERSION)

test: test-native test-wasm

test-native:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# wasmbrowsertest logs a line for every DevTools event its protocol library
# cannot parse; drop those so the test output stays readable.
test-wasm: $(WBT)
	@command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium"; exit 1; }
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_TEST_PKGS)
	set -o pipefail; GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout 40m -exec $(WBT) $(WASM_TEST_PKGS) 2>&1 \
		| grep -v 'could not unmarshal event'

# Benchmarks natively (-benchtime 1s) and in Chromium, then the light
# clients against one full node (./node, each workload run once: -benchtime
# 1x); report in bench-out/report.md.
bench: $(WBT)
	$(GO) run ./internal/tools/bench -load-pkgs ./node -load-bench LightClients

fuzz:
	$(GO) run ./internal/tools/fuzzall -time 20s

# The local devnet on embedded defaults: producing full node on every
# transport, HTTP API on 127.0.0.1:7780, page on http://127.0.0.1:8080/.
run:
	$(GO) run ./cmd/lightnative devnet

# The core without a network: encode a block, sample it, verify, and
# catch a withholding node.
demo:
	$(GO) run ./internal/tools/demo

clean:
	rm -rf $(BIN) bench-out
