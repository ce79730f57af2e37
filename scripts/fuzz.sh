#!/usr/bin/env bash
# Fuzzes the project's own code with cargo-fuzz (libFuzzer + AddressSanitizer):
#   verify   bearer extraction + JWS parsing + verification against a fixed key set
#   jwks     key-set parsing and key checks
#   mcp_body JSON-RPC inspection and the scopes it implies
#   config   config parsing (core and the Worker's MCP_AUTH)
#   differential  generated requests through the real Worker to an Express +
#            MCP SDK origin: the origin runs only what the gateway authorized
#            (tests/js/differential.test.mjs; builds the Worker and the package first)
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 20 s, all targets)
# Runs on the stable toolchain (RUSTC_BOOTSTRAP enables the sanitizer flags).
# What each target checks of an input is fuzz/invariants/<target>.rs, which
# tests/fuzz_corpora.rs also runs natively over every file in fuzz/corpus/<target>/
# on each test run (the test command does not fuzz: this script is the real run).
# A crash leaves its input in fuzz/artifacts/<target>/; turn it into a vector, or
# add it to fuzz/corpus/<target>/ so that every test run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --quiet cargo-fuzz --version 0.13.2 --locked
fi
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(verify jwks mcp_body config differential)
export RUSTC_BOOTSTRAP=1
mkdir -p fuzz/target
if ! cargo fuzz build > fuzz/target/build.log 2>&1; then
  tail -40 fuzz/target/build.log >&2
  exit 1
fi
for t in "${targets[@]}"; do
  if [ "$t" = differential ]; then
    bash scripts/build-npm.sh > /dev/null
    bash scripts/build-worker.sh > /dev/null
    setup_js_tests
    (cd tests/js && DIFFERENTIAL_SECONDS="$seconds" node --test differential.test.mjs) > fuzz/target/differential.log 2>&1 || {
      tail -40 fuzz/target/differential.log
      echo "fuzz: differential FAILED" >&2
      exit 1
    }
    echo "fuzz: differential ok, $(sed -n 's/^# differential: //p' fuzz/target/differential.log)"
    continue
  fi
  # A scratch corpus seeded from the committed seeds, so runs never dirty the tree.
  corpus=fuzz/target/corpus/$t
  mkdir -p "$corpus"
  cp -n fuzz/corpus/$t/seed* "$corpus/" 2>/dev/null || true
  out=$(cargo fuzz run "$t" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1) || {
    echo "$out" | tail -40
    echo "fuzz: $t FAILED" >&2
    exit 1
  }
  runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
  echo "fuzz: $t ok, $runs executions in ${seconds} s"
done
