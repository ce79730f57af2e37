// Real MCP clients against the real Worker (build/worker in workerd) in front
// of the demo stack (the VetAssist authorization server and origin):
//   - the official Python SDK client (tests/interop/python_client.py, in the
//     venv scripts/setup.sh makes) with its default OAuth settings: discovery,
//     dynamic client registration, authorization code + PKCE with scripted
//     login and consent, per-tool step-up, Bob refused; and client credentials;
//   - the MCP Inspector's CLI with a bearer token: tools/list, tools/call
//     allowed and refused;
//   - headless Chromium on another origin doing a browser client's part: the
//     401 challenge read through CORS, the metadata, a tool call and
//     Mcp-Session-Id, with allowedOrigins excluding and then including it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { REMINDER_SERVICE, startAuthorizationServer } from '../../examples/vetassist/authorization-server.mjs';
import { startMcpServer } from '../../examples/vetassist/mcp-server.mjs';
import { freePort, repo, startGateway } from './helpers.mjs';

const run = promisify(execFile);
const SECRET = 'clients-test-secret';
const PYTHON = `${repo}target/interop/venv/bin/python`;
const TOOLS = { get_pet_profile: ['pet-profile:read'], get_vaccination_schedule: ['pet-profile:read'], book_appointment: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] };
let as;
const servers = [];

/** The demo's gateway config, for a gateway at `url`. */
const demoConfig = (url, extra = {}) => ({
  resource: `${url}/mcp`,
  issuers: [{ issuer: as.issuer }],
  requiredScopes: ['mcp:access'],
  scopesSupported: ['mcp:access', 'pet-profile:read', 'pet-profile:write'],
  tools: TOOLS,
  resourceName: 'VetAssist MCP',
  ...extra,
});

/** The demo stack's origin behind a gateway on a port of its own. */
async function gatewayInFront(origin, extra) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gw = await startGateway({ mcpAuth: demoConfig(url, extra), upstream: origin.url, bindings: { MCP_AUTH_HMAC_SECRET: SECRET }, port });
  servers.push(gw);
  return { ...gw, mcp: `${url}/mcp` };
}

let gateway;
let origin;
before(async () => {
  as = await startAuthorizationServer(await freePort());
  servers.push(as);
  origin = await startMcpServer(0, SECRET);
  servers.push(origin);
  gateway = await gatewayInFront(origin);
});

after(async () => {
  for (const s of servers.reverse()) await s.close();
});

/** Runs the Python client; resolves to its report lines. */
async function python(...args) {
  assert.ok(existsSync(PYTHON), 'the interop venv (scripts/setup.sh setup_interop)');
  const { stdout } = await run(PYTHON, [`${repo}tests/interop/python_client.py`, ...args], { timeout: 120_000 });
  return stdout.trim().split('\n').map((l) => JSON.parse(l));
}

const of = (lines, event) => lines.filter((l) => l.event === event);

test('the Python SDK client, default settings: registration, PKCE, login and consent, step-up; Bob refused update_pet_profile', async () => {
  const bob = await python('user', gateway.mcp, 'bob', JSON.stringify([['get_pet_profile', { petId: 'rex' }], ['update_pet_profile', { petId: 'rex', weightKg: 1 }]]));
  const [registered] = of(bob, 'registered');
  assert.ok(registered.grant_types.includes('refresh_token'), 'the SDK registers refresh_token by default, and the demo AS takes it');
  assert.ok(of(bob, 'authorization').every((a) => a.code_challenge_method === 'S256' && a.resource === gateway.mcp));
  // The list is filtered by the token (filterLists): his first token holds only mcp:access, which no tool is enough for.
  assert.deepEqual(of(bob, 'tools')[0].names, []);
  const [read, write] = of(bob, 'call');
  assert.equal(read.ok, true);
  assert.match(read.text, /"name":"Rex"/);
  assert.equal(write.ok, false, 'Bob may not update a profile');
  assert.ok(of(bob, 'authorization').length >= 2, 'the SDK tried to step up for pet-profile:write');

  const alice = await python('user', gateway.mcp, 'dr-alice', JSON.stringify([['get_pet_profile', { petId: 'rex' }], ['update_pet_profile', { petId: 'rex', weightKg: 30 }], ['get_pet_profile', { petId: 'rex' }]]));
  const calls = of(alice, 'call');
  assert.deepEqual(calls.map((c) => c.ok), [true, true, true], JSON.stringify(calls));
  assert.match(calls[1].text, /"updated":true/);
  const last = of(alice, 'token').at(-1);
  assert.ok(last.scope.includes('pet-profile:read') && last.scope.includes('pet-profile:write'), last.scope);
  assert.equal(last.refresh_token, true, 'refresh tokens are on');
});

test('the Python SDK client-credentials provider reads a schedule', async () => {
  const lines = await python('machine', gateway.mcp, REMINDER_SERVICE.client_id, REMINDER_SERVICE.client_secret, as.issuer, JSON.stringify([['get_vaccination_schedule', { petId: 'tom' }]]));
  const [call] = of(lines, 'call');
  assert.equal(call.ok, true, JSON.stringify(lines));
  assert.match(call.text, /FVRCP/);
});

