// The origin executes exactly what the gateway authorized: each attack found
// against the gateway, replayed against the real Worker (build/worker, in
// workerd through Miniflare) in front of the VetAssist origin built the usual
// way (Express 5, express.json(), the MCP SDK's Streamable HTTP transport),
// which reports every tool call and resource read it dispatches. Between the
// two sits a recorder that keeps each request exactly as the origin received
// it, so the tests can also replay what a leak would expose.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, test } from 'node:test';

import { startMcpServer } from '../../examples/vetassist/mcp-server.mjs';
import { publicJwk, signEs256, sleep, startGateway, startServer } from './helpers.mjs';

const RESOURCE = 'https://gateway.example.com/mcp';
const ISSUER = 'https://auth.example.com';
const SECRET = 'origin-shared-secret';

let keys;
let origin;
let recorder;
let gateway;
const executed = [];
const received = [];

before(async () => {
  keys = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk('p256')] })));
  // SECURITY_TESTS_ALLOW_V1=1 lets the origin take v1 signatures, to run these tests against a gateway build from before v2.
  origin = await startMcpServer(0, SECRET, { onExecute: (e) => executed.push(e), allowV1: process.env.SECURITY_TESTS_ALLOW_V1 === '1' });
  // Records each request exactly as it reaches the origin, then passes it on.
  const target = new URL(origin.url);
  recorder = await startServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    received.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body });
    const upstream = await send(`http://${target.host}${req.url}`, { method: req.method, headers: req.headers, body });
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  });
  gateway = await startGateway({
    mcpAuth: {
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }],
      requiredScopes: ['mcp:access'],
      tools: { get_pet_profile: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] },
      resources: { 'vet://records/rex': ['records:read'] },
      maxBodyBytes: 4096,
      // The bounded-reading test speaks HTTP to the socket itself.
      allowedHosts: ['127.0.0.1'],
    },
    upstream: `${recorder.url}/mcp`,
    bindings: { MCP_AUTH_HMAC_SECRET: SECRET },
  });
});

after(async () => {
  await gateway?.close();
  await recorder?.close();
  await origin?.close();
  await keys?.close();
});

beforeEach(() => {
  executed.length = 0;
  received.length = 0;
});

