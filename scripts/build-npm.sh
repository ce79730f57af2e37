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

profile=${NPM_PROFILE:-wasm-speed} wasm_opt=${NPM_WASM_OPT:--Os}
cargo build --quiet --profile "$profile" --target wasm32-unknown-unknown --lib --features wasm
bash scripts/build-worker.sh > /dev/null
# Skipped when the package was packed, with these options, after everything
# it is made of last changed (the module cargo left untouched, the TypeScript,
# the packed files, the built Worker, the JS tools, these scripts): the demo
# and the benchmark run this again after the test command has.
packed=target/npm/.packed
if [ "$(cat "$packed" 2>/dev/null)" = "$profile $wasm_opt" ] \
  && up_to_date "$packed" "target/wasm32-unknown-unknown/$profile/mcp_edge_auth.wasm" js/src js/tsconfig.json js/package.json js/README.md \
    js/node_modules/.mcp-edge-auth-installed build/worker scripts/build-npm.sh scripts/build-worker.sh \
  && [ -f js/dist/cli.js ] && [ -f js/gateway/shim.mjs ] && ls target/npm/mcp-edge-auth-*.tgz 2>/dev/null; then
  exit 0
fi
rm -f "$packed"
out=js/src/wasm
rm -rf "$out" js/dist
wasm-bindgen --target web --out-dir "$out" "target/wasm32-unknown-unknown/$profile/mcp_edge_auth.wasm"
js/node_modules/.bin/wasm-opt "$wasm_opt" "$out/mcp_edge_auth_bg.wasm" -o "$out/mcp_edge_auth_bg.wasm"
(cd js && node_modules/.bin/tsc -p tsconfig.json)
mkdir -p js/dist/wasm
cp "$out"/mcp_edge_auth.js "$out"/mcp_edge_auth.d.ts "$out"/mcp_edge_auth_bg.wasm js/dist/wasm/
chmod +x js/dist/cli.js
# The gateway as built, minus its type declarations (tests/js/deploy-with-node.test.mjs
# checks the packed files are these).
rm -rf js/gateway
mkdir -p js/gateway
(cd build/worker && find . -type f ! -name '*.d.ts' -exec cp --parents {} ../../js/gateway/ \;)
mkdir -p target/npm
rm -f target/npm/mcp-edge-auth-*.tgz
(cd js && npm pack --silent --pack-destination ../target/npm >/dev/null)
echo "$profile $wasm_opt" > "$packed"
ls target/npm/mcp-edge-auth-*.tgz
