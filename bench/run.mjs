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

import { SETTINGS, benchGateway, quiet } from './gateway.mjs';
import { ALGS, makeKeys } from './tokens.mjs';
import { COLD_START_LIBS, benchColdStart, benchVerify } from './verify.mjs';
import { BARE_WORKERS, WORKLOADS, benchBareWorkerd } from './workerd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const out = args.out ?? (args.quick ? join(repo, 'target/bench/BENCHMARKS.md') : join(repo, 'BENCHMARKS.md'));
const sizes = args.quick
  ? { verify: { perRound: 100, rounds: 1, warmup: 100, warm: 500 }, bare: { seconds: 2, warmupSeconds: 1, singleSeconds: 1, connections: 8, rounds: 1 }, gateway: { seconds: 2, warmupSeconds: 1, singleSeconds: 1, connections: 8, rounds: 1 }, coldRuns: 1 }
  : { verify: { perRound: 1500, rounds: 7, warmup: 2000, warm: 20000 }, bare: { seconds: 8, warmupSeconds: 2, singleSeconds: 5, connections: 32, rounds: 3 }, gateway: { seconds: 8, warmupSeconds: 2, singleSeconds: 5, connections: 32, rounds: 2 }, coldRuns: 5 };


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
// null: the run could not decide (noise larger than the figure itself).
const mark = (ok) => (ok === null ? 'not measured' : ok ? 'met' : 'missed');
const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const log = (s) => console.error(s);
const started = new Date();
const keys = makeKeys();
log('1/4 verification rates');
const verify = await benchVerify(keys, { ...sizes.verify, log });
log('2/4 gateways on bare workerd');
const bare = await benchBareWorkerd(keys, { ...sizes.bare, log });
log('3/4 gateways in wrangler dev (for reference)');
const gateway = await benchGateway(keys, { ...sizes.gateway, log });
log('4/4 cold start and sizes');
const cold = benchColdStart(keys, { runs: sizes.coldRuns });
const bundle = workerBundle();
const wasm = npmWasm();

