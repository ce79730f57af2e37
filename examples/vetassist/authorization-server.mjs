// VetAssist's authorization server for the demo: oidc-provider with two users,
// its login and consent screens, dynamic client registration (RFC 7591) that
// takes what real MCP clients send, Client ID Metadata Documents, authorization
// code + PKCE, refresh tokens, client credentials, CORS for clients in a
// browser, and JWT access tokens for the resource the client names (RFC 8707).
// Demo only: any password is accepted.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

export const SCOPES = ['mcp:access', 'pet-profile:read', 'pet-profile:write'];

/** The grant types this server issues tokens for (what registration may ask for). */
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

/** Who may have which scopes. */
export const USERS = {
  bob: { name: 'Bob (pet owner)', scopes: ['mcp:access', 'pet-profile:read'] },
  'dr-alice': { name: 'Dr Alice (vet staff)', scopes: SCOPES },
};

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
}

function accountOf(ctx) {
  return ctx.oidc?.account?.accountId ?? ctx.oidc?.entities?.Account?.accountId ?? ctx.oidc?.entities?.AuthorizationCode?.accountId;
}

/** A machine client (client credentials): VetAssist's reminder service. */
export const REMINDER_SERVICE = { client_id: 'vetassist-reminders', client_secret: 'demo-reminders-secret-0123456789' };

export function createProvider(issuer, { keys = [signingKey(`vetassist-${Date.now().toString(36)}`)], clients = [] } = {}) {
  clients = [
    ...clients,
    { ...REMINDER_SERVICE, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:access pet-profile:read', token_endpoint_auth_method: 'client_secret_basic' },
  ];
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    // offline_access turns refresh tokens on (oidc-provider issues one when a
    // client that registered the refresh_token grant asks for offline_access,
    // as the MCP SDKs do when the server lists it).
    scopes: [...SCOPES, 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'] },
    async findAccount(ctx, id) {
      if (!USERS[id]) return undefined;
      return { accountId: id, claims: () => ({ sub: id, name: USERS[id].name }) };
    },
    pkce: { required: () => true },
    clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'none' },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      // The MCP 2025-11-25 preferred registration: an https client_id naming
      // the client's own metadata document (clients on the open web; the local
      // demo's clients register dynamically).
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        // The token's scopes are limited to what the signed-in user may have.
        getResourceServerInfo: (ctx, indicator) => {
          const account = accountOf(ctx);
          const allowed = account && USERS[account] ? USERS[account].scopes : SCOPES;
          return { scope: allowed.join(' '), audience: indicator, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    // CORS on the token endpoint for public clients in a browser, from the origin of one of their redirect URIs.
    clientBasedCORS: (ctx, origin, client) => client.clientAuthMethod === 'none' && client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    ttl: { ClientCredentials: 600, AccessToken: 600, RefreshToken: 86400 },
  });
  provider.proxy = false;
  return provider;
}

/** Starts the authorization server on 127.0.0.1:port (`options`: createProvider's, e.g. the signing `keys`). */
export async function startAuthorizationServer(port, options) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = createProvider(issuer, options);
  const handle = provider.callback();
  const server = createServer((req, res) => {
    if (req.url !== '/reg') return handle(req, res);
    // Registration from a browser (RFC 7591 from a client running in a page): CORS.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      return res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type, Authorization', 'Access-Control-Max-Age': '86400' }).end();
    }
    if (req.method !== 'POST') return handle(req, res);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const metadata = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        // This AS's policy: a registration does not limit which of the resource's
        // scopes a client may ask for; what a token gets is limited per user. (The
        // MCP SDKs register with the first 401's scope, which would rule out step-up.)
        delete metadata.scope;
        // RFC 7591 §3.2.1: the server may replace requested metadata with values
        // it supports. Grant types it does not issue are dropped (and the
        // registration response says what the client got), rather than the
        // registration failing.
        if (Array.isArray(metadata.grant_types)) {
          const supported = metadata.grant_types.filter((g) => GRANT_TYPES.includes(g));
          metadata.grant_types = supported.length ? supported : ['authorization_code'];
        }
        req.body = metadata;
      } catch {
        req.body = {};
      }
      handle(req, res);
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 9000);
  await startAuthorizationServer(port);
  console.log(`authorization server on http://127.0.0.1:${port}`);
}
