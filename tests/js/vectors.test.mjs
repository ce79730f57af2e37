// The core's vector files against the wasm build, through the packed package:
// every case must come out exactly as the native build's loader expects, with
// signatures checked by node:crypto, by WebCrypto and by the pure-Rust backend
// alike (the differential test of issue 5: identical verdicts, codes and challenges).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createValidator, verifyJwsSignature, verifyJwsSignatureNode, verifyJwsSignatureWebCrypto } from 'mcp-edge-auth';

import { vectorFiles } from './helpers.mjs';

/** Each case through one backend; `run` verifies with the validator. */
async function runCases(crypto, run) {
  let count = 0;
  const failures = [];
  const results = [];
  const checks = { webcrypto: 0, node: 0, rust: 0 };
  for (const [name, file] of vectorFiles()) {
    for (const c of file.cases) {
      count++;
      const v = await createValidator(file.configs[c.config], { crypto });
      const skipped = [];
      for (const [issuer, jwks] of Object.entries(file.keySets[c.keySets])) {
        skipped.push(...v.setJwks(issuer, jwks).skipped.map((s) => s.kid ?? ''));
      }
      const r = await run(v, c);
      const n = v.signatureChecks();
      for (const k of Object.keys(checks)) checks[k] += n[k];
      results.push(r.ok ? { ok: true, scopes: r.authInfo.scopes, sub: r.authInfo.subject } : { ...r });
      const e = c.expect;
      const problems = [];
      if (JSON.stringify(skipped) !== JSON.stringify(c.skipped ?? [])) problems.push(`skipped ${skipped}`);
      if (r.ok !== e.ok) problems.push(`ok ${r.ok}, want ${e.ok} (${r.code})`);
      else if (r.ok) {
        if (e.scopes && JSON.stringify(r.authInfo.scopes) !== JSON.stringify(e.scopes)) problems.push(`scopes ${r.authInfo.scopes}`);
        if (e.clientId && r.authInfo.clientId !== e.clientId) problems.push(`clientId ${r.authInfo.clientId}`);
        if (!(r.authInfo.resource instanceof URL)) problems.push('resource is not a URL');
      } else {
        if (r.status !== e.status || r.code !== e.code || r.error !== e.error) problems.push(`got ${r.status} ${r.error} ${r.code}`);
        if (e.scope && !r.wwwAuthenticate.includes(`scope="${e.scope}"`)) problems.push(`challenge ${r.wwwAuthenticate}`);
      }
      if (problems.length) failures.push(`${name}: ${c.name}: ${problems.join('; ')}`);
    }
    for (const s of file.signatures ?? []) {
      count++;
      const check = { rust: verifyJwsSignature, node: verifyJwsSignatureNode, webcrypto: verifyJwsSignatureWebCrypto }[crypto];
      const got = await check(s.alg, s.jwk, s.signingInput, s.signature);
      results.push(got);
      if (got !== s.expect) failures.push(`${name}: signature ${s.name}: ${got}, want ${s.expect}`);
    }
  }
  return { count, failures, results, checks };
}

// Each backend runs every vector once; the last test compares the runs.
const once = (run) => {
  let result;
  return () => (result ??= run());
};
// A case with `contentType` is an HTTP body with those header values (null: absent).
const options = (c) => ({ now: c.now, body: c.body, ...('contentType' in c ? { http: { contentType: c.contentType, contentEncoding: c.contentEncoding } } : {}) });
const rustRun = once(() => runCases('rust', (v, c) => v.verifySync(c.authorization, options(c))));
const webRun = once(() => runCases('webcrypto', (v, c) => v.verify(c.authorization, options(c))));
const nodeRun = once(() => runCases('node', (v, c) => v.verify(c.authorization, options(c))));

test('every vector case agrees with the native build (pure-Rust signatures)', async () => {
  const { count, failures, checks } = await rustRun();
  console.log(`${count} vectors through the wasm build, Rust backend`);
  assert.equal(checks.webcrypto + checks.node, 0);
  assert.ok(count > 200);
  assert.deepEqual(failures, []);
});

test('every vector case agrees with the native build (WebCrypto signatures)', async () => {
  const { count, failures, checks } = await webRun();
  console.log(`${count} vectors through the wasm build, WebCrypto backend (${checks.webcrypto} WebCrypto checks, ${checks.rust} in Rust)`);
  assert.ok(count > 200);
  assert.deepEqual(failures, []);
  // Node 20 takes every key type: nothing fell back to Rust, so WebCrypto really answered.
  assert.ok(checks.webcrypto > 100, `${checks.webcrypto} WebCrypto checks`);
  assert.equal(checks.rust + checks.node, 0);
});

test('every vector case agrees with the native build (node:crypto signatures)', async () => {
  const { count, failures, checks } = await nodeRun();
  console.log(`${count} vectors through the wasm build, node:crypto backend (${checks.node} node:crypto checks, ${checks.rust} in Rust)`);
  assert.ok(count > 200);
  assert.deepEqual(failures, []);
  assert.ok(checks.node > 100, `${checks.node} node:crypto checks`);
  assert.equal(checks.rust + checks.webcrypto, 0);
});

