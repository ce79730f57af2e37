// Part 3 of the benchmark: the gateways on bare workerd. Every Worker is
// bundled exactly as `wrangler deploy --dry-run` would upload it, then run by
// the `workerd` binary directly (`workerd serve` with a generated config, one
// process per Worker, nothing of wrangler in the process tree), so the
// figures are the Worker's own cost: wrangler dev's proxy Worker and its log
// pipeline add about a millisecond of CPU to every request.
//
// What bare workerd needs, as found here: an `internet` service whose network
// allows "local" (or the Worker cannot fetch 127.0.0.1); each module of the
// bundle listed by its file name (the bundle imports them by relative path),
// the `.wasm` as a `wasm` module; no local KV (the gateway runs without its
// JWKS_CACHE binding, keeping key sets and session bindings per isolate, as
// it logs at start); `console.*` goes to workerd's stdout (sent to /dev/null
// here: workerd still formats and writes every line).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { GATEWAYS, checkGate, freePort, load, median, once, quiet, sequential, startUpstream } from './gateway.mjs';
import { ISSUER, SCOPE, jwksOf, token } from './tokens.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const work = join(repo, 'target/bench/workerd');
const wrangler = join(here, 'node_modules/.bin/wrangler');
const workerd = join(here, 'node_modules/.bin/workerd');
const COMPATIBILITY_DATE = '2026-04-26';

/**
 * The Workers compared on bare workerd: those of `wrangler dev`, and after
 * the pass-through the floor: the jose Worker's own plumbing with no token
 * check (it reads and parses the body, forwards it without the
 * authorization header and writes the same decision log line), what any
 * gateway that authorizes per tool pays around its check.
 */
export const BARE_WORKERS = [
  GATEWAYS[0],
  { name: 'floor: reads and parses the body, forwards, writes the log line; no token check', id: 'floor', main: join(here, 'workers/jose.mjs'), vars: { DECISION_LOG: 'all', TOKEN_CHECK: 'off' }, open: true },
  ...GATEWAYS.slice(1),
];

/** The two kinds of traffic: tokens the gateway's verified-token cache holds, and a new token on every request. */
export const WORKLOADS = [
  { id: 'cached', name: '100 distinct tokens, cycled (the gateway answers from its verified-token cache)', distinct: 100 },
  // More than the core's cache holds (4,096 entries), cycled in order: every request misses it.
  { id: 'new', name: '10,000 distinct tokens, cycled (every token new to the gateway: a signature check per request)', distinct: 10000 },
];

/** `wrangler deploy --dry-run` of one Worker into `dir`: the files Cloudflare would run. */
function bundle(main, dir) {
  const toml = join(dir, 'wrangler.toml');
  // Minified like the gateway's own wrangler.toml (and what `init` writes), for every Worker alike.
  writeFileSync(toml, `name = "bench-bare"\nmain = ${JSON.stringify(main)}\ncompatibility_date = "${COMPATIBILITY_DATE}"\nminify = true\nsend_metrics = false\n`);
  const out = join(dir, 'bundle');
  rmSync(out, { recursive: true, force: true });
  execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', out, '-c', toml], { cwd: here, stdio: 'pipe', env: { ...process.env, ...quiet } });
  return out;
}

