// Deploying the gateway with nothing but Node: the packed tarball and
// wrangler installed into an empty directory with no Rust toolchain on PATH,
// `npx mcp-edge-auth init` writes wrangler.toml, `wrangler dev` runs the
// packaged gateway in front of the demo's MCP server and authorization
// server, the demo's scripted session passes through it, and `doctor`
// passes against it. Also: the gateway the tarball packs is exactly the one
// scripts/build-worker.sh built.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { parse as parseToml } from 'smol-toml';

import { startAuthorizationServer } from '../../examples/vetassist/authorization-server.mjs';
import { startMcpServer } from '../../examples/vetassist/mcp-server.mjs';
import { freePort, repo, sleep } from './helpers.mjs';

const run = promisify(execFile);
const dir = `${repo}target/deploy-with-node`;
const tarball = readdirSync(`${repo}target/npm`).find((f) => f.endsWith('.tgz'));
// Node and the system's tools only: no ~/.cargo/bin, nothing of the repository.
const env = {
  PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
  HOME: process.env.HOME,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: `${dir}/.config`,
};
const TOOLS = { get_pet_profile: ['pet-profile:read'], get_vaccination_schedule: ['pet-profile:read'], book_appointment: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] };
const servers = [];
let wrangler;
let wranglerLog = '';

/** Every file under `root`, relative, sorted. */
function files(root) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

before(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'my-mcp-gateway', private: true }));
});

after(async () => {
  if (wrangler) {
    try {
      process.kill(-wrangler.pid, 'SIGTERM');
    } catch {}
  }
  for (const s of servers.reverse()) await s.close();
});

test('no Rust toolchain on the PATH the project sees', () => {
  const r = spawnSync('sh', ['-c', 'command -v cargo || command -v rustc || command -v wasm-bindgen'], { env });
  assert.notEqual(r.status, 0, `found ${r.stdout}`);
});

test('npm install of the tarball and wrangler; the packed gateway is the built one', { timeout: 600_000 }, async () => {
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', `${repo}target/npm/${tarball}`, 'wrangler@4.86.0'], { cwd: dir, env, timeout: 600_000 });
  const packed = `${dir}/node_modules/mcp-edge-auth/gateway`;
  const built = files(`${repo}build/worker`).filter((f) => !f.endsWith('.d.ts'));
  assert.deepEqual(files(packed), built);
  for (const f of built) assert.equal(sha256(join(packed, f)), sha256(`${repo}build/worker/${f}`), f);
});

test('init, wrangler dev on the packaged gateway, the demo session through it, doctor', { timeout: 600_000 }, async () => {
  const [asPort, originPort, gwPort] = [await freePort(), await freePort(), await freePort()];
  const as = await startAuthorizationServer(asPort);
  servers.push(as);
  const mcp = `http://127.0.0.1:${gwPort}/mcp`;
  const args = ['init', '--resource', mcp, '--upstream', `http://127.0.0.1:${originPort}/mcp`, '--issuer', as.issuer, '--required-scope', 'mcp:access'];
  for (const [tool, scopes] of Object.entries(TOOLS)) args.push('--tool', `${tool}=${scopes.join(',')}`);
  const init = await run(`${dir}/node_modules/.bin/mcp-edge-auth`, args, { cwd: dir, env });
  assert.match(init.stdout, /wrote .*wrangler\.toml/);

  // As plain JSON values (the parser's tables have their own prototype).
  const toml = JSON.parse(JSON.stringify(parseToml(readFileSync(`${dir}/wrangler.toml`, 'utf8'))));
  assert.equal(toml.main, 'node_modules/mcp-edge-auth/gateway/shim.mjs');
  assert.equal(toml.vars.UPSTREAM_URL, `http://127.0.0.1:${originPort}/mcp`);
  assert.deepEqual(toml.vars.MCP_AUTH, {
    resource: mcp,
    requiredScopes: ['mcp:access'],
    scopesSupported: ['mcp:access', 'pet-profile:read', 'pet-profile:write'],
    issuers: [{ issuer: as.issuer }],
    tools: TOOLS,
  });
  assert.deepEqual(toml.kv_namespaces.map((n) => n.binding), ['JWKS_CACHE']);

  // Never overwritten without --force.
  const before = readFileSync(`${dir}/wrangler.toml`, 'utf8');
  const again = await run(`${dir}/node_modules/.bin/mcp-edge-auth`, args, { cwd: dir, env }).catch((e) => e);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; pass --force/);
  assert.equal(readFileSync(`${dir}/wrangler.toml`, 'utf8'), before);

  // The origin checks the gateway's signature with the secret init wrote to .dev.vars.
  const secret = readFileSync(`${dir}/.dev.vars`, 'utf8').match(/^MCP_AUTH_HMAC_SECRET=([0-9a-f]{64})$/m)[1];
  servers.push(await startMcpServer(originPort, secret));

  wrangler = spawn(`${dir}/node_modules/.bin/wrangler`, ['dev', '--ip', '127.0.0.1', '--port', String(gwPort)], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  wrangler.stdout.on('data', (d) => (wranglerLog += d));
  wrangler.stderr.on('data', (d) => (wranglerLog += d));
  let ready = false;
  for (let i = 0; i < 240 && !ready; i++) {
    ready = await fetch(`http://127.0.0.1:${gwPort}/.well-known/oauth-protected-resource/mcp`).then((r) => r.ok, () => false);
    if (!ready) await sleep(500);
  }
  assert.ok(ready, `wrangler dev did not come up:\n${wranglerLog}`);
  assert.ok(!existsSync(`${dir}/build`), 'nothing was built in the project');

  const session = await run(process.execPath, [`${repo}examples/vetassist/session.mjs`], { env: { ...process.env, GATEWAY_URL: mcp }, timeout: 180_000 }).catch((e) => e);
  assert.ok(!session.code, `session failed:\n${session.stdout}\n${session.stderr}\n${wranglerLog}`);
  assert.match(session.stdout, /insufficient_scope/);
  // The packaged gateway decided those requests: its decision log reached wrangler's output.
  for (let i = 0; i < 20 && !wranglerLog.includes('"code":"ERR_INSUFFICIENT_SCOPE"'); i++) await sleep(250);
  assert.match(wranglerLog, /"event":"decision","status":403,"code":"ERR_INSUFFICIENT_SCOPE"/);

  const doctor = await run(`${dir}/node_modules/.bin/mcp-edge-auth`, ['doctor', mcp, '--config', 'wrangler.toml'], { cwd: dir, env }).catch((e) => e);
  assert.ok(!doctor.code, `${doctor.stdout}\n${doctor.stderr}`);
  assert.match(doctor.stdout, / 0 failed$/m);
});
