// The gateway and the origin must read a request the same way. Property test
// (fast-check): generated JSON-RPC bodies and headers (charsets, content
// codings, escapes, duplicate keys, __proto__, batches, resource URI spellings,
// tool and prompt names) go through the real Worker (build/worker, workerd via
// Miniflare) to an origin built the usual way (Express 5, express.json(), the
// MCP SDK's Streamable HTTP transport, the gateway's v2 signature checked),
// which records every message its protocol layer receives and every tool,
// prompt and resource it runs. For every case:
//   1. nothing runs at the origin that the token's scopes do not allow under
//      the policy, judged by what the origin ran (the end-to-end promise);
//   2. every message the origin's SDK received is one of the operations the
//      gateway's own inspection derives from the same bytes and headers (the
//      core's Rust code, through the npm package's wasm build), and every
//      resource the SDK served has the key the gateway judged;
//   3. a request the inspection refuses never reaches the origin.
// DIFFERENTIAL_RUNS sets the number of cases (the test command runs 500),
// DIFFERENTIAL_SECONDS runs for that long instead (scripts/fuzz.sh), and
// DIFFERENTIAL_SEED replays a run; a failure is shrunk to a small case.
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import express from 'express';
import fc from 'fast-check';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createValidator, resourceKey } from 'mcp-edge-auth';

import { verifyGatewayIdentity } from '../../examples/vetassist/mcp-server.mjs';
import { publicJwk, signEs256, startGateway, startServer } from './helpers.mjs';

const RESOURCE = 'https://gateway.example.com/mcp';
const ISSUER = 'https://auth.example.com';
const SECRET = 'differential-secret';
const SECONDS = Number(process.env.DIFFERENTIAL_SECONDS ?? 0);
const RUNS = SECONDS ? 1e9 : Number(process.env.DIFFERENTIAL_RUNS ?? 500);
const SEED = process.env.DIFFERENTIAL_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.DIFFERENTIAL_SEED);

// What the origin serves, and what the policy says about it.
const TOOLS = ['get_pet_profile', 'update_pet_profile', 'book_appointment', 'delete_everything'];
const PROMPTS = ['triage', 'greeting'];
const RESOURCES = ['vet://records/rex', 'https://vet.example/records/tom', 'file:///records/fido', 'vet://public/info'];
const SCOPES = ['mcp:access', 'pet:read', 'pet:write', 'admin', 'vet:staff', 'records:read'];
const POLICY = {
  resource: RESOURCE,
  requiredScopes: ['mcp:access'],
  tools: { get_pet_profile: ['pet:read'], update_pet_profile: ['pet:write'], delete_everything: ['admin'] },
  prompts: { triage: ['vet:staff'] },
  resources: { 'vet://records/rex': ['records:read'], 'https://vet.example/records/tom': ['records:read'], 'file:///records/fido': ['records:read'] },
  methods: { 'logging/setLevel': ['admin'] },
  maxBodyBytes: 8192,
};
const config = (defaultPolicy, jwksUri) => ({ ...POLICY, defaultPolicy, issuers: [{ issuer: ISSUER, jwksUri }] });

/** The scopes the policy needs for what the origin ran (looked up as the origin names it, and by its key). */
function needed(policy, run) {
  const list = { tool: policy.tools, prompt: policy.prompts, resource: policy.resources }[run.kind];
  const names = run.kind === 'resource' ? [run.name, resourceKey(run.name)] : [run.name];
  const listed = names.filter((n) => n && list[n]).flatMap((n) => list[n]);
  const method = { tool: 'tools/call', prompt: 'prompts/get', resource: 'resources/read' }[run.kind];
  return { listed: names.some((n) => n && list[n]), scopes: [...policy.requiredScopes, ...listed, ...(policy.methods[method] ?? [])] };
}

let keys;
let origin;
const gateways = {};
const validators = {};
let received = [];
let dispatched = [];
let ran = [];

