// The comparison Worker: the same checks as the Rust gateway, written with
// jose: signature by the issuer's JWKS (fetched and cached by
// createRemoteJWKSet), iss, aud = this resource, exp, typ at+jwt, the
// allowed algorithms, the base scope, and per-tool scopes from the JSON-RPC
// body; refusals carry RFC 6750 challenges; the token is not forwarded.
import { createRemoteJWKSet, jwtVerify } from 'jose';

let state;
function setup(env) {
  const config = JSON.parse(env.MCP_AUTH);
  const issuer = config.issuers[0];
  return { config, issuer, jwks: createRemoteJWKSet(new URL(issuer.jwksUri)) };
}

const challenge = (error, scope) => `Bearer ${error ? `error="${error}", ` : ''}scope="${scope.join(' ')}"`;
function refuse(status, error, scope) {
  return new Response(JSON.stringify(error ? { error } : {}), { status, headers: { 'content-type': 'application/json', 'www-authenticate': challenge(error, scope) } });
}

export default {
  async fetch(request, env) {
    state ??= setup(env);
    const { config, issuer, jwks } = state;
    const body = request.method === 'POST' ? await request.text() : undefined;
    let needed = config.requiredScopes;
    if (body) {
      let rpc;
      try {
        rpc = JSON.parse(body);
      } catch {
        return refuse(400, 'invalid_request', needed);
      }
      const tool = rpc?.method === 'tools/call' ? config.tools?.[rpc.params?.name] : undefined;
      if (tool) needed = [...needed, ...tool];
    }
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) return refuse(401, null, needed);
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], jwks, { issuer: issuer.issuer, audience: config.resource, algorithms: issuer.algorithms, typ: 'at+jwt', requiredClaims: ['exp'] }));
    } catch {
      return refuse(401, 'invalid_token', needed);
    }
    const granted = new Set(String(payload.scope ?? '').split(' '));
    if (!needed.every((s) => granted.has(s))) return refuse(403, 'insufficient_scope', needed);
    const headers = new Headers(request.headers);
    headers.delete('authorization');
    return fetch(env.UPSTREAM_URL + new URL(request.url).search, { method: request.method, headers, body });
  },
};
