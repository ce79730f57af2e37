#!/usr/bin/env bash
# Every test: unit tests, the vector files, Wycheproof, the generator drift check,
# the CLI end to end, and the doc example.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo test --features cli --all-targets
cargo test --features cli --doc