/** One plain HTTP exchange with a fully read answer (so a test can send exactly the bytes it wants). */
function send(url, { method = 'POST', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const claims = (extra = {}) => ({ iss: ISSUER, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600, sub: 'bob', client_id: 'vet-client', scope: 'mcp:access pet-profile:read', ...extra });
const bob = () => signEs256(claims());
const alice = () => signEs256(claims({ sub: 'dr-alice', scope: 'mcp:access pet-profile:read pet-profile:write records:read' }));
const call = (name, args) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const read = (uri) => ({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });

/** POSTs an MCP message through the gateway as an MCP client would; `body` may be raw bytes. */
async function mcp(token, body, headers = {}) {
  const res = await gateway.fetch('/mcp', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // The SDK answers a request as one event-stream message.
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  return { status: res.status, text, message: data ? JSON.parse(data.slice(6)) : undefined };
}

/** What the origin ran, without the arguments. */
const ran = () => executed.map((e) => `${e.kind} ${e.name} as ${e.subject}`);

test('a body is forwarded only with one meaning: charset and content-coding tricks are refused unread (415)', async () => {
  // Positive control: the origin runs what the gateway allowed.
  let r = await mcp(await bob(), call('get_pet_profile', { petId: 'rex' }));
  assert.equal(r.status, 200);
  assert.deepEqual(ran(), ['tool get_pet_profile as bob']);
  executed.length = 0;
  received.length = 0;

  // UTF-7: to UTF-8 eyes the body calls get_pet_profile; body-parser decodes +ACI- as '"' and runs update_pet_profile.
  const utf7 =
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile","arguments":{"petId":"rex","note":"+ACI-},+ACI-name+ACI-:+ACI-update_pet_profile+ACI-,+ACI-arguments+ACI-:{+ACI-petId+ACI-:+ACI-rex+ACI-,+ACI-weightKg+ACI-:999,+ACI-y+ACI-:+ACI-"}}}';
  const cases = [
    ['charset=utf-7', utf7, { 'content-type': 'application/json; charset=utf-7' }, 'ERR_MCP_CONTENT_TYPE'],
    ['charset=utf-16le', Buffer.from(JSON.stringify(call('update_pet_profile', { petId: 'rex', weightKg: 1 })), 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }, 'ERR_MCP_CONTENT_TYPE'],
    ['no Content-Type', JSON.stringify(call('update_pet_profile', { petId: 'rex', weightKg: 1 })), { 'content-type': '' }, 'ERR_MCP_CONTENT_TYPE'],
    ['gzip', gzipSync(JSON.stringify(call('update_pet_profile', { petId: 'rex', weightKg: 1 }))), { 'content-encoding': 'gzip' }, 'ERR_MCP_CONTENT_ENCODING'],
    ['deflate behind a ping', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'content-encoding': 'deflate' }, 'ERR_MCP_CONTENT_ENCODING'],
  ];
  for (const [what, body, headers, code] of cases) {
    r = await mcp(await bob(), body, headers);
    assert.equal(r.status, 415, what);
    assert.equal(JSON.parse(r.text).code, code, what);
  }
  assert.deepEqual(ran(), [], 'the origin ran nothing');
  assert.equal(received.length, 0, 'nothing reached the origin');

  // An accepted body reaches the origin byte for byte, labelled application/json whatever the client wrote.
  const body = JSON.stringify(call('get_pet_profile', { petId: 'tom' }));
  r = await mcp(await bob(), body, { 'content-type': 'Application/JSON; charset="UTF-8"' });
  assert.equal(r.status, 200);
  assert.equal(received[0].headers['content-type'], 'application/json');
  assert.equal(received[0].body.toString(), body);
});

test('a resource is judged in the form the SDK looks it up by: no spelling reaches it under a weaker rule', async () => {
  const spellings = ['vet://records/rex', 'VET://records/rex', 'vet://records/./rex', 'vet://records/x/../rex', 'vet://records/%2E/rex', 'vet://records/%72ex', '\tvet://records/rex', ' vet://records/rex', 'vet://records/rex\n', 'vet://records/rex#top'];
  for (const uri of spellings) {
    const r = await mcp(await bob(), read(uri));
    assert.equal(r.status, 403, JSON.stringify(uri));
    assert.match(r.text, /ERR_INSUFFICIENT_SCOPE/);
  }
  assert.deepEqual(ran(), [], 'Bob read no record');
  // Dr Alice holds records:read: the SDK serves her the record under the canonical spellings.
  for (const uri of ['vet://records/rex', 'VET://records/./rex']) {
    const r = await mcp(await alice(), read(uri));
    assert.equal(r.status, 200, uri);
    assert.equal(r.message.result.contents[0].uri, 'vet://records/rex');
  }
  assert.deepEqual(ran(), ['resource vet://records/rex as dr-alice', 'resource vet://records/rex as dr-alice']);
  // Names the origin could read differently are refused, not compared.
  for (const name of [' update_pet_profile', 'update_pet_profile\n', 'get_pet_profile\u0000']) {
    const r = await mcp(await bob(), call(name, { petId: 'rex', weightKg: 1 }));
    assert.equal(r.status, 400, JSON.stringify(name));
  }
  assert.deepEqual(ran().length, 2);
});

test('the identity signature binds the request: a leaked set of signed headers cannot be replayed or reused', async () => {
  const r = await mcp(await bob(), call('get_pet_profile', { petId: 'rex' }));
  assert.equal(r.status, 200);
  assert.equal(executed.length, 1);
  const leaked = received[0];
  const direct = (body) => send(origin.url, { method: 'POST', headers: { ...leaked.headers, 'content-length': String(Buffer.byteLength(body)) }, body });
  // The same request again, straight to the origin.
  let replay = await direct(leaked.body);
  assert.equal(replay.status, 401);
  assert.match(replay.body.toString(), /replayed request/);
  // The same headers with another body.
  replay = await direct(JSON.stringify(call('update_pet_profile', { petId: 'rex', weightKg: 999 })));
  assert.equal(replay.status, 401);
  assert.match(replay.body.toString(), /bad signature/);
  // With another session or content type.
  for (const change of [{ 'mcp-session-id': 'someone-else' }, { 'content-type': 'application/json; charset=utf-7' }]) {
    const res = await send(origin.url, { method: 'POST', headers: { ...leaked.headers, ...change, 'x-mcp-auth-request-id': crypto.randomUUID() }, body: leaked.body });
    assert.equal(res.status, 401, JSON.stringify(change));
  }
  assert.equal(executed.length, 1, 'only the gateway-authorized request ran');
  assert.match(leaked.headers['x-mcp-auth-signature'], /^v2=/);
});

test('only scope tokens are forwarded as scopes', async () => {
  const token = await signEs256(claims({ scope: undefined, scp: ['mcp:access', 'pet-profile:read', 'x pet-profile:write'] }));
  let r = await mcp(token, call('update_pet_profile', { petId: 'rex', weightKg: 1 }));
  assert.equal(r.status, 403);
  r = await mcp(token, call('get_pet_profile', { petId: 'rex' }));
  assert.equal(r.status, 200);
  assert.equal(received[0].headers['x-mcp-auth-scopes'], 'mcp:access pet-profile:read');
  assert.deepEqual(executed.map((e) => e.scopes), [['mcp:access', 'pet-profile:read']]);
});

/**
 * Starts a chunked POST through the gateway's socket and writes `chunk`
 * every 20 ms without ever ending it; resolves with the status of a response
 * that arrives while the body is still being sent (or rejects after `ms`).
 */
function answerBeforeTheEnd(headers, chunk, ms = 5000) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = httpRequest(`${gateway.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } });
    const timer = setInterval(() => {
      sent += chunk.length;
      req.write(chunk);
    }, 20);
    const done = (fn) => {
      clearInterval(timer);
      clearTimeout(limit);
      req.destroy();
      fn();
    };
    const limit = setTimeout(() => done(() => reject(new Error(`no answer within ${ms} ms while ${sent} bytes were sent`))), ms);
    req.on('response', (res) => done(() => resolve({ status: res.statusCode, sent })));
    req.on('error', () => {});
    req.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"');
  });
}

test('bodies are read counted: no credentials, no read; 413 as soon as maxBodyBytes is passed', async () => {
  const chunk = 'x'.repeat(1024);
  const anonymous = await answerBeforeTheEnd({}, chunk);
  assert.equal(anonymous.status, 401);
  const oversized = await answerBeforeTheEnd({ authorization: `Bearer ${await bob()}` }, chunk);
  assert.equal(oversized.status, 413);
  assert.ok(oversized.sent < 64 * 1024, `413 after ${oversized.sent} bytes`);
  // A small Content-Length beside Transfer-Encoding: chunked does not frame the body
  // (RFC 9112 §6.3): still read counted, still refused as soon as it passes the limit.
  const smuggled = await answerBeforeTheEnd({ authorization: `Bearer ${await bob()}`, 'content-length': '10' }, chunk);
  assert.equal(smuggled.status, 413);
  assert.ok(smuggled.sent < 64 * 1024, `413 after ${smuggled.sent} bytes`);
  assert.equal(received.length, 0);
});

test('identity and forwarding headers in any spelling stop at the gateway; subjects travel unchanged', async () => {
  const spoofs = { X_MCP_Auth_Subject: 'admin', 'x_mcp_auth_scopes': 'everything', 'X-Forwarded-For': '10.0.0.1', X_Forwarded_Host: 'internal', Forwarded: 'for=10.0.0.1', 'X-Real-IP': '10.0.0.1' };
  let r = await mcp(await bob(), call('get_pet_profile', { petId: 'rex' }), spoofs);
  assert.equal(r.status, 200);
  const names = received[0].rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replaceAll('_', '-'));
  for (const name of ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip']) assert.ok(!names.includes(name), name);
  assert.deepEqual(names.filter((n) => n.startsWith('x-mcp-auth-')).sort(), ['x-mcp-auth-client-id', 'x-mcp-auth-issuer', 'x-mcp-auth-request-id', 'x-mcp-auth-scopes', 'x-mcp-auth-signature', 'x-mcp-auth-subject', 'x-mcp-auth-timestamp']);
  assert.equal(received[0].headers['x-mcp-auth-subject'], 'bob');

  // A subject with spaces at its ends reaches the origin, whose signature check passes, as itself.
  executed.length = 0;
  r = await mcp(await signEs256(claims({ sub: ' bob ' })), call('get_pet_profile', { petId: 'rex' }));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(ran(), ['tool get_pet_profile as  bob ']);
  await sleep(0);
});
