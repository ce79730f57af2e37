// The real Rust Worker (build/worker, from scripts/build-worker.sh) in workerd
// through Miniflare with local KV, in front of an origin and a key server on
// 127.0.0.1 that the test controls.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { publicJwk, repo, signEs256, sleep, startGateway, startServer } from './helpers.mjs';

const RESOURCE = 'https://gateway.example.com/mcp';
const ISSUER = 'https://auth.example.com';
const SECRET = 'origin-shared-secret';
let keys;
let keyMode = 'ok';
let origin;
let workers = [];

function config(extra = {}) {
  return {
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }],
    requiredScopes: ['mcp:access'],
    tools: { update_pet_profile: ['pet-profile:write'] },
    maxBodyBytes: 4096,
    upstreamTimeoutMs: 1000,
    jwksTimeoutMs: 500,
    jwksCooldownSeconds: 1,
    maxStaleSeconds: 2,
    jwksMinTtlSeconds: 1,
    ...extra,
  };
}

async function worker({ mcpAuth = config(), upstream = `${origin.url}/mcp`, persist, kv, bindings } = {}) {
  const w = await startGateway({ mcpAuth, upstream, persist, kv, bindings: { MCP_AUTH_HMAC_SECRET: SECRET, ...bindings } });
  workers.push(w.mf);
  return w;
}