/** A token for the gateway's resource from the demo AS, by client credentials. */
async function machineToken(resource) {
  const res = await fetch(`${as.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${REMINDER_SERVICE.client_id}:${REMINDER_SERVICE.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:access pet-profile:read', resource }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).access_token;
}

test("the MCP Inspector's CLI with a bearer token: tools/list, a call, a refused call", async () => {
  const inspector = async (mcp, ...args) => {
    const token = await machineToken(mcp);
    // The CLI keeps state under HOME; proxies variables would load a client Node 20 cannot run.
    const env = { ...process.env, HOME: `${repo}target/interop/home`, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[k];
    const argv = ['--cli', mcp, '--transport', 'http', '--header', `Authorization: Bearer ${token}`, '--stored-auth-only', ...args];
    try {
      const { stdout } = await run(`${repo}tests/js/node_modules/.bin/mcp-inspector`, argv, { env, timeout: 60_000 });
      return { code: 0, out: stdout };
    } catch (e) {
      return { code: e.code, out: `${e.stdout}${e.stderr}` };
    }
  };
  const list = await inspector(gateway.mcp, '--method', 'tools/list');
  assert.equal(list.code, 0, list.out);
  // Filtered by the token's scopes (mcp:access pet-profile:read): update_pet_profile is not listed.
  assert.deepEqual(JSON.parse(list.out).tools.map((t) => t.name).sort(), ['book_appointment', 'get_pet_profile', 'get_vaccination_schedule']);
  const call = await inspector(gateway.mcp, '--method', 'tools/call', '--tool-name', 'get_vaccination_schedule', '--tool-arg', 'petId=tom');
  assert.equal(call.code, 0, call.out);
  assert.match(JSON.parse(call.out).content[0].text, /FVRCP/);
  // The tool is not in this token's list, so the CLI does not even try it.
  const unlisted = await inspector(gateway.mcp, '--method', 'tools/call', '--tool-name', 'update_pet_profile', '--tool-arg', 'petId=rex', 'weightKg=1');
  assert.notEqual(unlisted.code, 0, unlisted.out);
  assert.match(unlisted.out, /Tool 'update_pet_profile' not found/);
  // With the origin's full list (filterLists off), the CLI calls it, reads the 403's challenge
  // (insufficient_scope and the scopes it names) and gives up with an error.
  const full = await gatewayInFront(origin, { filterLists: false });
  const refused = await inspector(full.mcp, '--method', 'tools/call', '--tool-name', 'update_pet_profile', '--tool-arg', 'petId=rex', 'weightKg=1');
  assert.notEqual(refused.code, 0, refused.out);
  assert.match(JSON.parse(refused.out).error.message, /Insufficient scope: required "mcp:access pet-profile:write/);
});

/** What a browser client on `pageOrigin` sees of the gateway at `mcp`, with `token`. */
async function browserClient(browser, pageUrl, mcp, token) {
  const page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    return await page.evaluate(
      async ({ mcp, token }) => {
        const out = {};
        const post = (body, headers = {}) =>
          fetch(mcp, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
        const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser', version: '1' } } };
        try {
          const anonymous = await post(initialize);
          out.unauthenticated = { status: anonymous.status, challenge: anonymous.headers.get('www-authenticate') };
          const metadataUrl = /resource_metadata="([^"]+)"/.exec(out.unauthenticated.challenge ?? '')?.[1];
          out.metadata = metadataUrl && (await (await fetch(metadataUrl)).json());
          const auth = { authorization: `Bearer ${token}` };
          const init = await post(initialize, auth);
          out.sessionId = init.headers.get('mcp-session-id');
          await init.text();
          const session = { ...auth, 'mcp-session-id': out.sessionId, 'mcp-protocol-version': '2025-11-25' };
          await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
          const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_vaccination_schedule', arguments: { petId: 'tom' } } }, session);
          out.call = { status: call.status, body: await call.text() };
        } catch (e) {
          out.error = String(e);
        }
        return out;
      },
      { mcp, token },
    );
  } finally {
    await page.close();
  }
}

test('a browser client on another origin: challenge, metadata, a tool call and Mcp-Session-Id through CORS; refused when its origin is not allowed', async () => {
  const pageServer = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>MCP browser client</title>'));
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  const pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  const origin = await startMcpServer(0, SECRET, { sessions: true });
  servers.push(origin, { close: () => new Promise((r) => (pageServer.closeAllConnections(), pageServer.close(r))) });
  const allowing = await gatewayInFront(origin, { allowedOrigins: [pageOrigin] });
  const excluding = await gatewayInFront(origin, { allowedOrigins: ['https://vetassist.example'] });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const seen = await browserClient(browser, `${pageOrigin}/`, allowing.mcp, await machineToken(allowing.mcp));
    assert.equal(seen.error, undefined, seen.error);
    assert.equal(seen.unauthenticated.status, 401);
    assert.match(seen.unauthenticated.challenge, /^Bearer .*resource_metadata="/, 'WWW-Authenticate is readable from the page');
    assert.equal(seen.metadata.resource, allowing.mcp);
    assert.match(seen.sessionId ?? '', /^[0-9a-f-]{36}$/, 'Mcp-Session-Id is readable from the page');
    assert.equal(seen.call.status, 200);
    assert.match(seen.call.body, /FVRCP/);

    const refused = await browserClient(browser, `${pageOrigin}/`, excluding.mcp, await machineToken(excluding.mcp));
    assert.match(refused.error ?? '', /Failed to fetch/, 'a page on an origin not allowed cannot even read the answer');
    const status = (await fetch(excluding.mcp, { method: 'POST', headers: { origin: pageOrigin } })).status;
    assert.equal(status, 403, 'what the browser was not allowed to read: 403');
  } finally {
    await browser.close();
  }
});
