// Node entry: reads the WebAssembly module next to this file, and maps
// refusals to the MCP SDK's own error classes when the SDK is installed.
import { readFileSync } from 'node:fs';

import { setSdkErrorFactory } from './auth.js';
import { setLoader } from './core.js';
import { initSync } from './wasm/mcp_edge_auth.js';
import type { Refusal } from './types.js';

setLoader(() => {
  initSync({ module: readFileSync(new URL('./wasm/mcp_edge_auth_bg.wasm', import.meta.url)) });
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
