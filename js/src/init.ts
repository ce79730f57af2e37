// `mcp-edge-auth init`: writes a wrangler.toml that runs the gateway shipped
// in this package (gateway/, the same Rust build as the repository's Worker),
// so a project with only Node deploys it with `npx wrangler deploy`. The
// config it writes is checked by the core first, with the Worker's own
// messages naming the field.

import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { core } from './core.js';
import { UsageError } from './usage.js';

/** The workerd compatibility date the packaged gateway is built and tested against. */
export const COMPATIBILITY_DATE = '2026-04-26';

const USAGE = `usage: mcp-edge-auth init --resource URL --upstream URL --issuer URL... [options]

Writes wrangler.toml (and .dev.vars with a fresh signing secret, if absent) for
the gateway in this package. Asks for what is missing when run in a terminal.

  --resource URL          the gateway's public MCP URL, as clients are given it
  --upstream URL          your MCP server, which only the gateway should reach
  --issuer URL            an authorization server whose tokens are accepted (repeat)
  --required-scope SCOPE  a scope every request needs (repeat)
  --tool NAME=SCOPE[,…]   the scopes a tool needs (repeat)
  --allowed-origin ORIGIN a browser origin allowed to call (repeat)
  --allowed-host HOST     another host clients may use, e.g. the workers.dev name (repeat)
  --name NAME             the Worker's name (default mcp-edge-auth)
  --kv-id ID              the JWKS_CACHE KV namespace id (default: a placeholder; locally any id works)
  --out FILE              where to write (default wrangler.toml)
  --force                 overwrite an existing file`;

/** A TOML basic string (TOML 1.0 §String): JSON's escapes, plus DEL, which TOML does not allow raw. */
function str(value: string): string {
  return JSON.stringify(value).replace(/\x7f/g, '\\u007F');
}
const list = (values: string[]) => `[${values.map(str).join(', ')}]`;

/** The gateway config `init` writes, from its options. */
export interface InitAnswers {
  resource: string;
  upstream: string;
  issuers: string[];
  requiredScopes: string[];
  tools: Record<string, string[]>;
  allowedOrigins: string[];
  allowedHosts: string[];
  name: string;
  kvId: string;
}

/** The `MCP_AUTH` object for these answers. `scopesSupported` names every scope the config uses. */
export function gatewayConfig(a: InitAnswers): Record<string, unknown> {
  const scopes = [...new Set([...a.requiredScopes, ...Object.values(a.tools).flat()])];
  const config: Record<string, unknown> = { resource: a.resource, issuers: a.issuers.map((issuer) => ({ issuer })) };
  if (a.requiredScopes.length) config.requiredScopes = a.requiredScopes;
  if (scopes.length) config.scopesSupported = scopes;
  if (Object.keys(a.tools).length) config.tools = a.tools;
  if (a.allowedOrigins.length) config.allowedOrigins = a.allowedOrigins;
  if (a.allowedHosts.length) config.allowedHosts = a.allowedHosts;
  return config;
}

/** Throws UsageError naming the field the Worker would refuse at start-up. */
export function checkConfig(config: Record<string, unknown>, upstream: string): void {
  const url = URL.parse(upstream);
  try {
    core().checkGatewayConfig(JSON.stringify(config), upstream, url ? url.protocol.replace(/:$/, '') : '', url?.hostname ?? '');
  } catch (e) {
    const { message } = JSON.parse(String(e)) as { field: string; message: string };
    throw new UsageError(message);
  }
}

/** The wrangler.toml text. `main` is the packaged gateway's path relative to the file. */
export function wranglerToml(a: InitAnswers, main: string): string {
  const config = gatewayConfig(a);
  const lines = [
    `# The mcp-edge-auth gateway: a Cloudflare Worker that checks each request's`,
    `# access token before it reaches your MCP server. Written by \`npx mcp-edge-auth init\`.`,
    `#   npx wrangler dev      runs it locally (local KV, secrets from .dev.vars)`,
    `#   npx wrangler deploy   publishes it`,
    `#   npx mcp-edge-auth doctor ${a.resource} --config wrangler.toml`,
    `#                         checks a running deployment the way MCP clients see it`,
    `name = ${str(a.name)}`,
    `main = ${str(main)}`,
    `compatibility_date = ${str(COMPATIBILITY_DATE)}`,
    `# The gateway's JavaScript glue, minified: a smaller upload, a faster cold start.`,
    `minify = true`,
    ``,
    `[vars]`,
    `# Your MCP server. Keep it reachable only from the gateway, or have it check`,
    `# the signed X-MCP-Auth-* identity headers (MCP_AUTH_HMAC_SECRET below).`,
    `UPSTREAM_URL = ${str(a.upstream)}`,
    ``,
    `# The gateway's configuration (docs/configuration.md of mcp-edge-auth). The`,
    `# Worker refuses to start on a mistake and its answers name the field.`,
    `[vars.MCP_AUTH]`,
  ];
  for (const [key, value] of Object.entries(config)) {
    if (key === 'issuers' || key === 'tools') continue;
    lines.push(`${key} = ${Array.isArray(value) ? list(value as string[]) : str(String(value))}`);
  }
  for (const issuer of a.issuers) lines.push('', '[[vars.MCP_AUTH.issuers]]', `issuer = ${str(issuer)}`);
  if (Object.keys(a.tools).length) {
    lines.push('', '# The scopes each tool needs; other tools need only the required scopes.', '[vars.MCP_AUTH.tools]');
    for (const [tool, scopes] of Object.entries(a.tools)) lines.push(`${str(tool)} = ${list(scopes)}`);
  }
  lines.push(
    '',
    '# Signing keys are cached in Workers KV. Create the namespace with',
    '#   npx wrangler kv namespace create JWKS_CACHE',
    '# and put the id it prints here. Locally (wrangler dev) any id works.',
    '[[kv_namespaces]]',
    'binding = "JWKS_CACHE"',
    `id = ${str(a.kvId)}`,
    '',
    '# MCP_AUTH_HMAC_SECRET signs the identity headers the gateway sends your MCP',
    '# server, which checks them with the same secret. wrangler dev reads it from',
    '# .dev.vars (init wrote one with a fresh secret if there was none); for a',
    '# deployment, set it once: npx wrangler secret put MCP_AUTH_HMAC_SECRET',
    '',
  );
  return lines.join('\n');
}

