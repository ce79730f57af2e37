#!/usr/bin/env bash
# The benchmark: builds the npm package and the Worker, installs the
# contenders (bench/package.json: jose, fast-jwt, jsonwebtoken, autocannon,
# wrangler and the workerd it pins), then runs bench/run.mjs, which prints
# the tables and writes BENCHMARKS.md.
#   bash scripts/bench.sh           # the real run (about 20 minutes here, warm)
#   bash scripts/bench.sh --quick   # a smoke run into target/bench/BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm
bash scripts/build-npm.sh >/dev/null
bash scripts/build-worker.sh >/dev/null
install_with_tarball bench
node bench/run.mjs "$@"