before(async () => {
  keys = await startServer((req, res) => {
    // RFC 8414 §3.1 discovery for the issuer `${keys.url}/tenant`.
    if (req.url === '/.well-known/oauth-authorization-server/tenant') {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${keys.url}/tenant`, jwks_uri: `${keys.url}/jwks` }));
    }
    if (keyMode === 'down') return res.writeHead(500).end();
    if (keyMode === 'slow') return void setTimeout(() => res.writeHead(200).end('{"keys":[]}'), 2000);
    if (keyMode === 'invalid') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
    if (keyMode === 'empty') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": []}');
    if (keyMode === 'huge') return res.writeHead(200, { 'content-type': 'application/json' }).end(`{"keys":[],"pad":"${'x'.repeat(1 << 20)}"}`);
    if (keyMode === 'redirect') return res.writeHead(302, { location: '/jwks' }).end();
    const served = keyMode === 'rotated' ? [publicJwk('p256'), publicJwk('other-p256', 'rotated')] : [publicJwk('p256')];
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': `max-age=${keyMode === 'long' || keyMode === 'rotated' ? 600 : 1}` }).end(JSON.stringify({ keys: served }));
  });
  origin = await startServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (req.url.startsWith('/mcp/slow')) await sleep(3000);
    if (req.url.startsWith('/mcp/reset')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      await sleep(50);
      return req.socket.destroy();
    }
    if (req.url.startsWith('/mcp/endless')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 20);
      return res.on('close', () => clearInterval(timer));
    }
    if (req.url.startsWith('/mcp/cors')) {
      // An origin with its own CORS answer: what it exposes must survive the gateway's.
      return res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': 'https://origin-says.example', 'access-control-expose-headers': 'Last-Event-ID, X-Origin-Own', vary: 'Accept' }).end('{}');
    }
    if (req.url.startsWith('/mcp/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 3; i++) {
        res.write(`data: event-${i}\n\n`);
        await sleep(50);
      }
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' }).end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() }));
  });
});

after(async () => {
  for (const w of workers) await w.dispose();
  await origin?.close();
  await keys?.close();
});

const claims = (extra = {}) => ({ iss: ISSUER, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600, sub: 'bob', client_id: 'vet-client', scope: 'mcp:access pet-profile:read', ...extra });
const post = (w, token, body, headers = {}, path = '/mcp') =>
  w.fetch(path, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body ?? { jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
const tool = (name) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {} } });

test('wrangler deploy --dry-run bundles the Worker', () => {
  rmSync(`${repo}target/worker-bundle`, { recursive: true, force: true });
  execFileSync(`${repo}tests/js/node_modules/.bin/wrangler`, ['deploy', '--dry-run', '--outdir', 'target/worker-bundle'], {
    cwd: repo,
    stdio: 'pipe',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: `${repo}target/wrangler-config` },
  });
  const dir = `${repo}target/worker-bundle/`;
  const files = readdirSync(dir).filter((f) => !f.endsWith('.map'));
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(dir + f), { level: 9 }).length, 0);
  const raw = files.reduce((n, f) => n + statSync(dir + f).size, 0);
  console.log(`Worker bundle: ${files.length} files, ${raw} bytes, ${gz} bytes gzipped`);
  assert.ok(files.some((f) => f.endsWith('.wasm')));
});

test('an authorized call is forwarded unchanged, without the token, with signed identity headers', async () => {
  // The origin here names one fixed session for everyone; binding sessions to users is per-user.test.mjs's subject.
  const w = await worker({ mcpAuth: config({ bindSessions: false }) });
  const token = await signEs256(claims());
  const body = '{"jsonrpc":"2.0","id":1,  "method":"tools/call","params":{"name":"get_pet_profile"}}';
  const spoofed = { 'x-mcp-auth-subject': 'admin', 'X-MCP-Auth-Scopes': 'everything', 'x-mcp-auth-a': '1', 'x-mcp-auth-b': '2', 'X-MCP-AUTH-ROLE': 'admin', 'x-mcp-auth-zz': '3' };
  const res = await post(w, token, body, { ...spoofed, 'proxy-authorization': 'Basic c2VjcmV0', 'mcp-session-id': 'session-1' }, '/mcp?x=1');
  assert.equal(res.status, 200);
  // Not a browser (no Origin): the origin's response comes back as it was sent, no CORS headers added.
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  assert.equal(res.headers.get('mcp-session-id'), 'session-1');
  const seen = await res.json();
  assert.equal(seen.url, '/mcp?x=1');
  assert.equal(seen.body, body, 'the body reached the origin byte for byte');
  assert.equal(seen.headers.authorization, undefined, 'the client token never reaches the origin');
  assert.equal(seen.headers['x-mcp-auth-subject'], 'bob', 'spoofed identity headers are replaced');
  const identity = Object.keys(seen.headers).filter((k) => k.startsWith('x-mcp-auth-')).sort();
  assert.deepEqual(identity, ['x-mcp-auth-client-id', 'x-mcp-auth-issuer', 'x-mcp-auth-request-id', 'x-mcp-auth-scopes', 'x-mcp-auth-signature', 'x-mcp-auth-subject', 'x-mcp-auth-timestamp'], 'no other X-MCP-Auth-* header gets through');
  assert.equal(seen.headers['content-type'], 'application/json', 'the body goes on labelled with the one media type it was read as');
  assert.equal(seen.headers['proxy-authorization'], undefined, 'hop-by-hop headers stop at the gateway');
  assert.equal(seen.headers['x-mcp-auth-scopes'], 'mcp:access pet-profile:read');
  assert.equal(seen.headers['x-mcp-auth-client-id'], 'vet-client');
  assert.equal(seen.headers['x-mcp-auth-issuer'], ISSUER);
  assert.equal(seen.headers['mcp-session-id'], 'session-1');
  // The origin checks the signature exactly as docs/deployment.md documents (v2: the body, its type, the session and a request id too).
  const h = seen.headers;
  const digest = createHash('sha256').update(seen.body).digest('hex');
  const canonical = ['v2', h['x-mcp-auth-timestamp'], h['x-mcp-auth-request-id'], 'POST', '/mcp?x=1', 'application/json', 'session-1', digest, h['x-mcp-auth-subject'], h['x-mcp-auth-client-id'], h['x-mcp-auth-scopes'], h['x-mcp-auth-issuer']].join('\n');
  assert.equal(h['x-mcp-auth-signature'], `v2=${createHmac('sha256', SECRET).update(canonical).digest('hex')}`);
  assert.match(h['x-mcp-auth-request-id'], /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(Number(h['x-mcp-auth-timestamp']) - Date.now() / 1000) < 30);

  // A browser (Origin sent): the same response with the CORS headers set on it.
  const browser = await post(w, token, body, { origin: 'https://app.example.com', 'mcp-session-id': 'session-1' });
  assert.equal(browser.status, 200);
  assert.equal(browser.headers.get('access-control-allow-origin'), '*');
  assert.match(browser.headers.get('access-control-expose-headers'), /WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version/);
  assert.equal(browser.headers.get('mcp-session-id'), 'session-1');
  assert.equal((await browser.json()).body, body);
});

test("docs/deployment.md's origin check, run as written, accepts what the gateway signs and nothing replayed or altered", async () => {
  // The page's Express snippet, with the app it uses and one route that answers what fromGateway says.
  const page = readFileSync(`${repo}docs/deployment.md`, 'utf8');
  const snippet = [...page.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]).find((code) => code.includes('function fromGateway'));
  assert.ok(snippet, 'docs/deployment.md shows the origin side of the identity headers');
  const module = `${repo}tests/js/.origin-example-${process.pid}.mjs`;
  writeFileSync(module, `import express from 'express';\nconst app = express();\n${snippet}\nconst requests = [];\napp.post('/mcp', (req, res) => { requests.push({ headers: { ...req.headers }, body: req.rawBody.toString() }); res.json({ trusted: fromGateway(req, ${JSON.stringify(SECRET)}) }); });\nexport { app, requests };\n`);
  after(() => rmSync(module, { force: true }));
  const { app, requests } = await import(pathToFileURL(module).href);
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  after(() => server.close());
  const originUrl = `http://127.0.0.1:${server.address().port}`;
  const w = await worker({ upstream: `${originUrl}/mcp` });
  const token = await signEs256(claims());

  const res = await post(w, token, tool('get_pet_profile'));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { trusted: true }, 'what the gateway forwards passes the documented check');

  // The same signed headers sent again, or with another body, straight to the origin.
  const { headers, body } = requests[0];
  const resend = (b) => fetch(`${originUrl}/mcp`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(b)) }, body: b }).then((r) => r.json());
  assert.deepEqual(await resend(body), { trusted: false }, 'a replay');
  assert.deepEqual(await resend(JSON.stringify(tool('update_pet_profile'))), { trusted: false }, 'another body under the same signature');
});

