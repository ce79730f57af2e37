// One behaviour suite for key refresh, run against both hosts of the core's
// one policy (src/jwks/refresh.rs): the npm package's createAuth and the
// Worker in workerd. Each scenario drives a key server on 127.0.0.1 through
// its faults and checks what the gate answers, step by step; both hosts must
// answer identically, as they only carry out what the core decides.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createAuth } from 'mcp-edge-auth';

import { publicJwk, signEs256, sleep, startGateway, startServer } from './helpers.mjs';

const RESOURCE = 'https://gateway.example.com/mcp';
// Small numbers, so the scenarios run in seconds: freshness 1 s, cooldown 1 s, stale window 2 s.
const TIMING = { jwksTimeoutMs: 400, jwksCooldownSeconds: 1, maxStaleSeconds: 2, jwksMinTtlSeconds: 1 };

let keys;
let origin;
/** What each scenario's key server answers, by scenario name. */
const behaviour = new Map();
const hits = new Map();

before(async () => {
  keys = await startServer(async (req, res) => {
    const [, scenario, ...rest] = req.url.split('/');
    const path = `/${rest.join('/')}`;
    hits.set(`${scenario}${path}`, (hits.get(`${scenario}${path}`) ?? 0) + 1);
    const answer = behaviour.get(scenario)?.(path, req) ?? { status: 404 };
    if (answer.delayMs) await sleep(answer.delayMs);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'max-age=1', ...answer.headers });
    if (answer.delayBodyMs) {
      // Headers at once, the body after the timeout.
      res.flushHeaders();
      await sleep(answer.delayBodyMs);
    }
    res.end(answer.body ?? '');
  });
  origin = await startServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
});

after(async () => {
  await origin?.close();
  await keys?.close();
});

const jwks = (...kids) => JSON.stringify({ keys: kids.map((kid) => publicJwk(kid === 'rotated' ? 'other-p256' : 'p256', kid)) });
const token = (issuer, kid = 'p256') => signEs256({ iss: issuer, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600, sub: 'u', scope: 'mcp:access' }, { key: kid === 'rotated' ? 'other-p256' : 'p256', kid });

/** The two hosts, each made fresh per scenario from the same config. */
const hosts = {
  async createAuth(config) {
    const auth = createAuth(config);
    return {
      request: async (t) => {
        const r = await auth.decide(`Bearer ${t}`);
        return r.ok ? 200 : `${r.status}${r.retryAfter ? ' retry' : ''}`;
      },
      close: async () => {},
    };
  },
  async worker(config) {
    const w = await startGateway({ mcpAuth: config, upstream: `${origin.url}/mcp` });
    return {
      request: async (t) => {
        const res = await w.fetch('/mcp', { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
        await res.arrayBuffer();
        return res.status === 200 ? 200 : `${res.status}${res.headers.get('retry-after') ? ' retry' : ''}`;
      },
      close: () => w.close(),
    };
  },
};

/**
 * The scenarios: each sets up its key server, then runs steps; a step is
 * `[what the key server does now, wait before the request (ms), the token's kid, the expected answer]`.
 */
const scenarios = {
  'a body that arrives after the timeout (headers at once) is no key set: 503': {
    steps: [[() => ({ status: 200, body: jwks('p256'), delayBodyMs: 1200 }), 0, 'p256', '503 retry']],
  },
  'a key server answering 500: 503': { steps: [[() => ({ status: 500 }), 0, 'p256', '503 retry']] },
  'invalid JSON: 503': { steps: [[() => ({ status: 200, body: '{"keys": [' }), 0, 'p256', '503 retry']] },
  'an empty key set: 503': { steps: [[() => ({ status: 200, body: '{"keys": []}' }), 0, 'p256', '503 retry']] },
  'a key set over 256 KiB: 503': { steps: [[() => ({ status: 200, body: `{"keys":[],"pad":"${'x'.repeat(300 * 1024)}"}` }), 0, 'p256', '503 retry']] },
  'discovery: RFC 8414 missing, OpenID Connect found': {
    discover: true,
    steps: [
      [
        (issuer) => (path) =>
          path === '/.well-known/openid-configuration' ? { status: 200, body: JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }) } : path === '/jwks' ? { status: 200, body: jwks('p256') } : { status: 404 },
        0,
        'p256',
        200,
      ],
    ],
  },
  'an unknown kid: no refetch within the cooldown, one after it, then recovery': {
    steps: [
      [() => ({ status: 200, body: jwks('p256'), headers: { 'cache-control': 'max-age=600' } }), 0, 'p256', 200],
      [() => ({ status: 200, body: jwks('p256', 'rotated'), headers: { 'cache-control': 'max-age=600' } }), 0, 'rotated', '401'],
      [null, 1100, 'rotated', 200],
      [null, 0, 'p256', 200],
    ],
  },
  'an outage: the last keys serve within the stale window, then 503, then recovery': {
    steps: [
      [() => ({ status: 200, body: jwks('p256') }), 0, 'p256', 200],
      [() => ({ status: 500 }), 1100, 'p256', 200],
      [null, 2500, 'p256', '503 retry'],
      [() => ({ status: 200, body: jwks('p256') }), 1100, 'p256', 200],
    ],
  },
};

