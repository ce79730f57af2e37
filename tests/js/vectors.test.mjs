// The core's vector files against the wasm build, through the packed package:
// every case must come out exactly as the native build's loader expects.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createValidator, verifyJwsSignature } from 'mcp-edge-auth';

import { vectorFiles } from './helpers.mjs';

test('every vector case agrees with the native build', async () => {
  let count = 0;
  const failures = [];
  for (const [name, file] of vectorFiles()) {
    for (const c of file.cases) {
      count++;
      const v = await createValidator(file.configs[c.config]);
      const skipped = [];
      for (const [issuer, jwks] of Object.entries(file.keySets[c.keySets])) {
        skipped.push(...v.setJwks(issuer, jwks).skipped.map((s) => s.kid ?? ''));
      }
      const r = v.verify(c.authorization, { now: c.now, body: c.body });
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
      const got = verifyJwsSignature(s.alg, s.jwk, s.signingInput, s.signature);
      if (got !== s.expect) failures.push(`${name}: signature ${s.name}: ${got}, want ${s.expect}`);
    }
  }
  console.log(`${count} vectors through the wasm build`);
  assert.ok(count > 200);
  assert.deepEqual(failures, []);
});
