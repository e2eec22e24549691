# lightdas — build, test and benchmark entry points.
# `make test` is what CI runs (.ci/run); `make run` starts the local devnet.

SHELL   := /bin/bash
GO      ?= go
BIN     := $(CURDIR)/.bin
WBT     := $(BIN)/wasmbrowsertest
WBT_VERSION := v0.11.0

# Packages whose tests also run as GOOS=js GOARCH=wasm in headless Chromium.
WASM_TEST_PKGS := ./erasure ./kzg ./headers/... ./p2p/... ./das/... ./light/... ./cmd/lightwasm/...

export PATH := $(BIN):$(PATH)

.PHONY: all build build-wasm web-wasm wasm-size test test-native test-wasm test-wasm-webrtc test-browser bench bench-browser fuzz generate run demo clean tools

all: build

# Compiles every package and puts the lightnative binary in .bin/.
build:
	$(GO) build ./...
	$(GO) build -o $(BIN)/lightnative ./cmd/lightnative

build-wasm: web-wasm
	GOOS=js GOARCH=wasm $(GO) build ./...
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-s -o $(BIN)/verifyonly.wasm ./internal/tools/verifyonly

# The browser client of web/: lightdas.wasm (and a gzip copy the devnet
# serves to browsers that accept it) and Go's wasm_exec.js, which must
# match the Go version that built the wasm (git-ignored copies).
web-wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o web/lightdas.wasm ./cmd/lightwasm
	gzip -9 -k -f web/lightdas.wasm
	install -m 0644 "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/wasm_exec.js

# Where the browser client's bytes go, per Go package: the same build with
# its function names kept (-s drops them; -w changes nothing for wasm,
# which has no DWARF), read by internal/tools/wasmsize.
wasm-size:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $(BIN)/lightdas-names.wasm ./cmd/lightwasm
	$(GO) run ./internal/tools/wasmsize -pkg ./cmd/lightwasm -top 40 $(BIN)/lightdas-names.wasm

generate:
	$(GO) generate ./...

tools: $(WBT)

$(WBT):
	GOBIN=$(BIN) $(GO) install github.com/agnivade/wasmbrowsertest@$(WBT_VERSION)

test: test-native test-wasm test-wasm-webrtc test-browser

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
bench: $(WBT) bench-browser
	$(GO) run ./internal/tools/bench -load-pkgs ./node -load-bench LightClients

# webrtc/ in Chromium against a native go-libp2p WebRTC-direct listener:
# webrtcpeer starts it on 127.0.0.1 around wasmbrowsertest and tells the
# test where it is (LIGHTDAS_WEBRTC_PEER).
test-wasm-webrtc: $(WBT)
	$(GO) build -o $(BIN)/webrtcpeer ./webrtc/internal/cmd/webrtcpeer
	GOOS=js GOARCH=wasm $(GO) vet ./webrtc/...
	set -o pipefail; GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout 10m -exec "$(BIN)/webrtcpeer $(WBT)" ./webrtc/ 2>&1 \
		| grep -v 'could not unmarshal event'

# The page in Debian Chromium through playwright-core (web/e2e): a real
# devnet, WebRTC-direct, IndexedDB; screenshots in bench-out/e2e/.
E2E_DEPS := web/e2e/node_modules/.package-lock.json

$(E2E_DEPS): web/e2e/package.json web/e2e/package-lock.json
	cd web/e2e && npm ci --no-audit --no-fund

test-browser: build web-wasm $(E2E_DEPS)
	@command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium"; exit 1; }
	cd web/e2e && node run.mjs test

# Page load to first verified block, per-block latency, wasm size, heap
# and long tasks: bench-out/e2e/browser.md.
bench-browser: build web-wasm $(E2E_DEPS)
	cd web/e2e && node run.mjs bench

fuzz:
	$(GO) run ./internal/tools/fuzzall -time 20s

# The local devnet on embedded defaults: producing full node on every
# transport, HTTP API on 127.0.0.1:7780, page on http://127.0.0.1:8080/.
run: web-wasm
	$(GO) run ./cmd/lightnative devnet

# The core without a network: encode a block, sample it, verify, and
# catch a withholding node.
demo:
	$(GO) run ./internal/tools/demo

clean:
	rm -rf $(BIN) bench-out web/e2e/node_modules web/lightdas.wasm web/lightdas.wasm.gz web/wasm_exec.js
