// Part 2 of the benchmark: the gateway in local workerd (`wrangler dev`).
// Workers in front of the same local origin, one at a time, each loaded by
// autocannon at a fixed concurrency for a fixed time and then at one
// connection: a pass-through proxy (no auth), this project's Rust Worker
// (build/worker; also with decisionLog "refusals"), and the jose Worker
// (workers/jose.mjs) making the same checks; under the wrangler dev CLI and
// under the same dev server with the devtools inspector off (devserver.mjs).
// Every request is a tools/call whose token and scopes are valid, cycling
// through `distinctTokens` distinct tokens.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { ISSUER, SCOPE, jwksOf, token } from './tokens.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const work = join(repo, 'target/bench');
const wrangler = join(here, 'node_modules/.bin/wrangler');
/** The environment that keeps wrangler quiet and local: no telemetry, no banner, config under target/. */
export const quiet = { WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: join(repo, 'target/wrangler-config') };

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * One request on a connection of its own, closed after the answer:
 * {status, text}. The harness's own checks use this, not fetch: fetch keeps
 * the connection for the next request, workerd closes one idle for 5 s, and
 * while the harness blocks its event loop for seconds (bundling the next
 * Worker, signing tokens) that close goes unseen, so the next request was
 * written on a closed connection and failed with "other side closed".
 */