for (const [scenario, { steps, discover }] of Object.entries(scenarios)) {
  test(`key refresh, both hosts: ${scenario}`, async () => {
    const outcomes = {};
    for (const [name, makeHost] of Object.entries(hosts)) {
      const id = `${Object.keys(scenarios).indexOf(scenario)}-${name}`;
      const issuer = `${keys.url}/${id}`;
      behaviour.delete(id);
      const config = { resource: RESOURCE, issuers: [{ issuer, ...(discover ? {} : { jwksUri: `${issuer}/jwks` }) }], requiredScopes: ['mcp:access'], ...TIMING };
      const host = await makeHost(config);
      outcomes[name] = [];
      try {
        for (const [serve, waitMs, kid, want] of steps) {
          if (serve) {
            const made = serve(issuer);
            behaviour.set(id, typeof made === 'function' ? made : (path) => (path === '/jwks' ? serve(issuer) : { status: 404 }));
          }
          if (waitMs) await sleep(waitMs);
          outcomes[name].push(await host.request(await token(issuer, kid)));
          void want;
        }
      } finally {
        await host.close();
      }
    }
    const want = steps.map((s) => s[3]);
    assert.deepEqual(outcomes, { createAuth: want, worker: want }, JSON.stringify(outcomes));
  });
}

test('key refresh, both hosts: requests that arrive during the first fetch wait for it: one fetch, all accepted', async () => {
  for (const [name, makeHost] of Object.entries(hosts)) {
    const id = `concurrent-${name}`;
    const issuer = `${keys.url}/${id}`;
    behaviour.set(id, (path) => (path === '/jwks' ? { status: 200, body: jwks('p256'), delayMs: 250 } : { status: 404 }));
    const host = await makeHost({ resource: RESOURCE, issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], requiredScopes: ['mcp:access'], ...TIMING });
    try {
      const t = await token(issuer);
      // The Worker's waiting requests sleep on their own timers and poll again (single flight).
      const answers = await Promise.all(Array.from({ length: 8 }, () => host.request(t)));
      assert.deepEqual(answers, Array(8).fill(200), name);
      assert.equal(hits.get(`${id}/jwks`), 1, `${name}: one key-set fetch`);
    } finally {
      await host.close();
    }
  }
});

test('key refresh, both hosts: a token is decided as of when its keys are ready: one that expires during the key fetch is refused', async () => {
  for (const [name, makeHost] of Object.entries(hosts)) {
    const id = `expires-meanwhile-${name}`;
    const issuer = `${keys.url}/${id}`;
    behaviour.set(id, (path) => (path === '/jwks' ? { status: 200, body: jwks('p256'), delayMs: 3000 } : { status: 404 }));
    const host = await makeHost({ resource: RESOURCE, issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], requiredScopes: ['mcp:access'], leewaySeconds: 0, ...TIMING, jwksTimeoutMs: 5000 });
    try {
      // Valid when the request arrives, expired (no leeway) once the 3 s key fetch is done.
      const t = await signEs256({ iss: issuer, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 2, sub: 'u', scope: 'mcp:access' }, { key: 'p256', kid: 'p256' });
      assert.equal(await host.request(t), '401', name);
      assert.equal(hits.get(`${id}/jwks`), 1, `${name}: one key-set fetch`);
    } finally {
      await host.close();
    }
  }
});
