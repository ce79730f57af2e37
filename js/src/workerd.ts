// Cloudflare Workers entry (export condition "workerd"/"worker"): wrangler
// bundles the .wasm file and hands it over as a compiled WebAssembly.Module.
import { setLoader } from './core.js';
import { initSync } from './wasm/mcp_edge_auth.js';
// @ts-ignore -- resolved by the Workers bundler to a WebAssembly.Module
import wasmModule from './wasm/mcp_edge_auth_bg.wasm';

setLoader(() => {
  initSync({ module: wasmModule as WebAssembly.Module });
});

export * from './index.js';
