// Bounded load through the real Worker in workerd, on 127.0.0.1 only.
//
//   node tests/js/load.mjs [--requests 50000] [--concurrency 64] [--out target/load/results.json]
//
// Mix: 70 % valid (200), 20 % invalid (401: expired, wrong audience, bad
// signature, garbage), 10 % insufficient scope (403). Half-way, the
// authorization server rotates its signing key and every later valid token
// uses the new `kid`. Counts wrong decisions (status other than expected) and
// unexpected 5xx, samples workerd's memory, and writes the figures to a results file.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

import { publicJwk, repo, signEs256, startGateway, startServer } from './helpers.mjs';

const RESOURCE = 'https://gateway.example.com/mcp';
const ISSUER = 'https://auth.example.com';

/** Resident memory of workerd processes (kB), from /proc. */
function workerdRssKb() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('workerd')) continue;
      const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
      if (rss) total += Number(rss[1]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

export async function runLoad({ requests = 50_000, concurrency = 64, out = `${repo}target/load/results.json` } = {}) {
  let rotated = false;
  const keys = await startServer((req, res) => {
    const served = rotated ? [publicJwk('p256'), publicJwk('other-p256', 'rotated')] : [publicJwk('p256')];
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(JSON.stringify({ keys: served }));
  });
  const origin = await startServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  const gw = await startGateway({
    mcpAuth: {
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwksUri: `${keys.url}/jwks` }],
      requiredScopes: ['mcp:access'],
      tools: { update_pet_profile: ['pet-profile:write'], get_pet_profile: ['pet-profile:read'] },
      jwksCooldownSeconds: 1,
      // The load is real HTTP to the socket.
      allowedHosts: ['127.0.0.1'],
    },
    upstream: `${origin.url}/mcp`,
  });

  const exp = Math.floor(Date.now() / 1000) + 3600;
  const claims = (extra = {}) => ({ iss: ISSUER, aud: RESOURCE, exp, sub: 'load', client_id: 'load-client', scope: 'mcp:access pet-profile:read', ...extra });
  const pool = async (n, make) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));
  const validOld = await pool(50, (i) => signEs256(claims({ jti: `old-${i}` })));
  const validNew = await pool(50, (i) => signEs256(claims({ jti: `new-${i}` }), { key: 'other-p256', kid: 'rotated' }));
  const readOnly = await pool(20, (i) => signEs256(claims({ jti: `ro-${i}` })));
  const invalid = [
    ...(await pool(10, (i) => signEs256(claims({ jti: `exp-${i}`, exp: 1000 })))),
    ...(await pool(10, (i) => signEs256(claims({ jti: `aud-${i}`, aud: 'https://other.example/mcp' })))),
    ...(await pool(10, async (i) => `${(await signEs256(claims({ jti: `sig-${i}` }))).slice(0, -6)}AAAAAA`)),
    'not-a-token',
    'a.b.c',
  ];
  const call = (tool) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } });

  const statuses = new Map();
  const latencies = new Float64Array(requests);
  let wrong = 0;
  let unexpected5xx = 0;
  let peakRssKb = workerdRssKb();
  const rssSamples = [];
  let next = 0;
  const started = performance.now();

  async function one(i) {
    const second = i >= requests / 2;
    if (second && !rotated) rotated = true; // the AS rotates before the first new-kid token is sent
    const r = i % 10;
    let token;
    let body = call('get_pet_profile');
    let expected;
    if (r < 7) {
      token = (second ? validNew : validOld)[i % 50];
      expected = 200;
    } else if (r < 9) {
      token = invalid[i % invalid.length];
      expected = 401;
    } else {
      token = readOnly[i % readOnly.length];
      body = call('update_pet_profile');
      expected = 403;
    }
    const t0 = performance.now();
    const res = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    latencies[i] = performance.now() - t0;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status !== expected) wrong++;
    if (res.status >= 500) unexpected5xx++;
  }

  async function lane() {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      await one(i);
      if (i % 2000 === 0) {
        const rss = workerdRssKb();
        rssSamples.push(rss);
        peakRssKb = Math.max(peakRssKb, rss);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p) => Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2));
  const results = {
    date: new Date().toISOString(),
    requests,
    concurrency,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(requests / seconds),
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
    statuses: Object.fromEntries([...statuses].sort()),
    wrongDecisions: wrong,
    unexpected5xx,
    keyFetches: keys.hits.get('/jwks') ?? 0,
    workerdRssKb: { first: rssSamples[0] ?? 0, last: rssSamples.at(-1) ?? 0, peak: peakRssKb, samples: rssSamples },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  await gw.close();
  await origin.close();
  await keys.close();
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' } } });
  const results = await runLoad({ requests: Number(values.requests ?? 50_000), concurrency: Number(values.concurrency ?? 64), out: values.out });
  console.log(JSON.stringify(results, null, 2));
  if (results.wrongDecisions || results.unexpected5xx) process.exit(1);
}
