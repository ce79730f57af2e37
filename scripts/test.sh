#!/usr/bin/env bash
# Every test: unit tests, the vector files, Wycheproof, the generator drift check,
# the CLI end to end, and the doc example; plus formatting and lints.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
if cargo clippy --version >/dev/null 2>&1; then cargo clippy --quiet --features cli --all-targets -- -D warnings; fi
cargo test --features cli --all-targets
cargo test --features cli --doc