test('node:crypto, WebCrypto and Rust backends give identical verdicts on every vector', async () => {
  const [rust, web, node] = [await rustRun(), await webRun(), await nodeRun()];
  for (const [name, other] of [['WebCrypto', web], ['node:crypto', node]]) {
    assert.equal(other.results.length, rust.results.length);
    for (let i = 0; i < other.results.length; i++) assert.deepEqual(other.results[i], rust.results[i], `${name} vector ${i}`);
  }
  // Not a vacuous comparison: both accepted and refused cases are present.
  assert.ok(rust.results.some((r) => r.ok === true) && rust.results.some((r) => r.ok === false));
});

/** A validator for requests.json's accepted case `name`, its token, and the time of the case. */
async function acceptedCase(name) {
  const [, requests] = vectorFiles().find(([file]) => file === 'requests.json');
  const accepted = requests.cases.find((c) => c.name === name);
  const v = await createValidator(requests.configs[accepted.config], { crypto: 'node' });
  for (const [issuer, jwks] of Object.entries(requests.keySets[accepted.keySets])) v.setJwks(issuer, jwks);
  return { v, token: accepted.authorization.split(' ').pop(), now: accepted.now };
}

test('a header value JavaScript holds but UTF-8 cannot (a lone surrogate) is refused as malformed by every call that reads it', async () => {
  const { v, token, now } = await acceptedCase('scheme in lower case');
  // The same token first accepted, then remembered: the lone surrogate must not reach either path unrefused.
  assert.equal((await v.verify(`Bearer ${token}`, { now })).ok, true);
  for (const value of [`Bearer ${token}\ud800`, `Bearer \udc00${token}`]) {
    for (const r of [await v.verify(value, { now }), v.verifySync(value, { now }), v.credentials(value)]) {
      assert.equal(r.ok, false);
      assert.equal(r.status, 400);
      assert.equal(r.code, 'ERR_BEARER_MALFORMED');
    }
    assert.equal(v.issuerFor(value), null);
  }
});

test('a header value that ends like a remembered one is decided by the core, never answered from memory', async () => {
  const { v, token, now } = await acceptedCase('scheme in lower case');
  assert.equal((await v.verify(`Bearer ${token}`, { now })).ok, true);
  // The same signature under another payload: the last characters match the remembered token's.
  const [h, p, s] = token.split('.');
  const forged = `${h}.${p.slice(0, -4)}${p.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}.${s}`;
  for (const value of [`Bearer ${forged}`, forged]) {
    const r = await v.verify(value, { now });
    assert.equal(r.ok, false, value === forged ? 'bare token' : 'header');
    assert.notEqual(r.code, undefined);
  }
  // Another spelling of the same token is decided afresh and accepted on its own merits.
  assert.equal((await v.verify(`BEARER   ${token}`, { now })).ok, true);
  assert.equal((await v.verify(token, { now })).ok, true);
});

test('a header value longer than the wrapper reuses for encoding is decided as any other', async () => {
  const { v, token, now } = await acceptedCase('scheme in lower case');
  // Spaces after the scheme are allowed (1*SP): accepted, whatever the length of the value.
  const spaced = `Bearer${' '.repeat(20000)}${token}`;
  assert.equal((await v.verify(spaced, { now })).ok, true);
  assert.equal(v.verifySync(spaced, { now }).ok, true);
  assert.equal(v.credentials(spaced), null);
  assert.notEqual(v.issuerFor(spaced), null);
  // A token past maxTokenBytes, and one followed by characters outside ASCII: refused as such.
  for (const [value, code] of [[`Bearer ${'a'.repeat(20000)}`, 'ERR_TOKEN_TOO_LARGE'], [`Bearer ${token}${'\u00e4'.repeat(9000)}`, 'ERR_BEARER_MALFORMED']]) {
    const r = await v.verify(value, { now });
    assert.equal(r.ok, false);
    assert.equal(r.code, code);
  }
});

test('every caller gets its own AuthInfo: fields, a resource URL and the claims, written out whole by JSON.stringify', async () => {
  const { v, token, now } = await acceptedCase('scheme in lower case');
  const first = (await v.verify(`Bearer ${token}`, { now })).authInfo;
  const second = (await v.verify(`Bearer ${token}`, { now })).authInfo;
  assert.equal(first.token, token);
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
  assert.deepEqual(first.claims, payload);
  assert.equal(first.issuer, payload.iss);
  assert.ok(first.resource instanceof URL);
  // What one caller changes, another does not see.
  first.scopes.push('changed');
  first.resource = new URL('https://elsewhere.example/');
  first.claims = { replaced: true };
  assert.ok(!second.scopes.includes('changed'));
  assert.notEqual(second.resource.href, 'https://elsewhere.example/');
  assert.deepEqual(second.claims, payload);
  const written = JSON.parse(JSON.stringify(second));
  assert.deepEqual(Object.keys(written).sort(), ['audience', 'claims', 'clientId', 'expiresAt', 'issuer', 'resource', 'scopes', 'subject', 'token'].filter((k) => k !== 'subject' || second.subject !== undefined).sort());
  assert.equal(written.resource, second.resource.href);
  assert.deepEqual(written.claims, payload);
});