test('identitySignature "v1" (deprecated, kept for one release) still signs the v1 canonical string', async () => {
  const w = await worker({ mcpAuth: config({ identitySignature: 'v1' }) });
  const res = await post(w, await signEs256(claims()), tool('get_pet_profile'), {}, '/mcp?x=1');
  const h = (await res.json()).headers;
  const canonical = ['v1', h['x-mcp-auth-timestamp'], 'POST', '/mcp?x=1', h['x-mcp-auth-subject'], h['x-mcp-auth-client-id'], h['x-mcp-auth-scopes'], h['x-mcp-auth-issuer']].join('\n');
  assert.equal(h['x-mcp-auth-signature'], `v1=${createHmac('sha256', SECRET).update(canonical).digest('hex')}`);
  assert.equal(h['x-mcp-auth-request-id'], undefined);
});

/**
 * One HTTP/1.1 request written by hand (fetch clients refuse to send a
 * Connection header with options), the connection closed after it; resolves
 * to the response body, de-chunked.
 */
function rawRequest(url, lines, body) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = Buffer.alloc(0);
    socket.on('data', (d) => (data = Buffer.concat([data, d])));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = data.toString();
      const split = text.indexOf('\r\n\r\n');
      const [head, rest] = [text.slice(0, split), text.slice(split + 4)];
      if (!/transfer-encoding: chunked/i.test(head)) return resolve(rest);
      let out = '';
      for (let at = 0; ; ) {
        const eol = rest.indexOf('\r\n', at);
        const size = parseInt(rest.slice(at, eol), 16);
        if (!size) return resolve(out);
        out += rest.slice(eol + 2, eol + 2 + size);
        at = eol + 2 + size + 2;
      }
    });
    socket.end(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

test('fields a Connection header names stop at the gateway (RFC 9110 §7.6.1)', async () => {
  const w = await worker();
  const token = await signEs256(claims());
  const body = JSON.stringify(tool('get_pet_profile'));
  const seen = JSON.parse(
    await rawRequest(
      w.url,
      ['POST /mcp HTTP/1.1', `Host: ${new URL(RESOURCE).host}`, `Authorization: Bearer ${token}`, 'Content-Type: application/json', 'Connection: close, X-Hop-Secret, x-other', 'X-Hop-Secret: 1', 'X-Other: 2', 'X-Kept: 3'],
      body,
    ),
  );
  assert.equal(seen.body, body);
  assert.equal(seen.headers['x-hop-secret'], undefined);
  assert.equal(seen.headers['x-other'], undefined);
  assert.equal(seen.headers['x-kept'], '3', 'fields not named in Connection still pass');
  assert.equal(seen.headers['x-mcp-auth-subject'], 'bob');
});

test('refusals carry the core challenge: 401, 401 invalid_token, 403 per tool, 400, 413', async () => {
  const w = await worker();
  let res = await post(w, undefined);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer scope="mcp:access", resource_metadata="https://gateway.example.com/.well-known/oauth-protected-resource/mcp"');
  for (const [extra, code] of [[{ aud: 'https://other.example/mcp' }, 'ERR_JWT_AUDIENCE'], [{ exp: 1000 }, 'ERR_JWT_EXPIRED']]) {
    res = await post(w, await signEs256(claims(extra)));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).code, code);
  }
  const t = await signEs256(claims());
  res = await post(w, `${t.slice(0, -4)}AAAA`);
  assert.equal((await res.json()).code, 'ERR_JWS_SIGNATURE');
  res = await post(w, t, tool('update_pet_profile'));
  assert.equal(res.status, 403);
  assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope".*scope="mcp:access pet-profile:write"/);
  res = await post(w, t, '{not json');
  assert.equal(res.status, 400);
  res = await post(w, t, 'x'.repeat(5000));
  assert.equal(res.status, 413);
});

