// Access to the WebAssembly core. Each entry point (node.ts, workerd.ts)
// registers how to instantiate the module on its platform; the rest of the
// package only calls core().

import * as bindings from './wasm/mcp_edge_auth.js';

type Loader = () => void;
let loader: Loader | undefined;
let ready = false;

export function setLoader(load: Loader): void {
  loader = load;
}

/** The instantiated bindings; instantiates on first use. */
export function core(): typeof bindings {
  if (!ready) {
    if (!loader) throw new Error('mcp-edge-auth: no WebAssembly loader for this platform');
    loader();
    ready = true;
  }
  return bindings;
}
