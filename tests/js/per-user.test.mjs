// What the gateway does past single requests, against the real Worker in
// workerd with the MCP SDK's server as origin: tool lists that match the
// token (as JSON and as an event stream), streams that end with the token,
// sessions bound to the user who started them, limits per user; and the npm
// package's list filter for Node servers, by the same decision.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createAuth } from 'mcp-edge-auth';

import { startMcpServer } from '../../examples/vetassist/mcp-server.mjs';
import { freePort, publicJwk, signEs256, sleep, startGateway, startServer } from './helpers.mjs';

const ISSUER = 'https://auth.vetassist.test';
const SECRET = 'per-user-secret';
const TOOLS = { get_pet_profile: ['pet-profile:read'], get_vaccination_schedule: ['pet-profile:read'], book_appointment: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] };
const servers = [];
let keys;

const now = () => Math.floor(Date.now() / 1000);
const BOB = 'mcp:access pet-profile:read';
const ALICE = 'mcp:access pet-profile:read pet-profile:write';
const token = (sub, scope, extra = {}) =>
  signEs256({ iss: ISSUER, aud: extra.aud, sub, client_id: 'vet-app', scope, iat: now(), exp: now() + 600, jti: `${sub}-${Math.random()}`, ...extra });

before(async () => {
  keys = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk('p256')] })));
  servers.push(keys);
});

after(async () => {
  for (const s of servers.reverse()) await s.close();
});

/** The real Worker on its own port in front of `upstream`, with the demo's tool scopes. */
async function gateway(upstream, extra = {}, options = {}) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const mcpAuth = { resource, issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }], requiredScopes: ['mcp:access'], tools: TOOLS, ...extra };
  const gw = await startGateway({ mcpAuth, upstream, bindings: { MCP_AUTH_HMAC_SECRET: SECRET }, port, ...options });
  servers.push(gw);
  return { ...gw, resource };
}

/** POSTs JSON-RPC `message` with `t` as the token; more headers in `headers`. */
const post = (gw, t, message, headers = {}) =>
  fetch(gw.resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers },
    body: JSON.stringify(message),
  });

/** The JSON-RPC messages of a response, whether application/json or an event stream. */
async function messages(response) {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return [JSON.parse(text)].flat();
  return text
    .split(/\r?\n\r?\n/)
    .map((event) => event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
    .filter(Boolean)
    .map((data) => JSON.parse(data));
}

const listTools = { jsonrpc: '2.0', id: 'list-1', method: 'tools/list' };
const toolNames = async (response) => (await messages(response)).find((m) => m.id === 'list-1').result.tools.map((t) => t.name).sort();

for (const jsonResponse of [true, false]) {
  test(`filterLists: Bob's tools/list lacks update_pet_profile, Dr Alice's shows it (${jsonResponse ? 'application/json' : 'event stream'})`, async () => {
    const origin = await startMcpServer(0, SECRET, { jsonResponse });
    servers.push(origin);
    const gw = await gateway(origin.url);
    const bob = await post(gw, await token('bob', BOB, { aud: gw.resource }), listTools);
    assert.equal(bob.status, 200);
    assert.equal(bob.headers.get('content-type').split(';')[0], jsonResponse ? 'application/json' : 'text/event-stream');
    assert.deepEqual(await toolNames(bob), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule']);
    const alice = await post(gw, await token('dr-alice', ALICE, { aud: gw.resource }), listTools);
    assert.deepEqual(await toolNames(alice), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule', 'update_pet_profile']);
    // Off, the origin's list goes out as it came.
    const off = await gateway(origin.url, { filterLists: false });
    assert.deepEqual(await toolNames(await post(off, await token('bob', BOB, { aud: off.resource }), listTools)), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule', 'update_pet_profile']);
  });
}

/** Opens the session's GET stream; resolves to `{ text, ms }` when the gateway ends it, or `{ open: true }` after `waitMs`. */
async function stream(gw, t, session, waitMs) {
  const started = Date.now();
  const controller = new AbortController();
  const res = await fetch(gw.resource, { headers: { authorization: `Bearer ${t}`, accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }, signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let text = '';
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, ms: Date.now() - started };
      text += new TextDecoder().decode(value);
    }
  })().catch(() => ({ text, aborted: true }));
  const result = await Promise.race([done, sleep(waitMs).then(() => ({ open: true, text }))]);
  controller.abort();
  return result;
}

async function initialize(gw, t) {
  const res = await post(gw, t, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'per-user-test', version: '1' } } });
  assert.equal(res.status, 200);
  const session = res.headers.get('mcp-session-id');
  await res.text();
  const initialized = await post(gw, t, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': session });
  assert.equal(initialized.status, 202);
  return session;
}

