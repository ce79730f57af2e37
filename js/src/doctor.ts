// `mcp-edge-auth doctor`: the I/O of the core's doctor (src/doctor/): it
// makes each request the core asks for, with its timeout and size limit and
// without following redirects (the core decides which to follow), and prints
// the report. Every check is decided in Rust.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { core } from './core.js';
import { readUpTo } from './stream.js';
import { UsageError } from './usage.js';

const USAGE = `usage: mcp-edge-auth doctor MCP_URL [--config FILE] [--token TOKEN|-] [--origin URL] [--json]

Checks a live MCP deployment the way MCP clients see it: the 401 challenge, the
protected resource metadata, each authorization server's metadata and keys,
CORS for browser clients, and with --config and --token the gateway's config
and a token's decision. Exits 0 when no check fails, 1 otherwise.

  --config FILE   the gateway config: a wrangler config (wrangler.toml, read by the project's
                  wrangler) or MCP_AUTH as JSON
  --token TOKEN   an access token to judge ('-' reads it from standard input); it is
                  sent only to MCP_URL and never printed
  --origin URL    the origin of your browser client, for the CORS checks
  --json          the report as JSON`;

interface Probe {
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
  timeoutMs: number;
  maxBytes: number;
}

type Answered = { status: number; headers: string[]; body: Uint8Array } | { failed: string };

/** wrangler's own config reader, from the project that has `file` (or the working directory). */
async function wranglerConfigReader(file: string): Promise<(args: { config: string }) => { vars?: Record<string, unknown> }> {
  for (const base of [dirname(resolve(file)), process.cwd()]) {
    let path: string;
    try {
      path = createRequire(join(base, 'package.json')).resolve('wrangler');
    } catch {
      continue;
    }
    const wrangler = (await import(pathToFileURL(path).href)) as { unstable_readConfig?: (args: { config: string }) => { vars?: Record<string, unknown> } };
    if (wrangler.unstable_readConfig) return wrangler.unstable_readConfig;
  }
  throw new UsageError(`reading ${file} needs wrangler in the project (npm install wrangler); or pass MCP_AUTH as a JSON file`);
}

/**
 * The gateway config in `file`: `[vars.MCP_AUTH]` of a wrangler config
 * (`wrangler.toml`, `wrangler.json`, `wrangler.jsonc`; read by wrangler
 * itself, so it is what wrangler deploys), or `MCP_AUTH` as a JSON file.
 */
export async function readConfig(file: string): Promise<unknown> {
  if (basename(file).startsWith('wrangler.') || file.endsWith('.toml')) {
    const read = await wranglerConfigReader(file);
    let config: unknown;
    try {
      config = read({ config: file }).vars?.MCP_AUTH;
    } catch (e) {
      throw new UsageError(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (config === undefined) throw new UsageError(`${file} has no [vars.MCP_AUTH]`);
    if (typeof config !== 'string') return config;
    try {
      return JSON.parse(config);
    } catch (e) {
      throw new UsageError(`${file}: MCP_AUTH is not JSON: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
  }
}

/** Makes one request as the probe says: its headers, its timeout over headers and body, at most maxBytes read. */
async function request(probe: Probe, target: string): Promise<Answered> {
  // The core puts the token on the probe to the checked URL only; this is a second lock.
  if (probe.headers.some(([name]) => name === 'authorization') && probe.url !== target) {
    return { failed: 'refused to send the token to another URL' };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), probe.timeoutMs);
  try {
    const res = await fetch(probe.url, { method: probe.method, headers: probe.headers, body: probe.body ?? undefined, redirect: 'manual', signal: controller.signal });
    const body = await readUpTo(res.body, probe.maxBytes);
    const headers: string[] = [];
    res.headers.forEach((value, name) => headers.push(name, value));
    return { status: res.status, headers, body };
  } catch (e) {
    return { failed: controller.signal.aborted ? `no answer within ${probe.timeoutMs} ms` : e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `doctor` with command-line `args`: the text to print, and whether every check passed. */
export async function runDoctor(args: string[]): Promise<{ output: string; ok: boolean }> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { config: { type: 'string' }, token: { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { output: USAGE, ok: true };
  if (positionals.length !== 1) throw new UsageError(`name one MCP URL\n${USAGE}`);
  const [url] = positionals;
  let token = values.token;
  if (token === '-') token = readFileSync(0, 'utf8').trim();
  const options = { config: values.config ? await readConfig(values.config) : undefined, token, origin: values.origin, now: Date.now() / 1000 };
  let doctor;
  try {
    doctor = new (core().WasmDoctor)(url, JSON.stringify(options));
  } catch (e) {
    throw new UsageError(JSON.parse(String(e)).message);
  }
  try {
    for (let next = doctor.nextProbe(); next !== undefined; next = doctor.nextProbe()) {
      const answer = await request(JSON.parse(next) as Probe, url);
      if ('failed' in answer) doctor.receive(0, [], new Uint8Array(), answer.failed);
      else doctor.receive(answer.status, answer.headers, answer.body, undefined);
    }
    const report = JSON.parse(doctor.report()) as { ok: boolean };
    return { output: values.json ? JSON.stringify(report, null, 2) : doctor.reportText().trimEnd(), ok: report.ok };
  } finally {
    doctor.free();
  }
}
