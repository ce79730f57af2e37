// The benchmark: one run, one table, written to BENCHMARKS.md.
//
//   node bench/run.mjs [--quick] [--out FILE]
//
// Run through `bash scripts/bench.sh`, which builds and installs everything
// first. --quick runs tiny sizes (a smoke test of the harness) and writes to
// target/bench/BENCHMARKS.md unless --out says otherwise; figures from
// --quick runs are not benchmarks.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, platform, release } from 'node:os';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { SETTINGS, benchGateway } from './gateway.mjs';
import { ALGS, makeKeys } from './tokens.mjs';
import { benchColdStart, benchVerify } from './verify.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const out = args.out ?? (args.quick ? join(repo, 'target/bench/BENCHMARKS.md') : join(repo, 'BENCHMARKS.md'));
const sizes = args.quick
  ? { verify: { perRound: 100, rounds: 1, warmup: 100, warm: 500 }, gateway: { seconds: 2, warmupSeconds: 1, singleSeconds: 1, connections: 8, rounds: 1 }, coldRuns: 1 }
  : { verify: { perRound: 1500, rounds: 3, warmup: 2000, warm: 20000 }, gateway: { seconds: 8, warmupSeconds: 2, singleSeconds: 5, connections: 32, rounds: 3 }, coldRuns: 5 };

const quiet = { WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: join(repo, 'target/wrangler-config') };

/** The Worker bundle as `wrangler deploy --dry-run` would upload it: files, raw and gzipped bytes. */
function workerBundle() {
  const dir = join(repo, 'target/bench/bundle');
  rmSync(dir, { recursive: true, force: true });
  execFileSync(join(here, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', dir], { cwd: repo, stdio: 'pipe', env: { ...process.env, ...quiet } });
  const files = readdirSync(dir).filter((f) => !f.endsWith('.map'));
  return {
    files: files.length,
    raw: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0),
    gz: files.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0),
  };
}

function npmWasm() {
  const wasm = readFileSync(join(here, 'node_modules/mcp-edge-auth/dist/wasm/mcp_edge_auth_bg.wasm'));
  return { raw: wasm.length, gz: gzipSync(wasm, { level: 9 }).length };
}

const fmt = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const mark = (ok) => (ok ? 'met' : 'missed');
const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const log = (s) => console.error(s);
const started = new Date();
const keys = makeKeys();
log('1/3 verification rates');
const verify = await benchVerify(keys, { ...sizes.verify, log });
log('2/3 gateways in wrangler dev');
const gateway = await benchGateway(keys, { ...sizes.gateway, log });
log('3/3 cold start and sizes');
const cold = benchColdStart(keys, { runs: sizes.coldRuns });
const bundle = workerBundle();
const wasm = npmWasm();