test('endStreamsAtExpiry: a stream ends at exp + leeway; one with a long-lived token goes on', async () => {
  const origin = await startMcpServer(0, SECRET, { sessions: true });
  servers.push(origin);
  const gw = await gateway(origin.url, { leewaySeconds: 1 });
  const long = await token('bob', BOB, { aud: gw.resource });
  const session = await initialize(gw, long);
  const exp = now() + 3;
  const short = await token('bob', BOB, { aud: gw.resource, exp });
  const ended = await stream(gw, short, session, 10_000);
  assert.ok(!ended.open, 'the stream with the short-lived token was ended');
  const endedAt = Date.now() / 1000;
  assert.ok(endedAt >= exp + 1 - 0.5 && endedAt <= exp + 1 + 2, `ended at exp + ${(endedAt - exp).toFixed(2)} s (want exp + leeway 1 s)`);
  const open = await stream(gw, long, session, 5_000);
  assert.ok(open.open, 'the stream with the long-lived token is still open after 5 s');
});

test('endStreamsAtExpiry: the stream ends at an event boundary, never inside an event', async () => {
  // An origin that sends one event and half of the next, then the rest after the token's expiry.
  const origin = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\ndata: par');
    setTimeout(() => res.write('tial\n\ndata: never\n\n'), 3500);
    const keep = setInterval(() => {}, 1000);
    res.on('close', () => clearInterval(keep));
  });
  servers.push(origin);
  const gw = await gateway(`${origin.url}/mcp`, { leewaySeconds: 0, bindSessions: false });
  const t = await token('bob', BOB, { aud: gw.resource, exp: now() + 2 });
  const res = await fetch(gw.resource, { headers: { authorization: `Bearer ${t}`, accept: 'text/event-stream' } });
  const text = await res.text();
  assert.equal(text, 'data: one\n\ndata: partial\n\n');
});