const row = (alg, name) => verify.find((r) => r.alg === alg && r.name === name);
const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Written by \`bash scripts/bench.sh\`${args.quick ? ' --quick (smoke sizes: not a benchmark)' : ''} on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Figures are from this one run; never edit them by hand.`, '');
lines.push(
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}; Node ${process.versions.node}; jose ${version('jose')}, fast-jwt ${version('fast-jwt')}, jsonwebtoken ${version('jsonwebtoken')}, autocannon ${version('autocannon')}, wrangler ${version('wrangler')}, workerd ${version('workerd')}.`,
  '',
);
lines.push('## 1. Verifications per second (Node, one at a time, same tokens)', '');
lines.push(
  `Each contender verified ${sizes.verify.warmup} tokens untimed first (JIT and wasm tier-up, key import). Cold: ${sizes.verify.perRound} tokens it has never seen, median of ${sizes.verify.rounds} rounds (ours with a new validator each round, so its verified-token cache is empty). Warm: one token again and again. Checks: signature, \`iss\`, \`aud\`, \`exp\`, algorithm allow-list, scope \`mcp:access\`; ours and jose also \`typ\` at+jwt. jsonwebtoken is given a \`KeyObject\`, fast-jwt a PEM key; fast-jwt runs with its cache off and, as its own column, on. RS256 and PS256 use RSA-2048.`,
  '',
);
const columns = [
  ['mcp-edge-auth (node:crypto)', 'mcp-edge-auth node:crypto (default in Node)'],
  ['mcp-edge-auth (WebCrypto)', 'mcp-edge-auth WebCrypto'],
  ['mcp-edge-auth (pure Rust)', 'mcp-edge-auth pure Rust'],
  ['jose jwtVerify', 'jose'],
  ['jsonwebtoken', 'jsonwebtoken'],
  ['fast-jwt', 'fast-jwt'],
  ['fast-jwt (cache on)', 'fast-jwt cache on'],
];
const PEERS = ['jose jwtVerify', 'jsonwebtoken', 'fast-jwt'];
lines.push(`| alg | ${columns.map(([, title]) => `${title} cold | warm`).join(' | ')} |`);
lines.push(`|---|${columns.map(() => '--:|--:|').join('')}`);
for (const alg of ALGS) {
  const rows = columns.map(([name]) => row(alg, name));
  lines.push(`| ${alg} | ${rows.map((r) => `${fmt(r.cold)} | ${fmt(r.warm)}`).join(' | ')} |`);
}
lines.push('', 'Ours against each peer, as Node users get ours (node:crypto; in workerd, where there is no node:crypto, the package uses WebCrypto, like jose). The fastest peer cold is the fastest of jose, jsonwebtoken and fast-jwt with its cache off.', '');
lines.push('| alg | ours cold | fastest peer cold | ours / fastest | ours warm | fast-jwt cache on, warm | ours / fast-jwt cached | ours / jose warm |');
lines.push('|---|--:|--:|--:|--:|--:|--:|--:|');
const targets = [];
for (const alg of ALGS) {
  const ours = row(alg, columns[0][0]);
  const fastest = PEERS.map((name) => row(alg, name)).filter((r) => r.cold).sort((a, b) => b.cold - a.cold)[0];
  const [cached, jose] = [row(alg, 'fast-jwt (cache on)'), row(alg, 'jose jwtVerify')];
  lines.push(`| ${alg} | ${fmt(ours.cold)} | ${fmt(fastest.cold)} (${fastest.name}) | ${ratio(ours.cold, fastest.cold)} | ${fmt(ours.warm)} | ${fmt(cached.warm)} | ${ratio(ours.warm, cached.warm)} | ${ratio(ours.warm, jose.warm)} |`);
  targets.push([`${alg} cold ≥ 1.0× the fastest peer`, ours.cold / fastest.cold >= 1, `${ratio(ours.cold, fastest.cold)} (${fastest.name})`]);
  targets.push([`${alg} warm ≥ 1.0× fast-jwt with its cache`, ours.warm / cached.warm >= 1, ratio(ours.warm, cached.warm)]);
  targets.push([`${alg} warm ≥ 20× jose`, ours.warm / jose.warm >= 20, ratio(ours.warm, jose.warm)]);
}
const us = (n) => (Number.isFinite(n) ? `${Math.round(n)}` : 'n/a');
lines.push('', '## 2. Gateway on bare workerd', '');
lines.push(
  `Every Worker bundled as \`wrangler deploy --dry-run\` uploads it and run by the \`workerd\` binary directly (\`workerd serve\`, a generated config, one process per Worker; bench/workerd.mjs), in front of the same local origin (a Node server), measured in ${sizes.bare.rounds} interleaved rounds per workload (every Worker once per round); every figure is the median over the rounds. Per round and Worker: ${sizes.bare.warmupSeconds} s of warm-up, then autocannon for ${sizes.bare.seconds} s at ${sizes.bare.connections} connections, with the CPU time of that Worker's workerd process per request (from /proc, user + system); then ${sizes.bare.singleSeconds} s at one connection over a kept-alive connection, each response timed to the microsecond. Every request is a \`tools/call\` of \`get_pet_profile\` (needs \`pet-profile:read\`) with a valid ES256 token. Log lines go to workerd's stdout, sent to /dev/null. The gateway runs without a KV binding (workerd has no local KV): key sets stay in the isolate, as they do between refreshes when deployed. The load generator, the origin and workerd share the machine's two cores.`,
  '',
);
const b = (workload, id) => bare.find((r) => r.workload === workload && r.id === id);
for (const l of WORKLOADS) {
  lines.push(`### ${l.name}`, '');
  lines.push(`| Worker | req/s at ${sizes.bare.connections} | workerd CPU µs/request | added over pass-through | 1 connection: mean µs | p50 µs | p99 µs | p99 added | non-2xx or errors |`);
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  const pass = b(l.id, 'passthrough');
  for (const w of BARE_WORKERS) {
    const r = b(l.id, w.id);
    lines.push(`| ${r.name} | ${fmt(r.rps)} | ${us(r.cpuUs)} | ${us(r.cpuUs - pass.cpuUs)} | ${us(r.single.mean * 1000)} | ${us(r.single.p50 * 1000)} | ${us(r.single.p99 * 1000)} | ${us((r.single.p99 - pass.single.p99) * 1000)} | ${r.errors} |`);
  }
  const [rust, jose, floor, joseLogged] = [b(l.id, 'rust'), b(l.id, 'jose'), b(l.id, 'floor'), b(l.id, 'jose-logged')];
  lines.push('', `This gateway (decision log on): ${ratio(rust.rps, jose.rps)} the jose Worker's throughput, ${ratio(rust.rps, pass.rps)} the pass-through's.`);
  lines.push(
    '',
    `Over the floor (the same plumbing and log line with no token check): this gateway adds ${us(rust.cpuUs - floor.cpuUs)} µs of workerd CPU per request and ${us((rust.single.p99 - floor.single.p99) * 1000)} µs of one-connection p99; the jose Worker writing the same log line adds ${us(joseLogged.cpuUs - floor.cpuUs)} µs and ${us((joseLogged.single.p99 - floor.single.p99) * 1000)} µs. The floor itself costs ${us(floor.cpuUs - pass.cpuUs)} µs over the pass-through, which neither reads the body nor logs.`,
    '',
  );
  if (l.id === 'cached') {
    targets.push(['bare workerd, cached tokens: ≤ 40 µs workerd CPU added over the pass-through', rust.cpuUs - pass.cpuUs <= 40, `${us(rust.cpuUs - pass.cpuUs)} µs`]);
    targets.push(['bare workerd, cached tokens: ≥ 1.4× the jose Worker\'s throughput', rust.rps / jose.rps >= 1.4, ratio(rust.rps, jose.rps)]);
    // A pass-through slower at p99 than the gateway means this run's tail was noise, not a measurement.
    const p99Added = rust.single.p99 - pass.single.p99;
    const p99Figure = `${us(p99Added * 1000)} µs${p99Added < 0 ? ' (the pass-through\'s p99 was the higher: noise)' : ''}`;
    targets.push(['bare workerd, cached tokens: one-connection p99 added ≤ 0.3 ms', p99Added < 0 ? null : p99Added <= 0.3, p99Figure]);
  } else {
    targets.push(['bare workerd, every token new: ≥ 1.0× the jose Worker\'s throughput', rust.rps / jose.rps >= 1, ratio(rust.rps, jose.rps)]);
  }
}
lines.push('', '## 3. Gateway in local workerd under `wrangler dev` (for reference)', '');
const ms = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
lines.push(
  `All five Workers run at once, each under its own dev server, and are measured in ${sizes.gateway.rounds} interleaved rounds (fewer than on bare workerd: these rows are kept for reference) (every Worker once per round, so a slow minute on the machine falls on all of them alike); every figure below is the median over the rounds. Per round and Worker: ${sizes.gateway.warmupSeconds} s of warm-up, then autocannon for ${sizes.gateway.seconds} s at ${sizes.gateway.connections} connections (its latencies are whole milliseconds), with the CPU time every process on the machine spent meanwhile, per request (from /proc: workerd, wrangler, the origin, the load generator). Then ${sizes.gateway.singleSeconds} s at one connection, one request at a time over a kept-alive connection, timed to the microsecond: the latency a gateway adds when nothing queues. Every request is a \`tools/call\` of \`get_pet_profile\` (needs \`pet-profile:read\`) with a valid ES256 token, cycling through 100 distinct tokens; the same local origin (a Node server) behind every Worker. Load generator, wrangler, workerd and the origin share the machine's cores, so at ${sizes.gateway.connections} connections throughput is CPU-bound and CPU per request says what each Worker costs.`,
  '',
  'Two settings. The `wrangler dev` CLI always attaches its devtools inspector: every `console` call in a Worker is then serialized and sent to the wrangler process. The same dev server started through wrangler\'s API (`unstable_startWorker`, bench/devserver.mjs) with the inspector off shows the Workers\' own costs. In both, wrangler receives every log line from workerd and handles it in its own process (it appends each one to its debug log file), a development-only cost per line that a deployed Worker does not pay; the wrangler CPU column shows it. This Worker writes one decision log line per request by default; the jose Worker and the pass-through write none, so two more rows: this Worker with `decisionLog: "refusals"` (no line for accepted requests), and the jose Worker writing the same line the same way.',
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
}
lines.push('', '## 4. Cold start and size', '');
lines.push(`Cold start: import + instantiate (wasm for ours) + key + first ES256 verification, in a fresh Node process, median of ${sizes.coldRuns}.`, '');
lines.push(`| ${COLD_START_LIBS.join(' | ')} |`);
lines.push(`|${COLD_START_LIBS.map(() => '--:|').join('')}`);
lines.push(`| ${COLD_START_LIBS.map((lib) => `${cold[lib].toFixed(1)} ms`).join(' | ')} |`);
lines.push('', '| size | |', '|---|--:|');
lines.push(`| Worker bundle (\`wrangler deploy --dry-run\`, ${bundle.files} files) | ${kb(bundle.raw)} raw, **${kb(bundle.gz)} gzipped** (${bundle.gz} bytes) |`);
lines.push(`| npm package wasm | ${kb(wasm.raw)} raw (${wasm.raw} bytes), ${kb(wasm.gz)} gzipped |`);
targets.push(['Worker bundle ≤ 250 KB gzipped', bundle.gz <= 250 * 1000, `${bundle.gz} bytes`]);
// The npm wasm (bytes) as built from the commit before the performance work began, measured with build-npm.sh.
const NPM_WASM_BEFORE = 1113559;
targets.push([`npm wasm not larger than before the performance work (${NPM_WASM_BEFORE} bytes)`, wasm.raw <= NPM_WASM_BEFORE, `${wasm.raw} bytes`]);
lines.push('', '## Targets', '');
lines.push('| target | result | figure |');
lines.push('|---|---|--:|');
for (const [name, ok, figure] of targets) lines.push(`| ${name} | ${mark(ok)} | ${figure} |`);
const text = `${lines.join('\n')}\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
console.log(text);
log(`written to ${out}`);
