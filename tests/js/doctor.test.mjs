// `mcp-edge-auth doctor`, the command the packed tarball installs, against
// live set-ups: the demo stack (its authorization server, its origin MCP
// server, the real Worker in workerd) passes every check, with a valid token
// too; each deliberately broken set-up fails exactly the check that names
// what is broken, with exit status 1; the token goes to the MCP URL only and
// is never printed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { startAuthorizationServer } from '../../examples/vetassist/authorization-server.mjs';
import { startMcpServer } from '../../examples/vetassist/mcp-server.mjs';
import { freePort, privateJwk, publicJwk, repo, signEs256, startGateway } from './helpers.mjs';

const BIN = `${repo}tests/js/node_modules/.bin/mcp-edge-auth`;
const SECRET = 'doctor-test-secret';
const TOOLS = { get_pet_profile: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] };
const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
const servers = [];
let as;
let gateway;
let mcp;
let configFile;

/** Runs the packaged command; resolves to its exit status and output (parsed with --json). */
function doctor(args, { stdin } = {}) {
  return new Promise((resolve) => {
    const child = execFile(BIN, ['doctor', ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      let report;
      try {
        report = JSON.parse(stdout);
      } catch {
        report = undefined;
      }
      resolve({ code, stdout, stderr, report });
    });
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

const failing = (report) => report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  // The demo's authorization server, signing with the committed test key so tests can mint tokens it would.
  as = await startAuthorizationServer(await freePort(), { keys: [{ ...privateJwk('p256'), kid: 'p256', alg: 'ES256', use: 'sig' }] });
  servers.push(as);
  const origin = await startMcpServer(0, SECRET);
  servers.push(origin);
  const port = await freePort();
  mcp = `http://127.0.0.1:${port}/mcp`;
  const config = {
    resource: mcp,
    issuers: [{ issuer: as.issuer }],
    requiredScopes: ['mcp:access'],
    scopesSupported: ['mcp:access', 'pet-profile:read', 'pet-profile:write'],
    tools: TOOLS,
  };
  configFile = join(dir, 'mcp-auth.json');
  writeFileSync(configFile, JSON.stringify(config));
  gateway = await startGateway({ mcpAuth: config, upstream: origin.url, bindings: { MCP_AUTH_HMAC_SECRET: SECRET }, port });
  servers.push(gateway);
});

after(async () => {
  for (const s of servers.reverse()) await s.close();
});

const token = (claims = {}) =>
  signEs256({ iss: as.issuer, sub: 'bob', aud: mcp, iat: now(), exp: now() + 600, jti: `t-${Math.random()}`, client_id: 'doctor-test', scope: 'mcp:access pet-profile:read', ...claims });

test('the demo passes every check, a valid token included; the token is never printed', async () => {
  const bob = await token();
  const { code, report, stdout } = await doctor([mcp, '--config', configFile, '--token', '-', '--json'], { stdin: bob });
  assert.equal(code, 0, stdout);
  assert.deepEqual(report.checks.filter((c) => c.verdict !== 'pass'), []);
  const ids = report.checks.map((c) => c.id);
  for (const id of ['challenge.status', 'challenge.scope', 'metadata.resource', 'as.pkce', 'as.registration', 'as.issParameter', 'keys.usable', 'config.metadata', 'cors.challenge', 'token']) {
    assert.ok(ids.includes(id), `${id} ran`);
  }
  assert.match(report.checks.find((c) => c.id === 'token').summary, /subject bob, client doctor-test, scopes "mcp:access pet-profile:read"/);
  assert.ok(!stdout.includes(bob));

  const text = await doctor([mcp]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^pass {2}challenge\.status/m);
  assert.match(text.stdout, /passed, 0 warnings, 0 failed$/m);
});

test('a token for another audience, and an expired one: the token check fails and says why', async () => {
  const other = await token({ aud: 'http://127.0.0.1:1/other-mcp' });
  const r = await doctor([mcp, '--config', configFile, '--token', other, '--json']);
  assert.equal(r.code, 1);
  assert.deepEqual(failing(r.report), ['token']);
  const t = r.report.checks.find((c) => c.id === 'token');
  assert.match(t.summary, /ERR_JWT_AUDIENCE.*issued for another one; the server answered 401 invalid_token/);
  assert.equal(t.found, 'aud "http://127.0.0.1:1/other-mcp"');
  assert.equal(t.expected, `aud naming "${mcp}"`);
  assert.ok(!r.stdout.includes(other));

  const expired = await token({ iat: now() - 7200, exp: now() - 3600 });
  const e = await doctor([mcp, '--config', configFile, '--token', expired, '--json']);
  assert.equal(e.code, 1);
  assert.deepEqual(failing(e.report), ['token']);
  assert.match(e.report.checks.find((c) => c.id === 'token').summary, /ERR_JWT_EXPIRED/);
  assert.match(e.report.checks.find((c) => c.id === 'token').found, /^exp \d+ \(\d{4}-\d\d-\d\dT[\d:]+Z\), 36\d\d s ago$/);
});

/**
 * A whole deployment in one server (MCP endpoint, its metadata, the
 * authorization server's metadata and keys), correct unless a knob breaks one
 * part (`breaksAt(base)` says how); records which paths were sent an Authorization header.
 */
async function deployment(breaksAt = () => ({})) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const breaks = breaksAt(base);
  const authorized = [];
  const server = createServer((req, res) => {
    const origin = req.headers.origin;
    const cors = origin ? { 'Access-Control-Allow-Origin': origin, ...(breaks.noExpose ? {} : { 'Access-Control-Expose-Headers': 'WWW-Authenticate, Mcp-Session-Id' }) } : {};
    const json = (status, body) => res.writeHead(status, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify(body));
    if (req.headers.authorization) authorized.push(`${req.method} ${req.url}`);
    const path = req.url;
    if (path === '/mcp' && req.method === 'OPTIONS') {
      return res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, POST, DELETE', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, Mcp-Protocol-Version' }).end();
    }
    if (path === '/mcp') {
      const challenge = req.headers.authorization ? 'Bearer error="invalid_token"' : `Bearer scope="mcp:access", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`;
      return res.writeHead(401, { 'WWW-Authenticate': challenge, ...cors }).end();
    }
    if (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource') {
      return json(200, { resource: breaks.resource ?? `${base}/mcp`, authorization_servers: [base], scopes_supported: ['mcp:access'], bearer_methods_supported: ['header'] });
    }
    if (path === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: breaks.issuer ?? base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        registration_endpoint: `${base}/register`,
        jwks_uri: `${base}/jwks`,
        code_challenge_methods_supported: breaks.pkce ?? ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (path === '/jwks') {
      if (breaks.keysStatus) return json(breaks.keysStatus, { error: 'down' });
      const { d, p, q, dp, dq, qi, ...rsa1024 } = privateJwk('rsa-1024');
      return json(200, { keys: [breaks.rsa1024 ? { ...rsa1024, kid: 'old' } : publicJwk('p256')] });
    }
    json(404, {});
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  return { mcp: `${base}/mcp`, base, authorized };
}

test('a healthy stand-in deployment passes; the token is sent to the MCP URL only', async () => {
  const d = await deployment();
  const r = await doctor([d.mcp, '--json']);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(failing(r.report), []);

  const t = await signEs256({ iss: d.base, sub: 'bob', aud: d.mcp, iat: now(), exp: now() + 600 });
  const withToken = await doctor([d.mcp, '--token', t, '--json']);
  assert.deepEqual(failing(withToken.report), ['token']);
  assert.match(withToken.report.checks.find((c) => c.id === 'token').summary, /^the server refused a token its published keys and rules accept; the server answered 401 invalid_token/);
  assert.deepEqual(d.authorized, ['POST /mcp']);
  assert.ok(!withToken.stdout.includes(t));
});

for (const [what, breaks, id] of [
  ['metadata whose resource is not the URL', (base) => ({ resource: `${base}/other` }), 'metadata.resource'],
  ['authorization server metadata without S256', () => ({ pkce: ['plain'] }), 'as.pkce'],
  ['an issuer that differs from the one advertised', (base) => ({ issuer: `${base}/` }), 'as.issuer'],
  ['a key set answering 500', () => ({ keysStatus: 500 }), 'keys.fetch'],
  ['a key set whose only key is RSA-1024', () => ({ rsa1024: true }), 'keys.usable'],
  ['a gateway that does not expose WWW-Authenticate to browsers', () => ({ noExpose: true }), 'cors.challenge'],
]) {
  test(`broken: ${what} fails ${id} and nothing else`, async () => {
    const d = await deployment(breaks);
    const r = await doctor([d.mcp, '--json']);
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(failing(r.report), [id], JSON.stringify(r.report.checks.filter((c) => c.verdict !== 'pass'), null, 2));
    const check = r.report.checks.find((c) => c.id === id && c.verdict === 'fail');
    assert.ok(check.expected && check.found && check.spec, 'a failure says what was expected, what was found and where the rule is');
  });
}

test('usage mistakes exit 2 naming the option', async () => {
  const r = await doctor(['not-a-url']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config field `url`: must be an absolute http\(s\) URL/);
  const o = await doctor([mcp, '--origin', 'https://app.example/path']);
  assert.equal(o.code, 2);
  assert.match(o.stderr, /`origin`/);
});
