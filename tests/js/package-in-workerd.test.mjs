// The packed package inside a JavaScript Worker: bundled by wrangler
// (`wrangler deploy --dry-run`, which resolves the "workerd" export condition
// and ships the .wasm as a module), then run in workerd through Miniflare with
// a local KV namespace. It must accept and refuse exactly like Node does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Miniflare } from 'miniflare';

import { publicJwk, signEs256, startServer } from './helpers.mjs';

const fixture = fileURLToPath(new URL('./worker-fixture/', import.meta.url));
const RESOURCE = 'https://mcp.example.com/mcp';
let keys;
let mf;
let base;

before(async () => {
  keys = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify({ keys: [publicJwk('p256')] })));
  rmSync(`${fixture}dist`, { recursive: true, force: true });
  execFileSync(fileURLToPath(new URL('./node_modules/.bin/wrangler', import.meta.url)), ['deploy', '--dry-run', '--outdir', 'dist'], {
    cwd: fixture,
    stdio: 'pipe',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: `${fixture}.config` },
  });
  mf = fixtureWorker({
    resource: RESOURCE,
    issuers: [{ issuer: 'https://auth.example.com', jwksUri: `${keys.url}/jwks` }],
    requiredScopes: ['mcp:access'],
    tools: { update_pet_profile: ['pet-profile:write'] },
  });
  base = (await mf.ready).toString().replace(/\/$/, '');
});

/** The bundled JS Worker in workerd, with a local KV namespace. */
function fixtureWorker(mcpAuth) {
  return new Miniflare({
    modules: true,
    modulesRoot: `${fixture}dist`,
    scriptPath: `${fixture}dist/index.js`,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-26',
    kvNamespaces: ['JWKS_CACHE'],
    bindings: { MCP_AUTH: JSON.stringify(mcpAuth) },
    cf: false,
  });
}

after(async () => {
  await mf?.dispose();
  await keys?.close();
});

const claims = (extra = {}) => ({ iss: 'https://auth.example.com', aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600, sub: 'bob', client_id: 'c1', scope: 'mcp:access pet-profile:read', ...extra });
const call = (token, body) =>
  mf.dispatchFetch(`${base}/mcp`, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body ?? { jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
const tool = (name) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {} } });

test('the Worker accepts a valid token and reports who called', async () => {
  const res = await call(await signEs256(claims()));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { subject: 'bob', clientId: 'c1', scopes: ['mcp:access', 'pet-profile:read'] });
});

test('the Worker refuses like the core: 401, 401 invalid_token, 403 with scope', async () => {
  let res = await call(undefined);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), `Bearer scope="mcp:access", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`);
  assert.match(res.headers.get('access-control-expose-headers'), /WWW-Authenticate/);

  res = await call(await signEs256(claims({ aud: 'https://elsewhere.example/mcp' })));
  assert.equal(res.status, 401);
  assert.equal((await res.json()).code, 'ERR_JWT_AUDIENCE');

  res = await call(await signEs256(claims({ exp: 1000 })));
  assert.equal((await res.json()).code, 'ERR_JWT_EXPIRED');

  res = await call(await signEs256(claims()), tool('update_pet_profile'));
  assert.equal(res.status, 403);
  assert.match(res.headers.get('www-authenticate'), /scope="mcp:access pet-profile:write"/);

  res = await call(await signEs256(claims({ scope: 'mcp:access pet-profile:write' })), tool('update_pet_profile'));
  assert.equal(res.status, 200);
});

test('the Worker serves the RFC 9728 document and caches keys in KV', async () => {
  const res = await mf.dispatchFetch(`${base}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).resource, RESOURCE);
  const kv = await mf.getKVNamespace('JWKS_CACHE');
  const stored = JSON.parse(await kv.get('mcp-edge-auth:jwks:https://auth.example.com'));
  assert.equal(JSON.parse(stored.jwks).keys[0].kid, 'p256');
  assert.equal(keys.hits.get('/jwks'), 1);
});

test('cold start under concurrency: requests waiting for the first key fetch all succeed', async () => {
  const cold = fixtureWorker({ resource: RESOURCE, issuers: [{ issuer: 'https://auth.example.com', jwksUri: `${keys.url}/jwks` }] });
  try {
    const url = (await cold.ready).toString().replace(/\/$/, '');
    const before = keys.hits.get('/jwks');
    const token = await signEs256(claims());
    const statuses = await Promise.all(Array.from({ length: 30 }, () => cold.dispatchFetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' }).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(keys.hits.get('/jwks'), before + 1, 'one fetch served them all');
  } finally {
    await cold.dispose();
  }
});
