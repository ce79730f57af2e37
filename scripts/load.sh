#!/usr/bin/env bash
# Bounded load through the real Worker in workerd on 127.0.0.1:
#   scripts/load.sh [--requests 50000] [--concurrency 64] [--out target/load/results.json]
# 70 % valid, 20 % invalid, 10 % insufficient scope, key rotation half-way.
# Prints and writes the figures; exits non-zero on any wrong decision or 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm
[ -f build/worker/shim.mjs ] || bash scripts/build-worker.sh
[ -f target/npm/mcp-edge-auth-0.1.0.tgz ] || bash scripts/build-npm.sh
setup_js_tests
node tests/js/load.mjs "$@"