test('metadata at every probed URL, CORS preflight, 404 elsewhere, Origin allowlist', async () => {
  const w = await worker({ mcpAuth: config({ allowedOrigins: ['https://app.example.com'] }) });
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource', '/mcp/.well-known/oauth-protected-resource']) {
    const res = await w.fetch(path);
    assert.equal(res.status, 200, path);
    assert.equal((await res.json()).resource, RESOURCE);
    assert.match(res.headers.get('cache-control'), /max-age/);
  }
  let res = await w.fetch('/mcp', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.match(res.headers.get('access-control-allow-headers'), /Authorization/);
  res = await w.fetch('/elsewhere');
  assert.equal(res.status, 404);
  res = await post(w, await signEs256(claims()), undefined, { origin: 'https://evil.example.com' });
  assert.equal(res.status, 403);
});

test('Host is checked before anything else: another host is 421, allowedHosts adds hosts', async () => {
  const w = await worker();
  const t = await signEs256(claims());
  assert.equal((await post(w, t)).status, 200);
  for (const [path, init] of [['/mcp', { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' }], ['/.well-known/oauth-protected-resource/mcp', {}], ['/mcp', { method: 'OPTIONS' }]]) {
    // What a page on a rebound name (evil.example resolving to this server) would send.
    const res = await w.mf.dispatchFetch(`http://evil.example${path}`, init);
    assert.equal(res.status, 421, path);
    assert.equal((await res.json()).code, 'ERR_HOST_NOT_ALLOWED');
  }
  const local = await worker({ mcpAuth: config({ allowedHosts: ['127.0.0.1', 'gateway.workers.example'] }) });
  assert.equal((await local.mf.dispatchFetch(`https://gateway.workers.example/mcp`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' })).status, 200);
  assert.equal((await fetch(`${local.url}/.well-known/oauth-protected-resource/mcp`)).status, 200, 'the socket, by the allowed 127.0.0.1');
  assert.equal((await local.mf.dispatchFetch('https://other.workers.example/mcp')).status, 421);
  await sleep(200);
  assert.ok(w.logs.some((l) => l.message.includes('"status":421') && l.message.includes('ERR_HOST_NOT_ALLOWED')), 'logged');
});

test("a browser gets the gateway's CORS answer without losing the origin's exposed headers", async () => {
  const w = await worker();
  const res = await w.fetch('/mcp/cors', { headers: { authorization: `Bearer ${await signEs256(claims())}`, origin: 'https://app.example.com' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*', "the gateway decides who may read");
  const exposed = res.headers.get('access-control-expose-headers').split(',').map((h) => h.trim().toLowerCase());
  for (const h of ['last-event-id', 'x-origin-own', 'www-authenticate', 'mcp-session-id', 'mcp-protocol-version']) assert.ok(exposed.includes(h), `${h} in ${exposed}`);
  assert.match(res.headers.get('vary') ?? '', /Accept/);
});

test('a bad config answers 500 naming the field, for every request', async () => {
  const w = await worker({ mcpAuth: config({ issuers: [{ issuer: ISSUER, algorithms: ['HS256'] }] }) });
  for (const path of ['/mcp', '/.well-known/oauth-protected-resource/mcp']) {
    const res = await w.fetch(path);
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.field, 'issuers[0].algorithms[0]');
  }
  const asText = await worker({ mcpAuth: JSON.stringify(config()) });
  assert.equal((await post(asText, await signEs256(claims()))).status, 200, 'MCP_AUTH as a JSON string works too');
  for (const upstream of ['http://127.0.0.1:1/mcp#part', 'ftp://127.0.0.1/mcp', '/mcp', 'not a url']) {
    const bad = await worker({ upstream });
    const res = await post(bad, await signEs256(claims()));
    assert.equal(res.status, 500, upstream);
    assert.equal((await res.json()).field, 'UPSTREAM_URL', upstream);
  }
});

test('one info-level decision line per request, never the token; decisionLog "refusals" keeps only refusals', async () => {
  const decisions = (w) => w.logs.filter((l) => l.message.includes('"event":"decision"')).map((l) => ({ level: l.level, ...JSON.parse(l.message) }));
  const token = await signEs256(claims());
  const all = await worker();
  assert.equal((await post(all, token, tool('get_pet_profile'))).status, 200);
  assert.equal((await post(all, token, tool('update_pet_profile'))).status, 403);
  assert.equal((await post(all, null)).status, 401);
  await sleep(200);
  const lines = decisions(all);
  assert.deepEqual(lines.map((l) => [l.level, l.status, l.code, l.tool]), [
    ['info', 200, null, 'get_pet_profile'],
    ['info', 403, 'ERR_INSUFFICIENT_SCOPE', 'update_pet_profile'],
    // Without credentials the body is never read, so no operation is named.
    ['info', 401, 'ERR_NO_BEARER_TOKEN', null],
  ]);
  assert.equal(lines[0].subject, 'bob');
  assert.equal(lines[0].clientId, 'vet-client');
  // A verified caller refused for what it asked is named, with the scopes it needed.
  assert.deepEqual([lines[1].subject, lines[1].clientId, lines[1].issuer, lines[1].neededScopes], ['bob', 'vet-client', ISSUER, ['mcp:access', 'pet-profile:write']]);
  assert.equal(lines[2].subject, null, 'no token, nobody named');
  assert.ok(all.logs.every((l) => !l.message.includes(token.split('.')[2])), 'the token is never logged');

  const refusals = await worker({ mcpAuth: config({ decisionLog: 'refusals' }) });
  assert.equal((await post(refusals, token, tool('get_pet_profile'))).status, 200);
  assert.equal((await post(refusals, token, tool('update_pet_profile'))).status, 403);
  await sleep(200);
  assert.deepEqual(decisions(refusals).map((l) => l.status), [403]);

  const bad = await worker({ mcpAuth: config({ decisionLog: 'some' }) });
  const res = await post(bad, token);
  assert.equal(res.status, 500);
  assert.equal((await res.json()).field, 'decisionLog');
});

test('an issuer without jwksUri: its key set is found by RFC 8414 discovery', async () => {
  const issuer = `${keys.url}/tenant`;
  const w = await worker({ mcpAuth: config({ issuers: [{ issuer }] }) });
  assert.equal((await post(w, await signEs256(claims({ iss: issuer })))).status, 200);
  assert.equal(keys.hits.get('/.well-known/oauth-authorization-server/tenant'), 1);
  // A token from the configured issuer at another path is not this issuer's.
  assert.equal((await post(w, await signEs256(claims({ iss: `${keys.url}/other` })))).status, 401);
});

test('SSE responses stream through; upstream down is 502, slow is 504', async () => {
  const w = await worker();
  const t = await signEs256(claims());
  const res = await w.fetch('/mcp/sse', { headers: { authorization: `Bearer ${t}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.equal(await res.text(), 'data: event-0\n\ndata: event-1\n\ndata: event-2\n\n');
  const slow = await post(w, t, undefined, {}, '/mcp/slow');
  assert.equal(slow.status, 504);
  const down = await worker({ upstream: 'http://127.0.0.1:9/mcp' });
  assert.equal((await post(down, t)).status, 502);
});

test('keys come from KV after a restart with the AS down; past maxStaleSeconds, 503', async () => {
  keyMode = 'ok';
  const persist = `${repo}target/gateway-kv-${process.pid}`;
  const first = await worker({ persist });
  const t = await signEs256(claims());
  assert.equal((await post(first, t)).status, 200);
  await first.mf.dispose();
  workers = workers.filter((w) => w !== first.mf);
  keyMode = 'down';
  const restarted = await worker({ persist });
  assert.equal((await post(restarted, t)).status, 200, 'keys from KV');
  await sleep(3500); // freshness 1 s + maxStaleSeconds 2 s
  const res = await post(restarted, t);
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  keyMode = 'ok';
});

test('key rotation: an unknown kid refetches exactly once, not within the cooldown', async () => {
  keyMode = 'long';
  const w = await worker({ mcpAuth: config({ jwksCooldownSeconds: 2 }) });
  keys.hits.clear();
  assert.equal((await post(w, await signEs256(claims()))).status, 200);
  assert.equal(keys.hits.get('/jwks'), 1);
  const rotated = await signEs256(claims(), { key: 'other-p256', kid: 'rotated' });
  let res = await post(w, rotated);
  assert.equal((await res.json()).code, 'ERR_JWKS_NO_MATCHING_KEY', 'within the cooldown: refused, no refetch');
  assert.equal(keys.hits.get('/jwks'), 1);
  keyMode = 'rotated';
  await sleep(2100);
  res = await post(w, rotated);
  assert.equal(res.status, 200, 'after the cooldown: one refetch finds the new key');
  assert.equal(keys.hits.get('/jwks'), 2);
  res = await post(w, await signEs256(claims(), { kid: 'unknown-kid' }));
  assert.equal(res.status, 401);
  assert.equal(keys.hits.get('/jwks'), 2, 'unknown kids do not cause a fetch storm');
  keyMode = 'ok';
});

test('DELETE of a session passes through; forwardToken opts in to passing the token', async () => {
  const t = await signEs256(claims());
  const w = await worker({ mcpAuth: config({ bindSessions: false }) });
  let res = await w.fetch('/mcp', { method: 'DELETE', headers: { authorization: `Bearer ${t}`, 'mcp-session-id': 'session-1' } });
  let seen = await res.json();
  assert.equal(seen.method, 'DELETE');
  assert.equal(seen.headers['mcp-session-id'], 'session-1');
  assert.equal(seen.headers.authorization, undefined);
  const forwarding = await worker({ mcpAuth: config({ forwardToken: true }) });
  res = await post(forwarding, t);
  seen = await res.json();
  assert.equal(seen.headers.authorization, `Bearer ${t}`);
});

test('fault injection: every broken key endpoint is a bounded 503 when no good keys exist, never an acceptance', async () => {
  const t = await signEs256(claims());
  for (const mode of ['slow', 'down', 'invalid', 'empty', 'huge', 'redirect']) {
    keyMode = mode;
    const w = await worker();
    const started = Date.now();
    const res = await post(w, t);
    const took = Date.now() - started;
    assert.equal(res.status, 503, mode);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, mode);
    assert.ok(took < 2500, `${mode}: ${took} ms`);
  }
  keyMode = 'ok';
});

test('fault injection: with good keys cached, broken key endpoints leave them in use until maxStaleSeconds', async () => {
  keyMode = 'ok';
  const w = await worker({ mcpAuth: config({ maxStaleSeconds: 30 }) });
  const t = await signEs256(claims());
  assert.equal((await post(w, t)).status, 200);
  for (const mode of ['invalid', 'empty', 'huge', 'down']) {
    keyMode = mode;
    await sleep(1100); // past freshness (1 s) and the cooldown (1 s): a refetch is attempted and fails
    assert.equal((await post(w, t)).status, 200, mode);
  }
  keyMode = 'ok';
});

test('fault injection: no KV namespace bound still validates (memory only)', async () => {
  keyMode = 'ok';
  const w = await worker({ kv: false, bindings: { JWKS_CACHE: 'not a namespace' } });
  assert.equal((await post(w, await signEs256(claims()))).status, 200);
  assert.equal((await post(w, await signEs256(claims({ aud: 'x' })))).status, 401);
});

test('fault injection: the origin resetting mid-stream and a client leaving mid-stream do not break the gateway', async () => {
  keyMode = 'ok';
  // The client that walks away speaks real HTTP to the socket.
  const w = await worker({ mcpAuth: config({ allowedHosts: ['127.0.0.1'] }) });
  const t = await signEs256(claims());
  const reset = await w.fetch('/mcp/reset', { headers: { authorization: `Bearer ${t}` } });
  assert.equal(reset.status, 200);
  const text = await reset.text().catch((e) => `error: ${e.message}`);
  assert.match(text, /first|error/);
  // A client that walks away from an endless stream.
  const controller = new AbortController();
  const endless = await fetch(`${w.url}/mcp/endless`, { headers: { authorization: `Bearer ${t}` }, signal: controller.signal });
  const reader = endless.body.getReader();
  await reader.read();
  controller.abort();
  await reader.read().catch(() => {});
  // The gateway still answers, promptly and correctly.
  for (let i = 0; i < 5; i++) {
    assert.equal((await post(w, t)).status, 200);
    assert.equal((await post(w, undefined)).status, 401);
  }
});
