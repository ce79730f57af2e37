// Tokens shaped like each identity provider's real ones (tests/vectors/idp.json,
// whose configs are examples/idp/*.json) through the two hosts that fetch keys:
// the npm package's createAuth and the real Worker in workerd. Native and
// wasm verification run the same file through tests/vectors.rs and
// vectors.test.mjs; here every case must come out the same with the keys
// fetched from a jwksUri, the body read from the request, and the real clock
// (the tokens are valid until 2100).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { ConfigError, createAuth } from 'mcp-edge-auth';

import { repo, startGateway, startServer } from './helpers.mjs';

const file = JSON.parse(readFileSync(`${repo}tests/vectors/idp.json`, 'utf8'));
let keys;
const workers = [];

before(async () => {
  // /jwks/<config>/<issuer index>: that issuer's key set from the vector file.
  keys = await startServer((req, res) => {
    const [, , name, index] = req.url.split('/');
    const config = file.configs[decodeURIComponent(name)];
    const issuer = config?.issuers[Number(index)]?.issuer;
    const set = issuer && file.keySets[decodeURIComponent(name)][issuer];
    if (!set) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(JSON.stringify(set));
  });
});

after(async () => {
  for (const w of workers) await w.close();
  await keys?.close();
});

/** The case's config with every issuer's keys served from the local key server. */
function localConfig(name) {
  const config = structuredClone(file.configs[name]);
  config.issuers.forEach((issuer, i) => (issuer.jwksUri = `${keys.url}/jwks/${encodeURIComponent(name)}/${i}`));
  return config;
}

/** What a refusal or acceptance must look like, as the vector states it; '' when it matches. */
function mismatch(expect, status, code, challenge) {
  if (expect.ok) return status === 200 ? '' : `status ${status} ${code}, want 200`;
  if (status !== expect.status || code !== expect.code) return `got ${status} ${code}, want ${expect.status} ${expect.code}`;
  if (expect.scope && !challenge?.includes(`scope="${expect.scope}"`)) return `challenge ${challenge}`;
  return '';
}

const byConfig = Object.keys(file.configs).map((name) => [name, file.cases.filter((c) => c.config === name)]);

test('every identity-provider case through createAuth, keys fetched from jwksUri', async () => {
  const failures = [];
  let count = 0;
  for (const [name, cases] of byConfig) {
    const auth = createAuth(localConfig(name));
    for (const c of cases) {
      count++;
      const r = await auth.decide(c.authorization, c.body);
      const problem = mismatch(c.expect, r.ok ? 200 : r.status, r.ok ? undefined : r.code, r.ok ? undefined : r.wwwAuthenticate);
      if (!problem && r.ok && c.expect.scopes) assert.deepEqual(r.authInfo.scopes, c.expect.scopes, c.name);
      if (problem) failures.push(`${c.name}: ${problem}`);
    }
  }
  console.log(`${count} identity-provider cases through createAuth`);
  assert.ok(count >= 30);
  assert.deepEqual(failures, []);
});

test('every identity-provider case through the Worker in workerd', async () => {
  // The origin answers 200 to whatever the gateway lets through.
  const origin = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  const failures = [];
  let count = 0;
  try {
    for (const [name, cases] of byConfig) {
      const w = await startGateway({ mcpAuth: localConfig(name), upstream: `${origin.url}/mcp` });
      workers.push(w);
      for (const c of cases) {
        count++;
        const res = await w.fetch('/mcp', {
          method: 'POST',
          headers: { authorization: c.authorization, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: c.body ?? '{"jsonrpc":"2.0","id":1,"method":"ping"}',
        });
        const body = await res.json();
        const problem = mismatch(c.expect, res.status, body.code, res.headers.get('www-authenticate'));
        if (problem) failures.push(`${c.name}: ${problem}`);
      }
    }
  } finally {
    await origin.close();
  }
  console.log(`${count} identity-provider cases through the Worker`);
  assert.deepEqual(failures, []);
});

test('configs that would silently match nothing are errors naming the field, in the package and the Worker', async () => {
  const base = localConfig('keycloak');
  const mistakes = [
    [{ ...base, issuers: [{ ...base.issuers[0], scopeClaims: ['realm_access.roles'] }] }, 'issuers[0].scopeClaims[0]', /\/realm_access\/roles/],
    [{ ...base, issuers: [{ ...base.issuers[0], issuer: 'https://login.microsoftonline.com/{tid}/v2.0' }] }, 'issuers[0].tenants', /tenants|placeholder/],
    [{ ...base, issuers: [{ ...base.issuers[0], audienceOptional: true }] }, 'issuers[0].audienceOptional', /clientIds/],
    [{ ...base, scopeImplies: { a: ['b'], b: ['a'] } }, 'scopeImplies.a', /cycle/],
    [{ ...base, challengeScopes: 'granted' }, 'challengeScopes', /needed/],
  ];
  const origin = await startServer((req, res) => res.writeHead(200).end());
  try {
    for (const [config, field, message] of mistakes) {
      assert.throws(() => createAuth(config), (e) => e instanceof ConfigError && e.field === field && message.test(e.message), field);
      const w = await startGateway({ mcpAuth: config, upstream: `${origin.url}/mcp` });
      workers.push(w);
      const res = await w.fetch('/mcp', { method: 'POST' });
      assert.equal(res.status, 500, field);
      const body = await res.json();
      assert.equal(body.field, field);
      assert.match(body.message, message);
    }
  } finally {
    await origin.close();
  }
});
