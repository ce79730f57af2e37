// createAuth's key fetching against a key server on 127.0.0.1 that the test
// controls: freshness, single flight, unknown-kid refetch and its cooldown,
// timeout, stale keys during an outage then 503, discovery, and a KV-shaped cache.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createAuth, McpEdgeAuthError } from 'mcp-edge-auth';

import { publicJwk, signEs256, sleep, startServer } from './helpers.mjs';

const RESOURCE = 'https://mcp.example.com/mcp';
let server;
let keys; // what /jwks serves
let mode; // 'ok' | 'down' | 'slow' | 'invalid' | 'empty' | 'huge'
let cacheControl;

before(async () => {
  server = await startServer(async (req, res) => {
    if (req.url === '/jwks') {
      if (mode === 'down') return res.writeHead(500).end('down');
      if (mode === 'slow') await sleep(1500);
      if (mode === 'invalid') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":');
      if (mode === 'empty') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      if (mode === 'huge') return res.writeHead(200, { 'content-type': 'application/json' }).end(`{"keys":[],"pad":"${'x'.repeat(1 << 20)}"}`);
      return res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl }).end(JSON.stringify({ keys }));
    }
    if (req.url === '/.well-known/openid-configuration' && server.oidcOnly) {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: server.url, jwks_uri: `${server.url}/jwks` }));
    }
    if (req.url === '/.well-known/oauth-authorization-server' && !server.oidcOnly) {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: server.discoveredIssuer ?? server.url, jwks_uri: `${server.url}/jwks` }));
    }
    res.writeHead(404).end();
  });
});
after(() => server.close());

function reset() {
  server.hits.clear();
  keys = [publicJwk('p256')];
  mode = 'ok';
  cacheControl = 'max-age=600';
  server.discoveredIssuer = undefined;
  server.oidcOnly = false;
}

function auth(extra = {}) {
  return createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url, jwksUri: `${server.url}/jwks` }], ...extra });
}

const token = (claims = {}, opts) =>
  signEs256({ iss: server.url, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 3600, sub: 'u1', client_id: 'c1', scope: 'a', ...claims }, opts);

test('keys are fetched once and reused while fresh', async () => {
  reset();
  const a = auth();
  const t = await token();
  assert.equal((await a.decide(t)).ok, true);
  assert.equal((await a.decide(t)).ok, true);
  assert.equal(server.hits.get('/jwks'), 1);
  const info = await a.verifyAccessToken(t);
  assert.equal(info.clientId, 'c1');
  assert.ok(info.resource instanceof URL);
});

test('concurrent callers share one in-flight fetch', async () => {
  reset();
  const a = auth();
  const t = await token();
  const results = await Promise.all(Array.from({ length: 20 }, () => a.decide(t)));
  assert.ok(results.every((r) => r.ok));
  assert.equal(server.hits.get('/jwks'), 1);
});

