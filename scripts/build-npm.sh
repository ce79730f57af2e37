#!/usr/bin/env bash
# Builds the npm package: the core for wasm32 (feature "wasm", profile
# "wasm-speed" unless NPM_PROFILE says otherwise), wasm-bindgen bindings,
# wasm-opt (-Os unless NPM_WASM_OPT says otherwise: LLVM has already optimised the
# code for speed, and binaryen's -O3 only inlined more into cold exports such as the
# doctor's, 6.5 KB larger and no faster on the bench), the TypeScript wrapper, and the
# gateway Worker (scripts/build-worker.sh, copied to gateway/ so a project with only
# Node can deploy it); then packs it to target/npm/mcp-edge-auth-<version>.tgz.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm

cargo build --quiet --profile "${NPM_PROFILE:-wasm-speed}" --target wasm32-unknown-unknown --lib --features wasm
out=js/src/wasm
rm -rf "$out" js/dist
wasm-bindgen --target web --out-dir "$out" "target/wasm32-unknown-unknown/${NPM_PROFILE:-wasm-speed}/mcp_edge_auth.wasm"
js/node_modules/.bin/wasm-opt "${NPM_WASM_OPT:--Os}" "$out/mcp_edge_auth_bg.wasm" -o "$out/mcp_edge_auth_bg.wasm"
(cd js && node_modules/.bin/tsc -p tsconfig.json)
mkdir -p js/dist/wasm
cp "$out"/mcp_edge_auth.js "$out"/mcp_edge_auth.d.ts "$out"/mcp_edge_auth_bg.wasm js/dist/wasm/
chmod +x js/dist/cli.js
# The gateway as built, minus its type declarations (tests/js/deploy-with-node.test.mjs
# checks the packed files are these).
bash scripts/build-worker.sh > /dev/null
rm -rf js/gateway
mkdir -p js/gateway
(cd build/worker && find . -type f ! -name '*.d.ts' -exec cp --parents {} ../../js/gateway/ \;)
mkdir -p target/npm
rm -f target/npm/mcp-edge-auth-*.tgz
(cd js && npm pack --silent --pack-destination ../target/npm >/dev/null)
ls target/npm/mcp-edge-auth-*.tgz
