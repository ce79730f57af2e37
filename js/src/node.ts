// Node entry: reads the WebAssembly module next to this file, and maps
// refusals to the MCP SDK's own error classes when the SDK is installed.
import { constants, createPublicKey, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { setSdkErrorFactory } from './auth.js';
import { setLoader, setNodeCrypto } from './core.js';
import { initSync } from './wasm/mcp_edge_auth.js';
import type { Refusal } from './types.js';

setLoader(() => {
  initSync({ module: readFileSync(new URL('./wasm/mcp_edge_auth_bg.wasm', import.meta.url)) });
});

// Signatures checked by node:crypto on the calling thread (src/wasm/node.rs
// says why: WebCrypto's thread-pool round trip costs more than the check).
// The core has already chosen the key and checked the signature's encoding,
// and says how to verify (digest, PSS salt length, R‖S encoding) from its
// one algorithm table (src/jwa.rs).
interface NodeKey {
  digest: string | null;
  options: VerifyKeyObjectInput & { key: KeyObject };
}
setNodeCrypto({
  importKey(jwk: string, digest: string | undefined, pssSaltLength: number | undefined, p1363: boolean): NodeKey | null {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: JSON.parse(jwk), format: 'jwk' });
    } catch {
      return null;
    }
    const options: NodeKey['options'] = { key };
    if (pssSaltLength !== undefined) Object.assign(options, { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength });
    if (p1363) options.dsaEncoding = 'ieee-p1363';
    return { digest: digest ?? null, options };
  },
  verify(key: unknown, data: Uint8Array, signature: Uint8Array): boolean {
    const k = key as NodeKey;
    return verify(k.digest, data, k.options, signature);
  },
});

// The SDK's requireBearerAuth recognises its errors with instanceof, so they
// must be its classes. Loaded once, only if the application has the SDK.
type SdkErrors = Record<string, new (message: string) => Error>;
let sdk: SdkErrors | undefined;
const sdkModule = '@modelcontextprotocol/sdk/server/auth/errors.js';
try {
  sdk = (await import(sdkModule)) as SdkErrors;
} catch {
  sdk = undefined;
}
setSdkErrorFactory((r: Refusal) => {
  if (!sdk) return undefined;
  const name = r.status === 403 ? 'InsufficientScopeError' : r.status === 401 ? 'InvalidTokenError' : r.status >= 500 ? 'ServerError' : 'InvalidRequestError';
  const Cls = sdk[name];
  return Cls ? new Cls(r.description) : undefined;
});

export * from './index.js';
