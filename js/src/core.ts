// Access to the WebAssembly core. Each entry point (node.ts, workerd.ts)
// registers how to instantiate the module on its platform; the rest of the
// package only calls core().

import * as bindings from './wasm/mcp_edge_auth.js';

type Loader = () => void;
let loader: Loader | undefined;
let ready = false;
let nodeCryptoHost: NodeCrypto | undefined;

export function setLoader(load: Loader): void {
  loader = load;
}

/**
 * The platform's synchronous signature primitives (src/wasm/node.rs): the
 * Node entry registers `node:crypto` behind this; other hosts have none.
 */
export interface NodeCrypto {
  /** A handle for one public JWK (JSON text) and how to verify with it (the core derives digest, PSS salt length and R‖S from the JWS alg), or null if the key is refused. */
  importKey(jwk: string, digest: string | undefined, pssSaltLength: number | undefined, p1363: boolean): unknown;
  /** One signature check with a handle from importKey. */
  verify(key: unknown, data: Uint8Array, signature: Uint8Array): boolean;
}

export function setNodeCrypto(host: NodeCrypto): void {
  nodeCryptoHost = host;
}

/** `node:crypto` as the Node entry registered it, if this is Node. */
export function nodeCrypto(): NodeCrypto | undefined {
  return nodeCryptoHost;
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