/** Express + express.json() + the SDK, stateless, recording what it receives and runs. */
async function startOrigin() {
  const seen = new Map();
  const app = express();
  app.use(express.json({ verify: (req, res, buf) => (req.rawBody = buf) }));
  app.all('/mcp', async (req, res) => {
    received.push(req.method);
    const identity = verifyGatewayIdentity(req, SECRET, { seen, allowV1: process.env.SECURITY_TESTS_ALLOW_V1 === '1' });
    if (identity.error) return res.status(401).json({ error: identity.error });
    const server = new McpServer({ name: 'differential', version: '1.0.0' });
    for (const name of TOOLS) server.registerTool(name, { description: name }, async () => (ran.push({ kind: 'tool', name, scopes: identity.scopes }), { content: [] }));
    for (const name of PROMPTS) server.registerPrompt(name, { description: name }, async () => (ran.push({ kind: 'prompt', name, scopes: identity.scopes }), { messages: [] }));
    for (const uri of RESOURCES) {
      server.registerResource(uri, uri, {}, async (url) => (ran.push({ kind: 'resource', name: url.toString(), scopes: identity.scopes }), { contents: [] }));
    }
    // A template serving the same records under other names: what it runs is judged by its key too.
    server.registerResource('records', new ResourceTemplate('vet://records/{id}', { list: undefined }), {}, async (url) => (ran.push({ kind: 'resource', name: url.toString(), scopes: identity.scopes }), { contents: [] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    // What the SDK's protocol layer receives, after its own parsing and schema checks.
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      dispatched.push(message);
      deliver?.(message, extra);
    };
    await transport.handleRequest(req, res, req.body);
  });
  const listener = await new Promise((resolve) => {
    const l = app.listen(0, '127.0.0.1', () => resolve(l));
  });
  return { url: `http://127.0.0.1:${listener.address().port}/mcp`, close: () => new Promise((r) => (listener.closeAllConnections(), listener.close(r))) };
}

before(async () => {
  keys = await startServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk('p256')] })));
  origin = await startOrigin();
  for (const policy of ['allow', 'deny']) {
    const mcpAuth = config(policy, `${keys.url}/jwks`);
    gateways[policy] = await startGateway({ mcpAuth, upstream: origin.url, bindings: { MCP_AUTH_HMAC_SECRET: SECRET } });
    validators[policy] = await createValidator(mcpAuth);
  }
});

after(async () => {
  for (const g of Object.values(gateways)) await g.close();
  await origin?.close();
  await keys?.close();
});

// ------------------------------------------------------------ generators

/** `value` most of the time, else one of `others`: most cases are clean, so most get through to the origin. */
const mostly = (value, ...others) => fc.oneof({ weight: 6 * others.length, arbitrary: fc.constant(value) }, ...others.map((o) => ({ weight: 1, arbitrary: fc.constant(o) })));