const row = (alg, name) => verify.find((r) => r.alg === alg && r.name === name);
const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Written by \`bash scripts/bench.sh\`${args.quick ? ' --quick (smoke sizes: not a benchmark)' : ''} on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Figures are from this one run; never edit them by hand.`, '');
lines.push(
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}; Node ${process.versions.node}; jose ${version('jose')}, jsonwebtoken ${version('jsonwebtoken')}, autocannon ${version('autocannon')}, wrangler ${version('wrangler')}.`,
  '',
);
lines.push('## 1. Verifications per second (Node, one at a time, same tokens)', '');
lines.push(
  `Each contender verified ${sizes.verify.warmup} tokens untimed first (JIT and wasm tier-up, key import). Cold: ${sizes.verify.perRound} tokens it has never seen, median of ${sizes.verify.rounds} rounds (ours with a new validator each round, so its verified-token cache is empty). Warm: one token again and again. Checks: signature, \`iss\`, \`aud\`, \`exp\`, \`typ\` at+jwt, algorithm allow-list, scope \`mcp:access\`. RS256 and PS256 use RSA-2048.`,
  '',
);
const columns = [
  ['mcp-edge-auth (node:crypto)', 'mcp-edge-auth node:crypto (default in Node)'],
  ['mcp-edge-auth (WebCrypto)', 'mcp-edge-auth WebCrypto'],
  ['mcp-edge-auth (pure Rust)', 'mcp-edge-auth pure Rust'],
  ['jose jwtVerify', 'jose'],
  ['jsonwebtoken', 'jsonwebtoken'],
];
lines.push(`| alg | ${columns.map(([, title]) => `${title} cold | warm`).join(' | ')} | ours/jose cold | ours/jose warm |`);
lines.push(`|---|${columns.map(() => '--:|--:|').join('')}--:|--:|`);
const targets = [];
for (const alg of ALGS) {
  const rows = columns.map(([name]) => row(alg, name));
  const [ours, jose] = [rows[0], rows[3]];
  lines.push(`| ${alg} | ${rows.map((r) => `${fmt(r.cold)} | ${fmt(r.warm)}`).join(' | ')} | ${ratio(ours.cold, jose.cold)} | ${ratio(ours.warm, jose.warm)} |`);
  targets.push([`${alg} cold ≥ 1.0× jose`, ours.cold / jose.cold >= 1, ratio(ours.cold, jose.cold)]);
  targets.push([`${alg} warm ≥ 20× jose`, ours.warm / jose.warm >= 20, ratio(ours.warm, jose.warm)]);
}
lines.push('', 'ours/jose: the package as Node users get it (node:crypto). In workerd, where there is no node:crypto, the package uses WebCrypto, like jose.');
lines.push('', '## 2. Gateway in local workerd (`wrangler dev`)', '');
const ms = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
lines.push(
  `All five Workers run at once, each under its own dev server, and are measured in ${sizes.gateway.rounds} interleaved rounds (every Worker once per round, so a slow minute on the machine falls on all of them alike); every figure below is the median over the rounds. Per round and Worker: ${sizes.gateway.warmupSeconds} s of warm-up, then autocannon for ${sizes.gateway.seconds} s at ${sizes.gateway.connections} connections (its latencies are whole milliseconds), with the CPU time every process on the machine spent meanwhile, per request (from /proc: workerd, wrangler, the origin, the load generator). Then ${sizes.gateway.singleSeconds} s at one connection, one request at a time over a kept-alive connection, timed to the microsecond: the latency a gateway adds when nothing queues. Every request is a \`tools/call\` of \`get_pet_profile\` (needs \`pet-profile:read\`) with a valid ES256 token, cycling through 100 distinct tokens; the same local origin (a Node server) behind every Worker. Load generator, wrangler, workerd and the origin share the machine's cores, so at ${sizes.gateway.connections} connections throughput is CPU-bound and CPU per request says what each Worker costs.`,
  '',
  'Two settings. The `wrangler dev` CLI always attaches its devtools inspector: every `console` call in a Worker is then serialized and sent to the wrangler process. The same dev server started through wrangler\'s API (`unstable_startWorker`, bench/devserver.mjs) with the inspector off shows the Workers\' own costs. In both, wrangler receives every log line from workerd and handles it in its own process (it appends each one to its debug log file), a development-only cost per line that a deployed Worker does not pay; the wrangler CPU column shows it. This Worker writes one decision log line per request by default (issue 4); the jose Worker and the pass-through write none, so two more rows: this Worker with `decisionLog: "refusals"` (no line for accepted requests), and the jose Worker writing the same line the same way.',
  '',
);
const g = (setting, id) => gateway.find((r) => r.setting === setting && r.id === id);
const cpuCell = (c) => (c ? `${ms(c.total)} (${ms(c.workerd)} / ${ms(c.wrangler)})` : 'n/a');
for (const setting of SETTINGS) {
  lines.push(`### ${setting.name}`, '');
  lines.push(`| gateway | req/s at ${sizes.gateway.connections} | p50 ms | p99 ms | CPU ms/request (workerd / wrangler) | 1 connection: mean ms | p50 ms | p99 ms | non-2xx or errors |`);
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of gateway.filter((r) => r.setting === setting.id)) {
    lines.push(`| ${r.name} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${cpuCell(r.cpu)} | ${ms(r.single.mean)} | ${ms(r.single.p50)} | ${ms(r.single.p99)} | ${r.non2xx} |`);
  }
  const [pass, rust, quiet, jose, joseLogged] = ['passthrough', 'rust', 'rust-refusals', 'jose', 'jose-logged'].map((id) => g(setting.id, id));
  const added = (r) => r.single.p99 - pass.single.p99;
  lines.push(
    '',
    `This Worker: ${ratio(rust.rps, pass.rps)} the pass-through's throughput and ${ratio(rust.rps, jose.rps)} the jose Worker's; ${ratio(rust.rps, joseLogged.rps)} the jose Worker's when that one writes the same log line. With \`decisionLog: "refusals"\`: ${ratio(quiet.rps, pass.rps)} the pass-through's and ${ratio(quiet.rps, jose.rps)} the jose Worker's. The jose Worker: ${ratio(jose.rps, pass.rps)} the pass-through's. p99 added over the pass-through: ${rust.p99 - pass.p99} ms at ${sizes.gateway.connections} connections; at one connection ${ms(added(rust))} ms (mean ${ms(rust.single.mean - pass.single.mean)} ms), with "refusals" ${ms(added(quiet))} ms, jose ${ms(added(jose))} ms, jose writing the log line ${ms(added(joseLogged))} ms.`,
    '',
  );
  targets.push([`gateway ≥ 0.9× pass-through (${setting.short})`, rust.rps / pass.rps >= 0.9, ratio(rust.rps, pass.rps)]);
  targets.push([`gateway ≥ 1.2× jose Worker (${setting.short})`, rust.rps / jose.rps >= 1.2, ratio(rust.rps, jose.rps)]);
  targets.push([`p99 added latency < 1 ms (${setting.short}, ${sizes.gateway.connections} connections)`, rust.p99 - pass.p99 < 1, `${rust.p99 - pass.p99} ms`]);
  targets.push([`p99 added latency < 1 ms (${setting.short}, one connection)`, added(rust) < 1, `${ms(added(rust))} ms`]);
}
lines.push('', '## 3. Cold start and size', '');
lines.push('| | mcp-edge-auth | jose |');
lines.push('|---|--:|--:|');
lines.push(`| cold start: import + instantiate + key set + first ES256 verification (fresh Node process, median of ${sizes.coldRuns}) | ${cold['mcp-edge-auth'].toFixed(1)} ms | ${cold.jose.toFixed(1)} ms |`);
lines.push(`| Worker bundle (\`wrangler deploy --dry-run\`, ${bundle.files} files) | ${kb(bundle.raw)} raw, **${kb(bundle.gz)} gzipped** (${bundle.gz} bytes) | |`);
lines.push(`| npm package wasm | ${kb(wasm.raw)} raw, ${kb(wasm.gz)} gzipped | |`);
targets.push(['Worker bundle ≤ 250 KB gzipped', bundle.gz <= 250 * 1000, `${bundle.gz} bytes`]);
lines.push('', '## Targets (issue 5)', '');
lines.push('| target | result | figure |');
lines.push('|---|---|--:|');
for (const [name, ok, figure] of targets) lines.push(`| ${name} | ${mark(ok)} | ${figure} |`);
const text = `${lines.join('\n')}\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
console.log(text);
log(`written to ${out}`);