test('an unknown kid refetches once, at most once per cooldown', async () => {
  reset();
  const a = auth({ jwksCooldownSeconds: 1 });
  assert.equal((await a.decide(await token())).ok, true);
  const rotated = await token({}, { key: 'other-p256', kid: 'rotated' });
  // Within the cooldown of the first fetch: no refetch, refused.
  let r = await a.decide(rotated);
  assert.equal(r.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(server.hits.get('/jwks'), 1);
  // The authorization server rotates; after the cooldown, exactly one refetch.
  keys = [publicJwk('p256'), publicJwk('other-p256', 'rotated')];
  await sleep(1100);
  r = await a.decide(rotated);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(server.hits.get('/jwks'), 2);
  // Another unknown kid right away: still refused, no third fetch (no fetch storm).
  r = await a.decide(await token({}, { kid: 'bogus' }));
  assert.equal(r.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(server.hits.get('/jwks'), 2);
});

test('a slow key server times out: 503 with Retry-After, within the timeout', async () => {
  reset();
  mode = 'slow';
  const a = auth({ jwksTimeoutMs: 200 });
  const started = Date.now();
  const r = await a.decide(await token());
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  assert.equal(r.status, 503);
  assert.equal(r.code, 'ERR_JWKS_UNAVAILABLE');
  assert.ok(r.retryAfter >= 1);
  await assert.rejects(a.verifyAccessToken(await token()), (e) => e instanceof McpEdgeAuthError && e.status === 503 && e.code === 'ERR_JWKS_UNAVAILABLE');
});

test('during an outage the last good keys serve up to maxStaleSeconds, then 503', async () => {
  reset();
  cacheControl = 'max-age=60';
  let now = Date.now();
  const a = auth({ clock: () => now, maxStaleSeconds: 120, jwksCooldownSeconds: 10 });
  const t = await token();
  assert.equal((await a.decide(t)).ok, true);
  mode = 'down';
  now += 61_000; // keys are stale; the refetch fails
  assert.equal((await a.decide(t)).ok, true);
  assert.equal(server.hits.get('/jwks'), 2);
  now += 100_000; // 161 s after the fetch: still within 60 + 120
  assert.equal((await a.decide(t)).ok, true);
  now += 20_000; // 181 s: past freshness + maxStaleSeconds
  const r = await a.decide(t);
  assert.equal(r.status, 503);
  assert.equal(r.error, undefined);
  // Recovery: the next attempt after the cooldown succeeds.
  mode = 'ok';
  now += 10_000;
  assert.equal((await a.decide(t)).ok, true);
});

test('a broken key set (invalid JSON, empty, oversized) never replaces good keys', async () => {
  for (const broken of ['invalid', 'empty', 'huge']) {
    reset();
    cacheControl = 'max-age=60';
    let now = Date.now();
    const a = auth({ clock: () => now, maxStaleSeconds: 600, jwksCooldownSeconds: 1 });
    const t = await token();
    assert.equal((await a.decide(t)).ok, true);
    mode = broken;
    now += 62_000;
    assert.equal((await a.decide(t)).ok, true, broken);
    assert.equal(server.hits.get('/jwks'), 2, broken);
  }
  // With nothing good to fall back on, it is a 503, not a 401.
  reset();
  mode = 'invalid';
  assert.equal((await auth().decide(await token())).status, 503);
});

test('keys are discovered from RFC 8414 metadata; a mismatched issuer is refused', async () => {
  reset();
  const discovered = createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url }] });
  assert.equal((await discovered.decide(await token())).ok, true);
  assert.equal(server.hits.get('/.well-known/oauth-authorization-server'), 1);

  reset();
  server.discoveredIssuer = 'https://evil.example.com';
  const mismatched = createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url }] });
  const r = await mismatched.decide(await token());
  assert.equal(r.status, 503);
  assert.equal(server.hits.get('/jwks'), undefined, 'keys must not be fetched from a mismatched document');
});

test('a KV-shaped cache carries keys to a new instance while the server is down', async () => {
  reset();
  const store = new Map();
  const puts = [];
  const cache = {
    get: async (k) => store.get(k) ?? null,
    put: async (k, v, o) => {
      // The key set record (the cache also holds the last fetch attempt, for the cooldown across instances).
      if (k.startsWith('mcp-edge-auth:jwks:')) puts.push(o);
      store.set(k, v);
    },
  };
  const t = await token();
  assert.equal((await auth({ cache }).decide(t)).ok, true);
  assert.equal(puts.length, 1);
  assert.ok(puts[0].expirationTtl >= 60);
  mode = 'down';
  const fresh = auth({ cache });
  assert.equal((await fresh.decide(t)).ok, true);
  assert.equal(server.hits.get('/jwks'), 1, 'the second instance read the cache, not the network');
});

test('bad tokens cost no fetch at all', async () => {
  reset();
  const a = auth();
  for (const bad of [undefined, 'garbage', 'a.b.c', await signEs256({ iss: 'https://unknown.example', aud: RESOURCE, exp: 2e9 })]) {
    assert.equal((await a.decide(bad)).ok, false);
  }
  assert.equal(server.hits.get('/jwks'), undefined);
});

test('discovery falls back to OpenID Connect metadata when RFC 8414 is absent', async () => {
  reset();
  server.oidcOnly = true;
  const a = createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url }] });
  assert.equal((await a.decide(await token())).ok, true);
  assert.equal(server.hits.get('/.well-known/oauth-authorization-server'), 1);
  assert.equal(server.hits.get('/.well-known/openid-configuration'), 1);
});

