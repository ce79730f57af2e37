#!/usr/bin/env bash
# Installs what the project needs, idempotently; fast when everything is present.
# Sourced by the other scripts. `setup_wasm` and `setup_js_tests` add what the
# npm package and its tests need.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: cargo is not installed; install Rust with rustup (https://rustup.rs)" >&2
    exit 1
  fi
fi
export PATH="$HOME/.cargo/bin:$PATH"

# The toolchain rust-toolchain.toml names; rustup normally adds its components
# on first use, but a rustup that does not must not let the lints be skipped.
setup_rust() {
  local c sub
  for c in rustfmt clippy; do
    sub=${c/rustfmt/fmt}
    if ! cargo "$sub" --version >/dev/null 2>&1; then
      command -v rustup >/dev/null || { echo "setup: cargo $sub is missing and rustup is not installed to add $c" >&2; exit 1; }
      rustup component add "$c"
    fi
  done
}
setup_rust

# Dependencies come from crates.io once; later runs are offline-fast.
cargo fetch --quiet

# Must equal the wasm-bindgen crate version pinned in Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130

# npm install only when package.json or the lock changed since the last install.
npm_install() { # dir
  local dir=$1 stamp="$1/node_modules/.mcp-edge-auth-installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package.json" ] && { [ ! -f "$dir/package-lock.json" ] || [ "$stamp" -nt "$dir/package-lock.json" ]; }; then
    return
  fi
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  # npm install removes packages installed with --no-save: the tarball goes in again.
  rm -f "$dir/node_modules/.mcp-edge-auth-tarball"
  touch "$stamp"
}

# True when OUTPUT exists and nothing under the INPUTs (files or folders) is
# newer: the build scripts then skip work whose result is already there.
up_to_date() { # output input...
  local out=$1 newer
  shift
  [ -e "$out" ] || return 1
  newer=$(find "$@" -newer "$out" -print -quit) || return 1
  [ -z "$newer" ]
}

setup_wasm() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    # No --locked: its lockfile wants a crate version the registry here lacks (docs/TOOLCHAIN.md).
    cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  command -v node >/dev/null || { echo "setup: Node.js 20 or newer is required" >&2; exit 1; }
  npm_install js
}

# Installs a project's npm packages plus the packed tarball (target/npm), again whenever it was rebuilt.
install_with_tarball() { # dir
  local dir=$1 tgz
  npm_install "$dir"
  tgz=$(ls "$PWD"/target/npm/mcp-edge-auth-*.tgz)
  if [ ! -f "$dir/node_modules/.mcp-edge-auth-tarball" ] || [ "$tgz" -nt "$dir/node_modules/.mcp-edge-auth-tarball" ]; then
    (cd "$dir" && npm install --no-audit --no-fund --no-save --loglevel=error "$tgz")
    touch "$dir/node_modules/.mcp-edge-auth-tarball"
  fi
}

setup_js_tests() {
  install_with_tarball tests/js
  # The demo's origin (Express + the MCP SDK) is the origin of the security tests too.
  npm_install examples/vetassist
  setup_interop
}

# What the real-client tests (tests/js/clients.test.mjs) run besides npm
# packages: the official Python MCP SDK in a venv (tests/interop/requirements.txt,
# pinned), and headless Chromium from the distribution's packages.
setup_interop() {
  local venv=target/interop/venv stamp=target/interop/venv/.installed
  if [ ! -f "$stamp" ] || [ tests/interop/requirements.txt -nt "$stamp" ]; then
    command -v python3 >/dev/null || { echo "setup: python3 (3.10 or newer) is required" >&2; exit 1; }
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
    touch "$stamp"
  fi
  if [ ! -x /usr/bin/chromium ]; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    command -v apt-get >/dev/null || { echo "setup: headless Chromium is needed at /usr/bin/chromium (Debian package chromium)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium > /dev/null
  fi
}
