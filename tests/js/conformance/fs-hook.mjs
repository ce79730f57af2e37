// Module-resolution hook registered by shim.mjs (runs on the loader thread).
const replacement = new URL('./fs-with-glob.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'fs' || specifier === 'node:fs') &&
      context.parentURL?.includes('/node_modules/@modelcontextprotocol/conformance/')) {
    return { url: replacement, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