/** A workerd config (Cap'n Proto text, written next to `out`: embed paths are relative) serving the bundle in `out` on `port`, with `bindings` as text bindings. */
function config(out, port, bindings) {
  const files = readdirSync(out).filter((f) => /\.(m?js|wasm)$/.test(f));
  // wrangler bundles all JavaScript into one entry module; the entry comes first.
  if (files.filter((f) => !f.endsWith('.wasm')).length !== 1) throw new Error(`${out}: expected one JavaScript module, found ${files.join(', ')}`);
  files.sort((a, b) => Number(a.endsWith('.wasm')) - Number(b.endsWith('.wasm')));
  const modules = files.map((f) => `(name = ${JSON.stringify(f)}, ${f.endsWith('.wasm') ? 'wasm' : 'esModule'} = embed ${JSON.stringify(`bundle/${f}`)})`);
  const text = Object.entries(bindings).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["local", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  bindings = [${text.join(', ')}],
  globalOutbound = "internet",
);
`;
}

/** Starts `workerd serve` for one Worker on `port` and waits until it answers; {url, pid, stop}. */
export async function startBare(id, main, bindings, port, { args = [] } = {}) {
  const dir = join(work, id);
  mkdirSync(dir, { recursive: true });
  const out = bundle(main, dir);
  const capnp = join(dir, 'config.capnp');
  writeFileSync(capnp, config(out, port, bindings));
  // Log lines go to /dev/null: workerd still formats and writes each one.
  const child = spawn(workerd, ['serve', capnp, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (d) => (errors = (errors + d).slice(-4000)));
  const stop = () => child.exitCode === null && child.kill('SIGTERM');
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      await once(`${url}/`, { timeoutMs: 1000 });
      return { url, pid: child.pid, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  stop();
  throw new Error(`${id}: workerd did not start:\n${errors}`);
}

/** CPU ms so far of one process (user + system, from /proc), or null off Linux. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100: a tick is 10 ms.
  } catch {
    return null;
  }
}

/**
 * Every Worker of BARE_WORKERS under its own workerd, each workload measured
 * in `rounds` interleaved rounds: per round, workload and Worker, a warm-up,
 * then throughput and workerd CPU per request at `connections`, then latency
 * at one connection to the microsecond. Each figure is the median over the
 * rounds. Returns {workload, id, name, rps, cpuUs, single: {mean, p50, p99},
 * errors} rows.
 */
export async function benchBareWorkerd(keys, { connections = 32, seconds = 8, warmupSeconds = 2, singleSeconds = 5, rounds = 3, log = console.log } = {}) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const up = await startUpstream(jwksOf(keys));
  const running = [];
  try {
    for (const w of BARE_WORKERS) {
      // The resource is the URL clients use (the gateway checks Host against it), so each
      // Worker has its own, and its own tokens with that `aud`.
      const port = await freePort();
      const resource = `http://127.0.0.1:${port}/mcp`;
      const mcpAuth = JSON.stringify({
        resource,
        issuers: [{ issuer: ISSUER, jwksUri: up.jwks, algorithms: ['ES256'], typ: 'at+jwt' }],
        requiredScopes: [SCOPE],
        tools: { get_pet_profile: ['pet-profile:read'] },
        ...w.settings,
      });
      log(`    ${w.name}: bundling and starting workerd`);
      const worker = await startBare(w.id, w.main, { UPSTREAM_URL: up.upstream, MCP_AUTH: mcpAuth, ...w.vars }, port);
      const tokens = Object.fromEntries(WORKLOADS.map((l) => [l.id, Array.from({ length: l.distinct }, (_, n) => token(keys, 'ES256', n, { aud: resource }))]));
      running.push({ w, worker, tokens, samples: Object.fromEntries(WORKLOADS.map((l) => [l.id, []])) });
    }
    for (const { w, worker, tokens } of running) await checkGate(worker.url, tokens.cached[0], w);
    for (let round = 1; round <= rounds; round++) {
      for (const l of WORKLOADS) {
        log(`    round ${round} of ${rounds}, ${l.id} tokens`);
        for (const { w, worker, tokens: all, samples } of running) {
          const tokens = all[l.id];
          await load(worker.url, tokens, { connections, seconds: warmupSeconds });
          const before = cpuOf(worker.pid);
          const r = await load(worker.url, tokens, { connections, seconds });
          const after = cpuOf(worker.pid);
          const cpuUs = before === null || after === null ? NaN : ((after - before) * 1000) / r.requests.total;
          const single = await sequential(worker.url, tokens, { seconds: singleSeconds });
          const errors = r.non2xx + r.errors + r.timeouts + single.non2xx + single.errors;
          samples[l.id].push({ rps: r.requests.average, cpuUs, single, errors });
          log(`      ${w.name}: ${Math.round(r.requests.average)} req/s, workerd CPU ${Math.round(cpuUs)} µs/request; one connection: mean ${(single.mean * 1000).toFixed(0)} µs, p99 ${(single.p99 * 1000).toFixed(0)} µs; ${errors} non-2xx or errors`);
        }
      }
    }
  } finally {
    for (const { worker } of running) worker.stop();
    up.stop();
  }
  const rows = [];
  for (const l of WORKLOADS) {
    for (const { w, samples } of running) {
      const s = samples[l.id];
      const m = (f) => median(s.map(f));
      rows.push({
        workload: l.id,
        id: w.id,
        name: w.name,
        rps: m((x) => x.rps),
        cpuUs: m((x) => x.cpuUs),
        single: { mean: m((x) => x.single.mean), p50: m((x) => x.single.p50), p99: m((x) => x.single.p99) },
        errors: s.reduce((n, x) => n + x.errors, 0),
      });
    }
  }
  return rows;
}