/** `NAME=SCOPE[,SCOPE…]` (scopes separated by commas or spaces). */
function tool(spec: string): [string, string[]] {
  const at = spec.indexOf('=');
  if (at <= 0) throw new UsageError(`--tool ${JSON.stringify(spec)}: expected NAME=SCOPE[,SCOPE…]`);
  const scopes = spec.slice(at + 1).split(/[\s,]+/).filter(Boolean);
  if (!scopes.length) throw new UsageError(`--tool ${JSON.stringify(spec)}: name at least one scope`);
  return [spec.slice(0, at), scopes];
}

/** Where the packaged gateway is, relative to `dir`, as wrangler.toml's `main`. */
function mainPath(dir: string): { main: string; note?: string } {
  const shim = fileURLToPath(new URL('../gateway/shim.mjs', import.meta.url));
  const rel = relative(dir, shim).split(sep).join('/');
  if (!rel.startsWith('../') && existsSync(shim)) return { main: rel };
  return { main: 'node_modules/mcp-edge-auth/gateway/shim.mjs', note: 'install the package in this project first: npm install mcp-edge-auth' };
}

/** Runs `init` with command-line `args`; resolves to the lines to print. */
export async function runInit(args: string[], io: { interactive: boolean } = { interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) }): Promise<string[]> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      options: {
        resource: { type: 'string' },
        upstream: { type: 'string' },
        issuer: { type: 'string', multiple: true },
        'required-scope': { type: 'string', multiple: true },
        tool: { type: 'string', multiple: true },
        'allowed-origin': { type: 'string', multiple: true },
        'allowed-host': { type: 'string', multiple: true },
        name: { type: 'string' },
        'kv-id': { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (parsed.help) return [USAGE];
  const answers: InitAnswers = {
    resource: parsed.resource ?? '',
    upstream: parsed.upstream ?? '',
    issuers: parsed.issuer ?? [],
    requiredScopes: parsed['required-scope'] ?? [],
    tools: Object.fromEntries((parsed.tool ?? []).map(tool)),
    allowedOrigins: parsed['allowed-origin'] ?? [],
    allowedHosts: parsed['allowed-host'] ?? [],
    name: parsed.name ?? 'mcp-edge-auth',
    kvId: parsed['kv-id'] ?? 'replace-with-your-kv-namespace-id',
  };
  if (io.interactive) await ask(answers);
  for (const [value, flag] of [[answers.resource, '--resource'], [answers.upstream, '--upstream'], [answers.issuers[0], '--issuer']] as const) {
    if (!value) throw new UsageError(`${flag} is required\n${USAGE}`);
  }
  // The config as given first, so a mistake names the flag's field (tools.NAME[i]), not the derived scopesSupported.
  const { scopesSupported: _derived, ...given } = gatewayConfig(answers);
  checkConfig(given, answers.upstream);
  checkConfig(gatewayConfig(answers), answers.upstream);

  const out = resolve(parsed.out ?? 'wrangler.toml');
  if (existsSync(out) && !parsed.force) throw new UsageError(`${out} exists; pass --force to overwrite it`);
  const { main, note } = mainPath(dirname(out));
  writeFileSync(out, wranglerToml(answers, main));
  const printed = [`wrote ${out}`];
  const devVars = resolve(dirname(out), '.dev.vars');
  if (!existsSync(devVars)) {
    writeFileSync(devVars, `MCP_AUTH_HMAC_SECRET=${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    printed.push(`wrote ${devVars} with a fresh MCP_AUTH_HMAC_SECRET: give your MCP server the same value, and keep the file out of version control`);
  }
  if (note) printed.push(`note: ${note}`);
  printed.push('next: npx wrangler dev (locally), then npx wrangler deploy');
  return printed;
}

/** Asks for what the flags left out. */
async function ask(a: InitAnswers): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const need = async (label: string, current: string) => current || (await rl.question(`${label}: `)).trim();
    a.resource = await need('Public MCP URL of the gateway (https://mcp.example.com/mcp)', a.resource);
    a.upstream = await need('Your MCP server, behind the gateway (https://origin.internal/mcp)', a.upstream);
    if (!a.issuers.length) a.issuers = (await rl.question('Authorization server issuer URL(s), space-separated: ')).split(/\s+/).filter(Boolean);
    if (!a.requiredScopes.length) a.requiredScopes = (await rl.question('Scopes every request needs (space-separated, may be empty): ')).split(/\s+/).filter(Boolean);
    if (!Object.keys(a.tools).length) {
      for (;;) {
        const line = (await rl.question('Tool scopes as NAME=SCOPE[,SCOPE] (empty line to finish): ')).trim();
        if (!line) break;
        const [name, scopes] = tool(line);
        a.tools[name] = scopes;
      }
    }
  } finally {
    rl.close();
  }
}
