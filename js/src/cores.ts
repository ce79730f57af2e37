// The WebAssembly core behind each validator, for the package's own host
// glue (key refresh in jwks.ts). Kept out of the public declarations: the
// wasm bindings' types are the package's business, not its users'.

import type { core } from './core.js';
import type { Validator } from './validator.js';

type Core = InstanceType<ReturnType<typeof core>['WasmValidator']>;

/** Filled in by createValidator. */
export const cores = new WeakMap<Validator, Core>();

/** The core of a validator made by this package. */
export function coreOf(v: Validator): Core {
  const inner = cores.get(v);
  if (!inner) throw new Error('mcp-edge-auth: not a validator made by createValidator');
  return inner;
}
