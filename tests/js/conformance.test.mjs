// The official MCP conformance suite (@modelcontextprotocol/conformance,
// pinned in package.json), every server scenario, run twice against the same
// kind of origin (tests/js/conformance/origin.mjs, our own server written from
// the scenarios' checks, since the suite's reference server is not published):
// once directly, once through the real Worker in workerd. The suite cannot
// send a token, so a small proxy in front of the gateway adds one and passes
// everything else through untouched (Host and Origin included, so the DNS
// rebinding scenario tests the gateway, not the proxy). The gateway must lose
// no scenario that passes directly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { startConformanceServer } from './conformance/origin.mjs';
import { freePort, publicJwk, repo, signEs256, startGateway, startServer } from './helpers.mjs';

const run = promisify(execFile);
const ISSUER = 'https://auth.example.com';
const SUITE = `${repo}tests/js/node_modules/@modelcontextprotocol/conformance/dist/index.js`;
const closers = [];

/** Runs every server scenario against `url`; resolves to scenario → { passed, failed, warnings }. */
async function suite(url) {
  const out = mkdtempSync(join(tmpdir(), 'conformance-'));
  try {
    // The suite's exit status says whether anything failed; the results are read from its files either way.
    await run(process.execPath, ['--import', `${repo}tests/js/conformance/shim.mjs`, SUITE, 'server', '--url', url, '--suite', 'all', '-o', out], { timeout: 180_000 }).catch((e) => {
      if (!readdirSync(out).length) throw e;
    });
    const results = {};
    for (const dir of readdirSync(out)) {
      const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
      const checks = JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8'));
      const count = (status) => checks.filter((c) => c.status === status).length;
      const errors = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage} ${JSON.stringify(c.details ?? {})}`);
      results[scenario] = { passed: count('SUCCESS'), failed: count('FAILURE'), warnings: count('WARNING'), errors };
    }
    return results;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

let origin;
let throughGateway;
before(async () => {
  const [proxyPort, gatewayPort] = [await freePort(), await freePort()];
  // The origin checks Host as SDK servers do; the gateway talks to it under its own address.
  origin = await startConformanceServer();
  closers.push(origin);
  const keys = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk('p256')] })));
  closers.push(keys);
  // The URL clients use is the proxy's: that is the resource, and the Host the gateway expects.
  const resource = `http://127.0.0.1:${proxyPort}/mcp`;
  const gateway = await startGateway({
    mcpAuth: { resource, issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }], requiredScopes: ['mcp:access'] },
    upstream: origin.url,
    port: gatewayPort,
  });
  closers.push(gateway);
  const token = await signEs256({ iss: ISSUER, aud: resource, exp: Math.floor(Date.now() / 1000) + 3600, sub: 'conformance', client_id: 'suite', scope: 'mcp:access' });
  closers.push(await tokenProxy(proxyPort, gatewayPort, token));
  throughGateway = resource;
});

/**
 * An HTTP proxy on 127.0.0.1:port (the resource URL names it) that adds
 * `Authorization` and otherwise passes requests and responses through as they
 * are: method, path, every header (Host included), the body, status, and
 * streamed event streams; a client that goes away ends the upstream request.
 */
async function tokenProxy(port, upstreamPort, token) {
  // Fields about one connection stay on their connection (RFC 9110 §7.6.1).
  const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !['connection', 'keep-alive', 'transfer-encoding'].includes(name)));
  const server = createServer((req, res) => {
    const headers = { ...endToEnd(req.headers), authorization: `Bearer ${token}` };
    // A connection of its own per request: workerd closes one whose request
    // body the Worker answered without reading (a 421, a 401), and a pooled
    // connection would carry the next request into that close.
    const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode, endToEnd(answer.headers));
      answer.pipe(res);
    });
    // The gateway may answer (a 421, a 401) before reading the body and close its side:
    // an error after the answer was passed on is not the client's business.
    upstream.on('error', () => {
      if (!res.writableEnded) res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  // The suite keeps connections in a pool; closing an idle one after Node's
  // default 5 s races its next request on it ("other side closed").
  server.keepAliveTimeout = 120_000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

after(async () => {
  for (const c of closers.reverse()) await c.close();
});

test('the conformance suite: the gateway loses no server scenario that passes directly (DNS rebinding included)', async () => {
  const direct = await suite(origin.url);
  const gated = await suite(throughGateway);
  const rows = Object.keys(direct).sort().map((s) => `${direct[s].failed ? 'fail' : 'pass'} → ${!gated[s] ? 'missing' : gated[s].failed ? 'FAIL' : 'pass'}  ${s} (${gated[s]?.passed ?? 0}/${direct[s].passed} checks${gated[s]?.warnings ? `, ${gated[s].warnings} warnings` : ''})`);
  console.log(`conformance, directly → through the gateway:\n${rows.join('\n')}`);
  const passingDirectly = Object.keys(direct).filter((s) => !direct[s].failed && direct[s].passed + direct[s].warnings > 0);
  assert.ok(passingDirectly.length >= 30 && passingDirectly.includes('dns-rebinding-protection'), `only ${passingDirectly.length} scenarios pass directly`);
  const lost = passingDirectly.filter((s) => !gated[s] || gated[s].failed || gated[s].passed < direct[s].passed);
  assert.deepEqual(lost, [], `scenarios that pass directly but not through the gateway: ${lost.map((s) => gated[s]?.errors.join('; ')).join(' | ')}`);
});
