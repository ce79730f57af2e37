// Parts 1 and 4 of the benchmark: verifications per second for the packed npm
// package, jose (`jwtVerify` + `createLocalJWKSet`), fast-jwt (its cache off,
// and on) and jsonwebtoken (given a `KeyObject`), on the same tokens, cold
// (every token new) and warm (the same token again); and cold start (module
// load + instantiate + first verification) in a fresh process.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { createVerifier } from 'fast-jwt';
import { createLocalJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { createValidator } from 'mcp-edge-auth';

import { ALGS, CONFIG, ISSUER, RESOURCE, SCOPE, jwksOf, serializeKeys, token } from './tokens.mjs';

/**
 * Each contender: a name and `make(alg)`, which returns a fresh async
 * verify(token) that throws unless the token is accepted with SCOPE. Ours
 * gets a new validator (an empty verified-token cache) on every make().
 */
function contenders(keys) {
  const jwks = jwksOf(keys);
  const ours = (crypto) => async () => {
    const v = await createValidator(CONFIG, { crypto });
    v.setJwks(ISSUER, jwks);
    return async (t) => {
      const r = await v.verify(t);
      if (!r.ok) throw new Error(r.code);
    };
  };
  const local = createLocalJWKSet(jwks);
  const joseVerify = async (alg) => async (t) => {
    const { payload } = await jwtVerify(t, local, { issuer: ISSUER, audience: RESOURCE, algorithms: [alg], typ: 'at+jwt', requiredClaims: ['exp'] });
    if (!String(payload.scope ?? '').split(' ').includes(SCOPE)) throw new Error('scope');
  };
  const pubByKid = Object.fromEntries(jwks.keys.map((k) => [k.kid, createPublicKey({ key: k, format: 'jwk' })]));
  const jsonwebtoken = async (alg) => async (t) => {
    const kid = JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid;
    const payload = jwt.verify(t, pubByKid[kid], { algorithms: [alg], issuer: ISSUER, audience: RESOURCE });
    if (!String(payload.scope ?? '').split(' ').includes(SCOPE)) throw new Error('scope');
  };
  // fast-jwt takes one key (PEM) per verifier: the algorithm's key, as the issuer's `kid` would select it.
  const pemOf = (alg) => pubByKid[keys[alg].kid].export({ format: 'pem', type: 'spki' });
  const fastJwt = (cache) => async (alg) => {
    const verify = createVerifier({ key: pemOf(alg), algorithms: [alg], allowedIss: ISSUER, allowedAud: RESOURCE, requiredClaims: ['exp'], cache });
    return async (t) => {
      const payload = verify(t);
      if (!String(payload.scope ?? '').split(' ').includes(SCOPE)) throw new Error('scope');
    };
  };
  return [
    // The default under Node.
    { name: 'mcp-edge-auth (node:crypto)', ours: true, make: ours('node') },
    { name: 'mcp-edge-auth (WebCrypto)', ours: true, make: ours('webcrypto') },
    { name: 'mcp-edge-auth (pure Rust)', ours: true, make: ours('rust') },
    { name: 'jose jwtVerify', make: joseVerify },
    { name: 'fast-jwt', make: fastJwt(false) },
    // Its cache on: repeated tokens answered from it, like ours.
    { name: 'fast-jwt (cache on)', cached: true, make: fastJwt(true) },
    // jsonwebtoken 9 has no EdDSA.
    { name: 'jsonwebtoken', make: jsonwebtoken, supports: (alg) => alg !== 'EdDSA' },
  ];
}

/** Operations per second over `tokens`, each once, sequentially. */
async function rate(verify, tokens) {
  const start = performance.now();
  for (const t of tokens) await verify(t);
  return tokens.length / ((performance.now() - start) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Steady-state verification rates. Every contender first verifies `warmup`
 * tokens untimed (JIT and wasm tier-up, key import). Then, per round, the same
 * `perRound` new tokens go to every contender, ours through a new validator:
 * cold = every token new to it. Warm = one token again, `warm` times.
 * Contenders take turns within a round, so drift on the machine hits all alike.
 */
export async function benchVerify(keys, { perRound = 1500, rounds = 3, warmup = 2000, warm = 20000, log = console.log } = {}) {
  const list = contenders(keys);
  const results = [];
  for (const alg of ALGS) {
    const active = list.filter((c) => !c.supports || c.supports(alg));
    let n = 0;
    const batch = (count) => Array.from({ length: count }, () => token(keys, alg, n++));
    log(`  ${alg}: signing ${warmup + rounds * perRound} tokens`);
    const warmupTokens = batch(warmup);
    for (const c of active) await rate(await c.make(alg), warmupTokens);
    const cold = active.map(() => []);
    const warmRates = active.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const tokens = batch(perRound);
      for (const [i, c] of active.entries()) {
        const verify = await c.make(alg);
        cold[i].push(await rate(verify, tokens));
        // Libraries without a cache do the whole work again: fewer repetitions say as much.
        warmRates[i].push(await rate(verify, new Array(c.ours || c.cached ? warm : Math.ceil(warm / 10)).fill(tokens[0])));
      }
    }
    for (const c of list) {
      const i = active.indexOf(c);
      results.push({ alg, name: c.name, cold: i < 0 ? null : median(cold[i]), warm: i < 0 ? null : median(warmRates[i]) });
    }
  }
  return results;
}

export const COLD_START_LIBS = ['mcp-edge-auth', 'jose', 'fast-jwt', 'jsonwebtoken'];

/** Milliseconds from nothing loaded to the first verification's answer, in a fresh Node process (median of `runs`). */
export function benchColdStart(keys, { runs = 5 } = {}) {
  const child = fileURLToPath(new URL('./coldstart.mjs', import.meta.url));
  const input = JSON.stringify({ keys: serializeKeys(keys) });
  const out = {};
  for (const lib of COLD_START_LIBS) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const r = JSON.parse(execFileSync(process.execPath, [child, lib], { input, encoding: 'utf8' }));
      if (!r.ok) throw new Error(`${lib} cold start: first verification refused`);
      times.push(r.ms);
    }
    out[lib] = median(times);
  }
  return out;
}