test('bindSessions: a session started by Bob refuses Mallory (404, logged) and accepts Bob’s next token', async () => {
  const origin = await startMcpServer(0, SECRET, { sessions: true });
  servers.push(origin);
  const gw = await gateway(origin.url);
  const session = await initialize(gw, await token('bob', BOB, { aud: gw.resource }));
  assert.ok(session);

  const mallory = await post(gw, await token('mallory', BOB, { aud: gw.resource }), listTools, { 'mcp-session-id': session });
  assert.equal(mallory.status, 404);
  assert.deepEqual(await mallory.json(), { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found', data: { code: 'ERR_MCP_SESSION_NOT_FOUND' } }, id: null });
  // Another client of Bob's is another identity too.
  const otherApp = await post(gw, await token('bob', BOB, { aud: gw.resource, client_id: 'other-app' }), listTools, { 'mcp-session-id': session });
  assert.equal(otherApp.status, 404);

  const bobAgain = await post(gw, await token('bob', BOB, { aud: gw.resource }), listTools, { 'mcp-session-id': session });
  assert.equal(bobAgain.status, 200);
  assert.deepEqual(await toolNames(bobAgain), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule']);

  const unknown = await post(gw, await token('bob', BOB, { aud: gw.resource }), listTools, { 'mcp-session-id': 'never-started' });
  assert.equal(unknown.status, 404);

  // Ended by its owner: forgotten.
  const bob = await token('bob', BOB, { aud: gw.resource });
  const end = await fetch(gw.resource, { method: 'DELETE', headers: { authorization: `Bearer ${bob}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
  assert.equal(end.status, 200);
  assert.equal((await post(gw, bob, listTools, { 'mcp-session-id': session })).status, 404);

  await sleep(100);
  const lines = gw.logs.map((l) => l.message).filter((m) => m.includes('"event":"decision"')).map((m) => JSON.parse(m.slice(m.indexOf('{'))));
  const refused = lines.find((l) => l.subject === 'mallory');
  assert.equal(refused.code, 'ERR_MCP_SESSION_NOT_FOUND');
  assert.equal(refused.detail, 'another identity');
  assert.equal(refused.outcome, 'refused');
  assert.match(refused.session, /^[0-9a-f]{16}$/);
  assert.ok(!JSON.stringify(lines).includes(session), 'the session id itself is never logged');
  const started = lines.find((l) => l.subject === 'bob' && l.status === 200 && l.outcome === 'forwarded' && l.session);
  assert.equal(started.session, refused.session);
});

test('rateLimits: N per period per user, then 429 with Retry-After for that user only', async () => {
  const origin = await startMcpServer(0, SECRET, { jsonResponse: true });
  servers.push(origin);
  const gw = await gateway(origin.url, { rateLimits: [{ binding: 'PER_USER', by: 'subject', periodSeconds: 60 }] }, { ratelimits: { PER_USER: { simple: { limit: 3, period: 60 } } } });
  const bob = await token('bob', BOB, { aud: gw.resource });
  for (let i = 1; i <= 3; i++) assert.equal((await post(gw, bob, listTools)).status, 200, `request ${i}`);
  const fourth = await post(gw, bob, listTools);
  assert.equal(fourth.status, 429);
  assert.equal(fourth.headers.get('retry-after'), '60');
  assert.deepEqual(await fourth.json(), { jsonrpc: '2.0', error: { code: -32000, message: 'Too many requests', data: { code: 'ERR_RATE_LIMITED', retryAfter: 60 } }, id: null });
  assert.equal((await post(gw, await token('dr-alice', ALICE, { aud: gw.resource }), listTools)).status, 200, 'another user is not limited');

  // A limit on one tool counts only calls of that tool.
  const perTool = await gateway(origin.url, { rateLimits: [{ binding: 'WRITES', by: 'subjectAndClient', tools: ['get_pet_profile'], periodSeconds: 10 }] }, { ratelimits: { WRITES: { simple: { limit: 1, period: 10 } } } });
  const b = await token('bob', BOB, { aud: perTool.resource });
  const call = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'get_pet_profile', arguments: { petId: 'rex' } } };
  assert.equal((await post(perTool, b, call)).status, 200);
  assert.equal((await post(perTool, b, call)).status, 429);
  assert.equal((await post(perTool, b, listTools)).status, 200);
});

test('rateLimits naming a binding the Worker does not have: every request is refused, naming the field', async () => {
  const origin = await startMcpServer(0, SECRET, { jsonResponse: true });
  servers.push(origin);
  const gw = await gateway(origin.url, { rateLimits: [{ binding: 'MISSING', by: 'subject', periodSeconds: 60 }] });
  const res = await post(gw, await token('bob', BOB, { aud: gw.resource }), listTools);
  assert.equal(res.status, 500);
  const body = await res.json();
  assert.equal(body.field, 'rateLimits[0].binding');
});

test('npm package: auth.filterLists() gives a Node MCP server the same filtered lists', async () => {
  for (const enableJsonResponse of [true, false]) {
    const auth = createAuth({ resource: 'http://127.0.0.1/mcp', issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }], requiredScopes: ['mcp:access'], tools: TOOLS });
    const app = express();
    app.use(express.json());
    app.post('/mcp', auth.express(), auth.filterLists(), async (req, res) => {
      const server = new McpServer({ name: 'vetassist-node', version: '1' });
      for (const name of Object.keys(TOOLS)) server.registerTool(name, { description: name }, async () => ({ content: [{ type: 'text', text: name }] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
      res.on('close', () => transport.close());
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
    const port = await freePort();
    const listener = await new Promise((resolve) => {
      const l = app.listen(port, '127.0.0.1', () => resolve(l));
    });
    servers.push({ close: () => new Promise((resolve) => listener.close(resolve)) });
    const url = { resource: `http://127.0.0.1:${port}/mcp` };
    const bob = await post(url, await token('bob', BOB, { aud: 'http://127.0.0.1/mcp' }), listTools);
    assert.equal(bob.status, 200);
    assert.deepEqual(await toolNames(bob), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule'], enableJsonResponse ? 'json' : 'event stream');
    const alice = await post(url, await token('dr-alice', ALICE, { aud: 'http://127.0.0.1/mcp' }), listTools);
    assert.deepEqual(await toolNames(alice), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule', 'update_pet_profile']);
    // And as a function for servers that build their lists themselves.
    const info = (await auth.decide(`Bearer ${await token('bob', BOB, { aud: 'http://127.0.0.1/mcp' })}`)).authInfo;
    const entries = Object.keys(TOOLS).map((name) => ({ name, extra: 1 }));
    assert.deepEqual(auth.validator.filterList(info, 'tools', entries).map((e) => e.name), ['get_pet_profile', 'get_vaccination_schedule', 'book_appointment']);
    assert.equal(auth.validator.filterList(info, 'tools', entries)[0], entries[0], 'the caller’s own objects come back');
  }
});