test('authenticate() and express() hold a body they read to the one-meaning rule, and read nothing without credentials', async () => {
  reset();
  const a = createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url, jwksUri: `${server.url}/jwks` }], tools: { write: ['w'], read: ['a'] }, maxBodyBytes: 200 });
  const t = await token();
  const write = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write' } });
  const post = (headers, body) => a.authenticate(new Request(RESOURCE, { method: 'POST', headers: { authorization: `Bearer ${t}`, ...headers }, body }));
  for (const [headers, code] of [
    [{ 'content-type': 'application/json; charset=utf-7' }, 'ERR_MCP_CONTENT_TYPE'],
    [{ 'content-type': 'text/plain' }, 'ERR_MCP_CONTENT_TYPE'],
    [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'ERR_MCP_CONTENT_ENCODING'],
  ]) {
    const { response } = await post(headers, write);
    assert.equal(response.status, 415, JSON.stringify(headers));
    assert.equal((await response.json()).code, code);
  }
  const ok = await post({ 'content-type': 'Application/JSON; charset=UTF-8' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read' } }));
  assert.equal(ok.authInfo?.subject, 'u1');
  // A body that never ends: without credentials the answer comes without reading it; past the limit, at once.
  const endless = (authorization) => {
    let pulls = 0;
    const body = new ReadableStream({ pull: (c) => (pulls++, c.enqueue(new TextEncoder().encode('x'.repeat(64)))) });
    const headers = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
    return { request: new Request(RESOURCE, { method: 'POST', headers, body, duplex: 'half' }), pulls: () => pulls };
  };
  const anonymous = endless();
  assert.equal((await a.authenticate(anonymous.request)).response.status, 401);
  assert.ok(anonymous.pulls() <= 1, `${anonymous.pulls()} chunks read without credentials`);
  const big = endless(`Bearer ${t}`);
  assert.equal((await a.authenticate(big.request)).response.status, 413);
  assert.ok(big.pulls() < 10, `${big.pulls()} chunks read for a 200-byte limit`);

  // express() reading the body itself (no express.json() before it).
  const { Readable } = await import('node:stream');
  const viaExpress = (headers, body) =>
    new Promise((resolve) => {
      const req = Object.assign(Readable.from([Buffer.from(body)]), { method: 'POST', headers });
      const res = { statusCode: 0, status: (c) => ((res.statusCode = c), res), set: () => res, json: (b) => resolve({ status: res.statusCode, body: b }) };
      a.express()(req, res, () => resolve({ status: 'next', auth: req.auth, body: req.body }));
    });
  let r = await viaExpress({ authorization: `Bearer ${t}`, 'content-type': 'application/json; charset=utf-7' }, write);
  assert.equal(r.status, 415);
  r = await viaExpress({ 'content-type': 'application/json' }, write);
  assert.equal(r.status, 401);
  r = await viaExpress({ authorization: `Bearer ${t}`, 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read' } }));
  assert.equal(r.status, 'next');
  assert.equal(r.body.params.name, 'read', 'the handler gets what was inspected');
  r = await viaExpress({ authorization: `Bearer ${t}`, 'content-type': 'application/json' }, write);
  assert.equal(r.status, 403);
});

test('authenticate() reads a clone of the body, answers 413 past maxBodyBytes, and sets CORS headers', async () => {
  reset();
  const a = createAuth({ resource: RESOURCE, issuers: [{ issuer: server.url, jwksUri: `${server.url}/jwks` }], tools: { write: ['w'] }, maxBodyBytes: 200 });
  const t = await token();
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write' } });
  const request = new Request(`${RESOURCE}`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body });
  const { response } = await a.authenticate(request);
  assert.equal(response.status, 403);
  assert.match(response.headers.get('www-authenticate'), /scope="w"/);
  assert.match(response.headers.get('access-control-expose-headers'), /Mcp-Session-Id/);
  assert.equal(await request.text(), body, "the caller's body is still readable");

  const big = new Request(`${RESOURCE}`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: 'x'.repeat(201) });
  const tooBig = await a.authenticate(big);
  assert.equal(tooBig.response.status, 413);
  assert.equal((await tooBig.response.json()).code, 'ERR_MCP_BODY_TOO_LARGE');

  const ok = await a.authenticate(new Request(`${RESOURCE}`, { headers: { authorization: `Bearer ${t}` } }));
  assert.equal(ok.authInfo.subject, 'u1');
  const meta = a.metadataResponse(new Request('https://mcp.example.com/.well-known/oauth-protected-resource/mcp'));
  assert.equal((await meta.json()).resource, RESOURCE);
  assert.equal(a.metadataResponse(new Request('https://mcp.example.com/other')), null);
});
