// Keys and tokens shared by every benchmark: one key per algorithm, signed
// with node:crypto, so every library verifies exactly the same bytes.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, constants } from 'node:crypto';

export const ISSUER = 'https://auth.bench.example';
export const RESOURCE = 'https://mcp.bench.example/mcp';
export const SCOPE = 'mcp:access';
export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

const b64 = (b) => Buffer.from(b).toString('base64url');

/** One private key per algorithm (RS256 and PS256 share an RSA-2048 key, as two JWKs bound by `alg`). */
export function makeKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  // A new kid per run: key material never reappears under an old kid (caches of earlier runs).
  const run = randomBytes(4).toString('hex');
  const entry = (alg, pair) => ({ alg, kid: `bench-${alg.toLowerCase()}-${run}`, privateKey: pair.privateKey, publicKey: pair.publicKey });
  return { RS256: entry('RS256', rsa), PS256: entry('PS256', rsa), ES256: entry('ES256', ec), EdDSA: entry('EdDSA', ed) };
}

/** The public JWKS, and the same keys as PEM/KeyObjects by kid for jsonwebtoken. */
export function jwksOf(keys) {
  return { keys: Object.values(keys).map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' })) };
}

export function serializeKeys(keys) {
  return Object.fromEntries(Object.entries(keys).map(([alg, k]) => [alg, { kid: k.kid, pem: k.privateKey.export({ format: 'pem', type: 'pkcs8' }) }]));
}

export function deserializeKeys(data) {
  return Object.fromEntries(
    Object.entries(data).map(([alg, k]) => {
      const privateKey = createPrivateKey(k.pem);
      return [alg, { alg, kid: k.kid, privateKey, publicKey: createPublicKey(privateKey) }];
    }),
  );
}

function signature(alg, key, input) {
  switch (alg) {
    case 'RS256':
      return sign('sha256', input, key);
    case 'PS256':
      return sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ES256':
      return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, input, key);
  }
  throw new Error(`unknown alg ${alg}`);
}

/** A typical MCP access token (RFC 9068 shape); `n` makes each one distinct. */
export function token(keys, alg, n, { scope = `${SCOPE} pet-profile:read`, lifetime = 3600, aud = RESOURCE } = {}) {
  const k = keys[alg];
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg, kid: k.kid, typ: 'at+jwt' }));
  const payload = b64(
    JSON.stringify({ iss: ISSUER, sub: `user-${n}`, aud, client_id: 'bench-client', scope, iat: now, exp: now + lifetime, jti: `bench-${alg}-${n}` }),
  );
  const input = `${header}.${payload}`;
  return `${input}.${b64(signature(alg, k.privateKey, input))}`;
}

/** The shared config: the same checks every contender makes. */
export const CONFIG = { resource: RESOURCE, issuers: [{ issuer: ISSUER, algorithms: ALGS, typ: 'at+jwt' }], requiredScopes: [SCOPE] };