/** A name, often one the origin serves, sometimes a near miss a reader might take for it. */
const nameFrom = (names) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...names) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...names), fc.constantFrom(' ', '\t', '\n', '\u0000', '\u00a0', '\u200b', '\ufeff', 'X', '')).chain(([n, c]) =>
        fc.constantFrom(c + n, n + c, n.toUpperCase(), n.replace('_', c || '-'), n.normalize('NFD'), n.replace('e', '\u0435')),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

/** A resource URI, often a spelling of one the origin serves. */
const uri = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...RESOURCES) },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom(...RESOURCES), fc.integer({ min: 0, max: 14 })).map(([u, how]) => {
      const [scheme, rest] = [u.slice(0, u.indexOf(':')), u.slice(u.indexOf(':'))];
      const last = u.lastIndexOf('/');
      return [
        scheme.toUpperCase() + rest,
        `${u.slice(0, last)}/./${u.slice(last + 1)}`,
        `${u.slice(0, last)}/x/../${u.slice(last + 1)}`,
        `${u.slice(0, last)}/%2E/${u.slice(last + 1)}`,
        `${u.slice(0, last)}/%2e%2E/${u.slice(last + 1)}`,
        u.replace(/[a-z](?=[a-z]*$)/, (c) => `%${c.charCodeAt(0).toString(16)}`),
        ` ${u}`,
        `${u}\n`,
        u.replace('//', '/\t/'),
        `${u}#fragment`,
        `${u}?`,
        u.replace(/\//g, '\\'),
        u.replace('records', 'RECORDS'),
        `${u}/`,
        u.replace('://', ':'),
      ][how];
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);

const id = fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constantFrom('a', 'b'));
const smuggled = mostly(
  'plain',
  '+ACI-},+ACI-name+ACI-:+ACI-update_pet_profile+ACI-,+ACI-arguments+ACI-:{+ACI-y+ACI-:+ACI-',
  '"},"name":"delete_everything","x":{"y":"',
  '\u2028\u2029',
  '\ud800',
);

/** One JSON-RPC message as a JS value (serialized later, with tricks). */
const message = fc.oneof(
  fc.record({ id, name: nameFrom(TOOLS), note: smuggled }).map(({ id, name, note }) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { petId: 'rex', note } } })),
  fc.record({ id, name: nameFrom(PROMPTS) }).map(({ id, name }) => ({ jsonrpc: '2.0', id, method: 'prompts/get', params: { name } })),
  fc.record({ id, uri }).map(({ id, uri }) => ({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } })),
  fc.record({ id, method: fc.constantFrom('ping', 'tools/list', 'prompts/list', 'resources/list', 'logging/setLevel', 'completion/complete', 'resources/subscribe') }).map(({ id, method }) => ({ jsonrpc: '2.0', id, method, params: method === 'logging/setLevel' ? { level: 'debug' } : {} })),
  fc.constantFrom({ jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete_everything' } }, { jsonrpc: '2.0', id: 'srv', result: {} }),
);

/** JSON text with the tricks one parser might read differently from another. */
const serialization = fc.record({
  escape: fc.boolean(),
  duplicate: mostly(null, 'name', 'method', 'uri'),
  proto: mostly(false, true),
  bom: mostly(false, true),
  space: fc.constantFrom('', ' ', '\n', '\t'),
});

function serialize(value, how) {
  let text = JSON.stringify(value, null, how.space || undefined);
  // \u escapes for ASCII inside strings (same meaning to every JSON parser).
  if (how.escape) text = text.replace(/"(method|name|uri)":"([^"\\]*)"/g, (_, k, v) => `"${k}":"${[...v].map((c) => (c === '/' || c === '_' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`);
  // A second member of the same name: parsers keep the first, the last, or refuse.
  if (how.duplicate) text = text.replace(new RegExp(`"${how.duplicate}":`), `"${how.duplicate}":"delete_everything","${how.duplicate}":`);
  if (how.proto) text = text.replace('"params":{', '"params":{"__proto__":{"name":"delete_everything","uri":"vet://records/rex"},');
  return (how.bom ? '\ufeff' : '') + text;
}

const contentType = mostly(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON;charset="UTF-8"',
  'application/json; charset=utf-7',
  'application/json; charset=utf-16le',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-8; x=y',
  'text/plain',
  'application/vnd.api+json',
  null,
);
const contentEncoding = mostly(null, 'identity', 'gzip', 'deflate', 'GZIP');

const request = fc.record({
  policy: fc.constantFrom('allow', 'deny'),
  scopes: fc.subarray(SCOPES.slice(1)).chain((more) => mostly(['mcp:access', ...more], more)),
  messages: fc.array(message, { minLength: 1, maxLength: 3 }),
  batch: mostly(false, true),
  how: serialization,
  contentType,
  contentEncoding,
});

/** The body bytes as the case's headers claim them to be (encoded in the declared charset and coding). */
function bytesOf(text, contentType, contentEncoding) {
  const charset = /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  let bytes = Buffer.from(text, charset === 'utf-16le' ? 'utf16le' : charset === 'iso-8859-1' ? 'latin1' : 'utf8');
  if (/gzip/i.test(contentEncoding ?? '')) bytes = gzipSync(bytes);
  if (contentEncoding === 'deflate') bytes = deflateSync(bytes);
  return bytes;
}

const tokens = new Map();
async function token(scopes) {
  const key = scopes.join(' ');
  if (!tokens.has(key)) tokens.set(key, await signEs256({ iss: ISSUER, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 3600, sub: 'fuzz', client_id: 'c', scope: key }));
  return tokens.get(key);
}

/** How the origin's SDK named each message it received, as the gateway names operations. */
function asOperation(m) {
  if (m.method === undefined) return 'response';
  if (m.method === 'tools/call') return `tool ${m.params?.name}`;
  if (m.method === 'prompts/get') return `prompt ${m.params?.name}`;
  if (m.method === 'resources/read') return `resource ${resourceKey(String(m.params?.uri))}`;
  return `method ${m.method}`;
}

test(`the origin runs only what the gateway authorized (${SECONDS ? `${SECONDS} s of` : RUNS} generated requests, seed ${SEED})`, async () => {
  const tally = { cases: 0, forwarded: 0, refusedBeforeOrigin: 0, ran: 0, ranProtected: 0 };
  await fc.assert(
    fc.asyncProperty(request, async (c) => {
      received = [];
      dispatched = [];
      ran = [];
      const text = serialize(c.batch ? c.messages : c.messages[0], c.how);
      const body = bytesOf(text, c.contentType, c.contentEncoding);
      const headers = { authorization: `Bearer ${await token(c.scopes)}`, accept: 'application/json, text/event-stream' };
      if (c.contentType !== null) headers['content-type'] = c.contentType;
      if (c.contentEncoding !== null) headers['content-encoding'] = c.contentEncoding;
      const res = await gateways[c.policy].fetch('/mcp', { method: 'POST', headers, body });
      await res.arrayBuffer();
      await new Promise((r) => setImmediate(r)); // notifications are handled after the 202

      const inspection = validators[c.policy].inspect(body, { http: { contentType: c.contentType, contentEncoding: c.contentEncoding } });
      tally.cases++;
      // 3. A body the inspection refuses never reaches the origin.
      if (!inspection.ok) {
        assert.equal(received.length, 0, `refused by inspection (${inspection.code}) but forwarded`);
        tally.refusedBeforeOrigin++;
        return;
      }
      if (received.length) tally.forwarded++;
      // 1. Everything the origin ran is allowed for this token.
      for (const r of ran) {
        const need = needed(POLICY, r);
        assert.ok(need.listed || c.policy === 'allow', `ran unlisted ${r.kind} ${JSON.stringify(r.name)} under deny`);
        for (const s of need.scopes) assert.ok(c.scopes.includes(s), `ran ${r.kind} ${JSON.stringify(r.name)} without ${s}`);
        assert.deepEqual(r.scopes, c.scopes.filter((s, i, all) => all.indexOf(s) === i), 'the origin saw exactly the granted scopes');
        tally.ran++;
        if (need.scopes.length > 1) tally.ranProtected++;
      }
      // 2. The SDK received only operations the gateway derived from the same bytes.
      const derived = inspection.operations.map((o) => (o.kind === 'response' ? 'response' : `${o.kind} ${o.name}`));
      const left = [...derived];
      for (const m of dispatched) {
        const op = asOperation(m);
        const at = left.indexOf(op);
        assert.ok(at >= 0, `the origin received ${JSON.stringify(op)}; the gateway derived ${JSON.stringify(derived)}`);
        left.splice(at, 1);
      }
      for (const r of ran.filter((r) => r.kind === 'resource')) {
        assert.ok(derived.includes(`resource ${resourceKey(r.name)}`), `the origin served ${r.name}; the gateway judged ${JSON.stringify(derived)}`);
      }
    }),
    { numRuns: RUNS, seed: SEED, ...(SECONDS ? { interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false } : {}) },
  );
  console.log(`differential: ${JSON.stringify(tally)}`);
  // Not vacuous: requests got through and protected operations ran.
  assert.ok(tally.forwarded > tally.cases / 10 && tally.ranProtected > 0 && tally.refusedBeforeOrigin > 0, JSON.stringify(tally));
});
