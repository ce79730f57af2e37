// The comparison Worker: the same checks as the Rust gateway, written with
// jose: signature by the issuer's JWKS (fetched and cached by
// createRemoteJWKSet), iss, aud = this resource, exp, typ at+jwt, the
// allowed algorithms, the base scope, and per-tool scopes from the JSON-RPC
// body; refusals carry RFC 6750 challenges; the token is not forwarded.
// With DECISION_LOG = "all" it also writes the Rust Worker's decision log
// line, the same way (console.info after the response), for a like-for-like
// row in the benchmark. With TOKEN_CHECK = "off" it checks no token at all
// (the authorization header is still dropped): the floor, what any gateway
// that reads the body to authorize per tool, forwards it and logs, pays
// around its check.
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

/** The decision and what the log line would say about it. */
async function decide(request, env) {
  state ??= setup(env);
  const { config, issuer, jwks } = state;
  const body = request.method === 'POST' ? await request.text() : undefined;
  const seen = { issuer: null, subject: null, clientId: null, tool: null };
  let needed = config.requiredScopes;
  if (body) {
    let rpc;
    try {
      rpc = JSON.parse(body);
    } catch {
      return [refuse(400, 'invalid_request', needed), seen];
    }
    seen.tool = typeof rpc?.params?.name === 'string' ? rpc.params.name.slice(0, 64) : null;
    const tool = rpc?.method === 'tools/call' ? config.tools?.[rpc.params?.name] : undefined;
    if (tool) needed = [...needed, ...tool];
  }
  if (env.TOKEN_CHECK === 'off') return [await forward(request, env, body), seen];
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) return [refuse(401, null, needed), seen];
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1], jwks, { issuer: issuer.issuer, audience: config.resource, algorithms: issuer.algorithms, typ: 'at+jwt', requiredClaims: ['exp'] }));
  } catch {
    return [refuse(401, 'invalid_token', needed), seen];
  }
  Object.assign(seen, { issuer: payload.iss, subject: payload.sub ?? null, clientId: payload.client_id ?? null });
  const granted = new Set(String(payload.scope ?? '').split(' '));
  if (!needed.every((s) => granted.has(s))) return [refuse(403, 'insufficient_scope', needed), seen];
  return [await forward(request, env, body), seen];
}

/** The request sent on to the origin with `body` (text, or undefined), without its token. */
function forward(request, env, body) {
  const headers = new Headers(request.headers);
  headers.delete('authorization');
  return fetch(env.UPSTREAM_URL + new URL(request.url).search, { method: request.method, headers, body });
}

export default {
  async fetch(request, env, ctx) {
    const started = Date.now();
    const [response, seen] = await decide(request, env);
    if (env.DECISION_LOG === 'all') {
      const line = JSON.stringify({ event: 'decision', status: response.status, code: null, ...seen, durationMs: Date.now() - started });
      ctx.waitUntil(new Promise((resolve) => setTimeout(() => resolve(console.info(line)), 0)));
    }
    return response;
  },
};