export function once(url, { method = 'GET', headers = {}, body, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, connection: 'close' }, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

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

export async function startUpstream(jwks) {
  const p = startGroup(process.execPath, [join(here, 'upstream.mjs')]);
  p.child.stdin.end(JSON.stringify(jwks));
  for (let i = 0; i < 100 && !p.output().includes('}'); i++) await new Promise((r) => setTimeout(r, 50));
  return { ...JSON.parse(p.output()), stop: p.stop };
}

/**
 * Writes a wrangler.toml for one Worker and runs `wrangler dev` until it
 * answers: the CLI (devtools inspector on, as always from the CLI), or with
 * `inspector: false` the same dev server through wrangler's API (devserver.mjs).
 */
export async function startWorker(name, main, vars, port, { inspector = true } = {}) {
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
  // Each CLI gets its own inspector port: several run at once.
  const [cmd, args] = inspector
    ? [wrangler, ['dev', '-c', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--persist-to', join(dir, 'state'), '--log-level', 'warn']]
    : [process.execPath, [join(here, 'devserver.mjs'), join(dir, 'wrangler.toml'), String(port), join(dir, 'state')]];
  const p = startGroup(cmd, args, { cwd: here, env: { ...process.env, ...quiet } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      await once(`${url}/`, { timeoutMs: 1000 });
      return { url, stop: p.stop };
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  p.stop();
  throw new Error(`${name}: wrangler dev did not start:\n${p.output().slice(-2000)}`);
}

const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_pet_profile', arguments: { pet: 'rex' } } });
const headersFor = (token) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` });

/**
 * Throws unless the Worker at `url` lets a valid request through (200) and,
 * unless it is `open` (checks no token), refuses one without a token (401).
 */
export async function checkGate(url, token, { name, open = false }) {
  const ok = await once(`${url}/mcp`, { method: 'POST', headers: headersFor(token), body: BODY });
  if (ok.status !== 200) throw new Error(`${name}: a valid request got ${ok.status}: ${ok.text.slice(0, 300)}`);
  if (open) return;
  const refused = await once(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (refused.status !== 401) throw new Error(`${name}: a request without a token got ${refused.status}`);
}

export function load(url, tokens, { connections, seconds, onResponse }) {
  let i = 0;
  const body = BODY;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/mcp`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            body,
            setupRequest: (req) => ({ ...req, headers: headersFor(tokens[i++ % tokens.length]) }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) instance.on('response', (_client, status, _bytes, ms) => onResponse(status, ms));
  });
}

/**
 * Latency at one connection, to the microsecond: autocannon with one
 * connection for `seconds`, each response's time taken from its 'response'
 * event (measured with the monotonic clock; the histogram in its result has
 * whole milliseconds, too coarse for a gateway that adds fractions of one).
 * Returns {count, mean, p50, p99} in ms and {non2xx, errors}.
 */
export async function sequential(url, tokens, { seconds }) {
  const times = [];
  const result = await load(url, tokens, { connections: 1, seconds, onResponse: (status, ms) => status >= 200 && status < 300 && times.push(ms) });
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { count: times.length, mean: times.reduce((a, b) => a + b, 0) / times.length, p50: at(0.5), p99: at(0.99), non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/** CPU time (ms) so far of every process on the machine, by pid, with what it is. */
function processCpu() {
  const tick = 10; // USER_HZ is 100 on Linux: one tick is 10 ms.
  const all = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null; // Not Linux: no per-process figures.
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const kind = cmd.includes('workerd') ? 'workerd' : /wrangler|devserver\.mjs/.test(cmd) ? 'wrangler' : cmd.includes('upstream.mjs') ? 'origin' : Number(pid) === process.pid ? 'client' : 'other';
      all.set(pid, { kind, ms: (Number(fields[11]) + Number(fields[12])) * tick });
    } catch {
      // The process ended meanwhile.
    }
  }
  return all;
}

/** CPU ms per request between two processCpu() snapshots, in total and by kind (workerd, wrangler, origin, client). */
function cpuPerRequest(before, after, requests) {
  if (!before || !after || !requests) return null;
  const out = { total: 0, workerd: 0, wrangler: 0, origin: 0, client: 0 };
  for (const [pid, { kind, ms }] of after) {
    if (kind === 'other') continue;
    const spent = (ms - (before.get(pid)?.ms ?? 0)) / requests;
    out[kind] += spent;
    out.total += spent;
  }
  return out;
}

/** The Workers compared, each in front of the same origin. */
export const GATEWAYS = [
  // `open`: checks no token, so a request without one is forwarded too.
  { name: 'pass-through (no auth)', id: 'passthrough', main: join(here, 'workers/passthrough.mjs'), open: true },
  { name: 'mcp-edge-auth Worker (Rust/wasm)', id: 'rust', main: join(repo, 'build/worker/shim.mjs') },
  { name: 'mcp-edge-auth Worker, decisionLog "refusals"', id: 'rust-refusals', main: join(repo, 'build/worker/shim.mjs'), settings: { decisionLog: 'refusals' } },
  { name: 'jose Worker (same checks)', id: 'jose', main: join(here, 'workers/jose.mjs') },
  { name: 'jose Worker, same checks and the same decision log line', id: 'jose-logged', main: join(here, 'workers/jose.mjs'), vars: { DECISION_LOG: 'all' } },
];

/** The two ways of running `wrangler dev`: the CLI, and its API with the devtools inspector off. */
export const SETTINGS = [
  { id: 'cli', short: 'wrangler dev CLI', name: '`wrangler dev` (CLI: devtools inspector on)', inspector: true },
  { id: 'api', short: 'inspector off', name: '`wrangler dev` through its API, devtools inspector off', inspector: false },
];

/** The median of some numbers (the mean of the middle two for an even count). */
export const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * In each setting, starts every gateway, then measures them in interleaved
 * rounds (so a slow minute on the machine falls on all of them alike): per
 * round and gateway, a short warm-up, throughput, latency and CPU per
 * request at `connections`, then latency at one connection (what the
 * gateway adds to a request when nothing queues). Returns one row per
 * setting and gateway, each figure the median over the rounds: {setting, id,
 * name, rps, p50, p99, cpu (CPU ms per request by process kind, null off
 * Linux), single: {mean, p50, p99} (sequential()), non2xx (summed), rounds}.
 */
export async function benchGateway(keys, { connections = 32, seconds = 10, warmupSeconds = 3, singleSeconds = 5, rounds = 3, distinctTokens = 100, log = console.log } = {}) {
  mkdirSync(work, { recursive: true });
  const jwks = jwksOf(keys);
  const up = await startUpstream(jwks);
  const rows = [];
  try {
    for (const setting of SETTINGS) {
      log(`  ${setting.name}`);
      const running = [];
      try {
        for (const g of GATEWAYS) {
          const port = await freePort();
          const resource = `http://127.0.0.1:${port}/mcp`;
          const config = {
            resource,
            issuers: [{ issuer: ISSUER, jwksUri: up.jwks, algorithms: ['ES256'], typ: 'at+jwt' }],
            requiredScopes: [SCOPE],
            tools: { get_pet_profile: ['pet-profile:read'] },
            ...g.settings,
          };
          const tokens = Array.from({ length: distinctTokens }, (_, n) => token(keys, 'ES256', n, { aud: resource }));
          log(`    ${g.name}: starting on :${port}`);
          const w = await startWorker(`${setting.id}-${g.id}`, g.main, { UPSTREAM_URL: up.upstream, MCP_AUTH: JSON.stringify(config), ...g.vars }, port, { inspector: setting.inspector });
          running.push({ g, w, tokens, samples: [] });
          await checkGate(w.url, tokens[0], g);
        }
        for (let round = 1; round <= rounds; round++) {
          log(`    round ${round} of ${rounds}`);
          for (const { g, w, tokens, samples } of running) {
            await load(w.url, tokens, { connections, seconds: warmupSeconds });
            const cpuBefore = processCpu();
            const r = await load(w.url, tokens, { connections, seconds });
            const cpu = cpuPerRequest(cpuBefore, processCpu(), r.requests.total);
            const single = await sequential(w.url, tokens, { seconds: singleSeconds });
            const non2xx = r.non2xx + r.errors + r.timeouts + single.non2xx + single.errors;
            samples.push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu, single, non2xx });
            log(`      ${g.name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU ${cpu ? cpu.total.toFixed(2) : 'n/a'} ms/request; one connection: mean ${single.mean.toFixed(2)} ms, p99 ${single.p99.toFixed(2)} ms; ${non2xx} non-2xx or errors`);
          }
        }
      } finally {
        for (const { w } of running) w.stop();
      }
      for (const { g, samples } of running) {
        const m = (f) => median(samples.map(f));
        const cpu = samples.every((x) => x.cpu) ? Object.fromEntries(Object.keys(samples[0].cpu).map((k) => [k, m((x) => x.cpu[k])])) : null;
        rows.push({
          setting: setting.id,
          name: g.name,
          id: g.id,
          rps: m((x) => x.rps),
          p50: m((x) => x.p50),
          p99: m((x) => x.p99),
          cpu,
          single: { mean: m((x) => x.single.mean), p50: m((x) => x.single.p50), p99: m((x) => x.single.p99) },
          non2xx: samples.reduce((n, x) => n + x.non2xx, 0),
          rounds: samples.length,
        });
      }
    }
  } finally {
    up.stop();
  }
  return rows;
}
