#!/usr/bin/env bash
# Installs what the project needs, idempotently; fast when everything is present.
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: cargo is not installed; install Rust with rustup (https://rustup.rs)" >&2
    exit 1
  fi
fi

# Dependencies come from crates.io once; later runs are offline-fast.
cargo fetch --quiet
