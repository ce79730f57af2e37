// The packed tarball in a separate, empty project: `npm install` it, import it
// with no flags, type-check a TypeScript consumer against its .d.ts, and run
// the README's "Use from Node/TypeScript" quick start exactly as written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { repo } from './helpers.mjs';

let project;

before(() => {
  const tarball = join(repo, 'target/npm', readdirSync(join(repo, 'target/npm')).find((f) => f.endsWith('.tgz')));
  console.log(`tarball ${statSync(tarball).size} bytes`);
  project = mkdtempSync(join(tmpdir(), 'mcp-edge-auth-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, stdio: 'pipe' });
});

after(() => rmSync(project, { recursive: true, force: true }));

const node = (file, cwd = project) => execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' });

test('an empty project imports the installed package with no flags', () => {
  writeFileSync(join(project, 'probe.mjs'), `
    import { createValidator, createAuth, McpEdgeAuthError, ConfigError, verifyJwsSignature } from 'mcp-edge-auth';
    const v = await createValidator({ resource: 'https://mcp.example.com/mcp', issuers: [{ issuer: 'https://auth.example.com' }] });
    const r = await v.verify(undefined);
    console.log(JSON.stringify({ status: r.status, code: r.code, types: [typeof createAuth, typeof McpEdgeAuthError, typeof ConfigError, typeof verifyJwsSignature] }));
  `);
  const out = JSON.parse(node('probe.mjs'));
  assert.deepEqual(out, { status: 401, code: 'ERR_NO_BEARER_TOKEN', types: ['function', 'function', 'function', 'function'] });
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/mcp-edge-auth/package.json'), 'utf8'));
  assert.equal(installed.name, 'mcp-edge-auth');
  assert.deepEqual(Object.keys(installed.dependencies ?? {}), [], 'no runtime dependencies');
});

test('a TypeScript consumer type-checks against the shipped declarations', () => {
  writeFileSync(join(project, 'consumer.ts'), `
    import { createAuth, createValidator, type AuthInfo, type ErrorCode, type VerifyResult } from 'mcp-edge-auth';
    const auth = createAuth({ resource: 'https://mcp.example.com/mcp', issuers: [{ issuer: 'https://auth.example.com', algorithms: ['ES256'] }] });
    const verifier: { verifyAccessToken(token: string): Promise<{ token: string; clientId: string; scopes: string[]; expiresAt?: number; resource?: URL }> } = auth;
    async function check(header: string): Promise<ErrorCode | AuthInfo> {
      const v = await createValidator({ resource: 'https://mcp.example.com/mcp', issuers: [{ issuer: 'https://a.example' }] });
      const r: VerifyResult = await v.verify(header, { now: 1, body: { jsonrpc: "2.0" } });
      return r.ok ? r.authInfo : r.code;
    }
    void verifier; void check;
  `);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] }, files: ['consumer.ts'] }));
  execFileSync(join(repo, 'js/node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: project, stdio: 'pipe' });
});

test("the README's Node example runs as written", () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  // The first ```js block under the quick start headed "Use from Node/TypeScript".
  const heading = readme.match(/^#+ .*Use from Node\/TypeScript.*$/m);
  assert.ok(heading, 'README.md has a "Use from Node/TypeScript" heading');
  const example = readme.slice(heading.index).match(/```js\n([\s\S]*?)```/)[1];
  writeFileSync(join(project, 'readme-example.mjs'), example);
  // Run from the repository root, as the README says, importing the installed package.
  const out = execFileSync(process.execPath, [join(project, 'readme-example.mjs')], { cwd: repo, encoding: 'utf8' });
  assert.match(out, /^keys: 1 usable, 0 skipped$/m);
  assert.match(out, /^accepted: bob with mcp:access pet-profile:read$/m);
  // What the call needs, then what Bob already holds (challengeScopes "neededAndGranted", the default).
  assert.match(out, /^403 ERR_INSUFFICIENT_SCOPE: Bearer error="insufficient_scope", .*scope="mcp:access pet-profile:write pet-profile:read"/m);
  assert.match(out, /^config error in resource: /m);
});
