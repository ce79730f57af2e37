// Shared test helpers: the vector files, the committed test keys, signing with
// WebCrypto, and small HTTP servers on 127.0.0.1 that the tests control.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));

export function vectorFiles() {
  const dir = `${repo}tests/vectors/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => [name, JSON.parse(readFileSync(dir + name, 'utf8'))]);
}

export function privateJwk(name) {
  return JSON.parse(readFileSync(`${repo}tests/keys/${name}.json`, 'utf8'));
}

export function publicJwk(name, kid = name) {
  const { d, p, q, ...pub } = privateJwk(name);
  return { ...pub, kid };
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64url');

/** Signs claims as an ES256 JWT with the committed P-256 test key (or another EC key). */
export async function signEs256(claims, { key = 'p256', kid = key, typ = 'at+jwt' } = {}) {
  const { kid: _, ...jwk } = privateJwk(key);
  const signer = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const input = `${b64(JSON.stringify({ alg: 'ES256', kid, typ }))}.${b64(JSON.stringify(claims))}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer, new TextEncoder().encode(input));
  return `${input}.${b64(new Uint8Array(sig))}`;
}

/** An HTTP server on 127.0.0.1 with a replaceable handler; counts requests per path. */
export async function startServer(handler) {
  const hits = new Map();
  const server = createServer((req, res) => {
    hits.set(req.url, (hits.get(req.url) ?? 0) + 1);
    state.handler(req, res);
  });
  const state = { handler, hits, server };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return state;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 that was free a moment ago (for servers whose URL must be known before they start). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The built Rust Worker (build/worker) in workerd through Miniflare. */
export async function startGateway({ mcpAuth, upstream, persist = false, kv = true, bindings = {}, port, ratelimits }) {
  const { Miniflare } = await import('miniflare');
  // The Worker's console output, as workerd reports it: {level, message}.
  const logs = [];
  const mf = new Miniflare({
    handleStructuredLogs: (entry) => {
      logs.push(entry);
    },
    modules: true,
    modulesRoot: `${repo}build/worker`,
    scriptPath: `${repo}build/worker/shim.mjs`,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }, { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    compatibilityDate: '2026-04-26',
    ...(kv ? { kvNamespaces: ['JWKS_CACHE'], kvPersist: persist } : {}),
    bindings: { MCP_AUTH: mcpAuth, UPSTREAM_URL: upstream, ...bindings },
    ...(ratelimits ? { ratelimits } : {}),
    cf: false,
    ...(port ? { host: '127.0.0.1', port } : {}),
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  // Requests go to the resource's own origin, as clients address the gateway
  // (its Host check answers 421 to any other host); `url` is the socket, for
  // tests that speak HTTP themselves (their config lists 127.0.0.1 in allowedHosts).
  let resource;
  try {
    resource = new URL((typeof mcpAuth === 'string' ? JSON.parse(mcpAuth) : mcpAuth).resource).origin;
  } catch {
    resource = url;
  }
  return { mf, url, logs, fetch: (path, init) => mf.dispatchFetch(`${resource}${path}`, init), close: () => mf.dispose() };
}
