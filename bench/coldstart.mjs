// One cold start, in this fresh process: load the library, instantiate (wasm
// for mcp-edge-auth), load the key set and verify one ES256 token. Prints
// {ok, ms}. The token is made before the clock starts.
import { readFileSync } from 'node:fs';

import { CONFIG, ISSUER, RESOURCE, deserializeKeys, jwksOf, token } from './tokens.mjs';

const lib = process.argv[2];
const keys = deserializeKeys(JSON.parse(readFileSync(0, 'utf8')).keys);
const jwks = jwksOf(keys);
const t = token(keys, 'ES256', 0);

const start = performance.now();
let ok;
if (lib === 'mcp-edge-auth') {
  const { createValidator } = await import('mcp-edge-auth');
  const v = await createValidator(CONFIG);
  v.setJwks(ISSUER, jwks);
  ok = (await v.verify(t)).ok;
} else if (lib === 'jose') {
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  const { payload } = await jwtVerify(t, createLocalJWKSet(jwks), { issuer: ISSUER, audience: RESOURCE, typ: 'at+jwt' });
  ok = payload.iss === ISSUER;
} else {
  // fast-jwt and jsonwebtoken take a key, not a key set: the key is made from the JWK within the timing.
  const { createPublicKey } = await import('node:crypto');
  const jwk = jwks.keys.find((k) => k.alg === 'ES256');
  if (lib === 'fast-jwt') {
    const { createVerifier } = await import('fast-jwt');
    const key = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    ok = createVerifier({ key, algorithms: ['ES256'], allowedIss: ISSUER, allowedAud: RESOURCE })(t).iss === ISSUER;
  } else {
    const { default: jwt } = await import('jsonwebtoken');
    ok = jwt.verify(t, createPublicKey({ key: jwk, format: 'jwk' }), { algorithms: ['ES256'], issuer: ISSUER, audience: RESOURCE }).iss === ISSUER;
  }
}
console.log(JSON.stringify({ ok, ms: performance.now() - start }));
