// Part 2 of the benchmark: the gateway in local workerd (`wrangler dev`).
// Three Workers in front of the same local origin, one at a time, each loaded
// by autocannon at a fixed concurrency for a fixed time: a pass-through proxy
// (no auth), this project's Rust Worker (build/worker), and the jose Worker
// (workers/jose.mjs) making the same checks. Every request is a tools/call
// whose token and scopes are valid, cycling through `tokens` distinct tokens.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { ISSUER, SCOPE, jwksOf, token } from './tokens.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const work = join(repo, 'target/bench');
const wrangler = join(here, 'node_modules/.bin/wrangler');
const quiet = { WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: join(repo, 'target/wrangler-config') };

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Starts a process in its own group; stop() ends the group (wrangler → workerd). */
function startGroup(cmd, args, options) {
  const child = spawn(cmd, args, { ...options, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return {
    child,
    output: () => output,
    stop: () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

async function startUpstream(jwks) {
  const p = startGroup(process.execPath, [join(here, 'upstream.mjs')]);
  p.child.stdin.end(JSON.stringify(jwks));
  for (let i = 0; i < 100 && !p.output().includes('}'); i++) await new Promise((r) => setTimeout(r, 50));
  return { ...JSON.parse(p.output()), stop: p.stop };
}

/** Writes a wrangler.toml for one Worker and runs `wrangler dev` until it answers. */
async function startWorker(name, main, vars, port) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const toml = [
    `name = "bench-${name}"`,
    `main = ${JSON.stringify(main)}`,
    'compatibility_date = "2026-04-26"',
    'send_metrics = false',
    '[vars]',
    ...Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    '[[kv_namespaces]]',
    'binding = "JWKS_CACHE"',
    'id = "bench-jwks-cache"',
  ].join('\n');
  writeFileSync(join(dir, 'wrangler.toml'), `${toml}\n`);
  const p = startGroup(wrangler, ['dev', '-c', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'), '--log-level', 'warn'], {
    cwd: here,
    env: { ...process.env, ...quiet },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      return { url, stop: p.stop };
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  p.stop();
  throw new Error(`${name}: wrangler dev did not start:\n${p.output().slice(-2000)}`);
}

function load(url, tokens, { connections, seconds }) {
  let i = 0;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_pet_profile', arguments: { pet: 'rex' } } });
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/mcp`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            body,
            setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens[i++ % tokens.length]}` } }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** Loads each gateway in turn; returns rows {name, rps, p50, p99, non2xx}. */
export async function benchGateway(keys, { connections = 32, seconds = 10, warmupSeconds = 3, distinctTokens = 100, log = console.log } = {}) {
  mkdirSync(work, { recursive: true });
  const jwks = jwksOf(keys);
  const up = await startUpstream(jwks);
  const rows = [];
  try {
    const gateways = [
      { name: 'pass-through (no auth)', id: 'passthrough', main: join(here, 'workers/passthrough.mjs') },
      { name: 'mcp-edge-auth Worker (Rust/wasm)', id: 'rust', main: join(repo, 'build/worker/shim.mjs') },
      { name: 'jose Worker (same checks)', id: 'jose', main: join(here, 'workers/jose.mjs') },
    ];
    for (const g of gateways) {
      const port = await freePort();
      const resource = `http://127.0.0.1:${port}/mcp`;
      const config = {
        resource,
        issuers: [{ issuer: ISSUER, jwksUri: up.jwks, algorithms: ['ES256'], typ: 'at+jwt' }],
        requiredScopes: [SCOPE],
        tools: { get_pet_profile: ['pet-profile:read'] },
      };
      const tokens = Array.from({ length: distinctTokens }, (_, n) => token(keys, 'ES256', n, { aud: resource }));
      log(`  ${g.name}: starting wrangler dev on :${port}`);
      const w = await startWorker(g.id, g.main, { UPSTREAM_URL: up.upstream, MCP_AUTH: JSON.stringify(config) }, port);
      try {
        const check = await fetch(`${w.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile"}}' });
        if (check.status !== 200) throw new Error(`${g.name}: a valid request got ${check.status}: ${await check.text()}`);
        if (g.id !== 'passthrough') {
          const refused = await fetch(`${w.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
          if (refused.status !== 401) throw new Error(`${g.name}: a request without a token got ${refused.status}`);
        }
        await load(w.url, tokens, { connections, seconds: warmupSeconds });
        const r = await load(w.url, tokens, { connections, seconds });
        rows.push({ name: g.name, id: g.id, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx + r.errors + r.timeouts });
        log(`    ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`);
      } finally {
        w.stop();
      }
    }
  } finally {
    up.stop();
  }
  return rows;
}
