// VetAssist's authorization server for the demo: oidc-provider with two users,
// its login and consent screens, dynamic client registration (RFC 7591),
// authorization code + PKCE, client credentials, and JWT access tokens for the
// resource the client names (RFC 8707). Demo only: any password is accepted.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

export const SCOPES = ['mcp:access', 'pet-profile:read', 'pet-profile:write'];

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
    scopes: SCOPES,
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
    ttl: { ClientCredentials: 600, AccessToken: 600 },
  });
  provider.proxy = false;
  return provider;
}

/** Starts the authorization server on 127.0.0.1:port. */
export async function startAuthorizationServer(port) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = createProvider(issuer);
  const handle = provider.callback();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/reg') return handle(req, res);
    // This AS's policy: a registration does not limit which of the resource's
    // scopes a client may ask for; what a token gets is limited per user. (The
    // MCP SDK registers with the first 401's scope, which would rule out step-up.)
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const metadata = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        delete metadata.scope;
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
