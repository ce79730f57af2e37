#!/usr/bin/env bash
# Every test: the Rust core (unit tests, the vector files, Wycheproof, property
# tests, the generator drift check, the CLI end to end, the doc example, the
# fuzz corpora replayed natively, doctor against simulated deployments), formatting and lints; then the npm
# package, built and packed, tested from its tarball (vectors through wasm, key fetching,
# oidc-provider + MCP SDK, a JS Worker in workerd, init + wrangler dev with only Node,
# doctor against live set-ups); and the Rust Worker gateway in workerd.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Formatting and lints, never skipped (setup.sh installs rustfmt and clippy),
# for every feature set and target the crate is built with.
cargo fmt --check
cargo clippy --quiet --features cli --all-targets -- -D warnings
setup_wasm
cargo clippy --quiet --features wasm --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy --quiet --features worker --target wasm32-unknown-unknown --lib --target-dir target/worker -- -D warnings
cargo test --features cli --all-targets
cargo test --features cli --doc

# No fuzzing here: tests/fuzz_corpora.rs (in the cargo test above) runs every
# committed fuzz input through the targets' own checks (fuzz/invariants/)
# natively, in a tenth of a second. The 15 s run of each target it replaces
# cost 6 minutes cold on two cores (a sanitizer build of every dependency, plus
# 2 minutes to install cargo-fuzz on a new machine) and 70 s warm, for one
# minute of fuzzing. Real runs: scripts/fuzz.sh 600, which also runs the
# gateway/origin differential test for as long (here that test runs 500 cases
# with the JS tests below).

# The npm package, which also builds the Worker (scripts/build-worker.sh) and packs it as gateway/.
bash scripts/build-npm.sh

# The README's run command, end to end and non-interactively: the seed flow
# (DCR, authorization code + PKCE, scripted login and consent, step-up, 403 for
# Bob, client credentials) through the real Worker in wrangler dev. Its own
# build-npm.sh and wrangler dev's build command (build-worker.sh) find the
# package and the Worker just built current and reuse them.
bash scripts/demo.sh --once

setup_js_tests
(cd tests/js && node --test --test-concurrency=1)

# The benchmark harness at smoke sizes (into target/bench/, never BENCHMARKS.md):
# every contender must accept the same tokens and every gateway must answer.
install_with_tarball bench
node bench/run.mjs --quick > /dev/null
