// Real peers on 127.0.0.1, nothing mocked: oidc-provider issues JWT access
// tokens for the MCP server's resource indicator (RFC 8707); an MCP server
// built with @modelcontextprotocol/sdk (Streamable HTTP over Express) is
// protected by requireBearerAuth({ verifier: auth }) plus auth.express() for
// per-tool scopes; the SDK's own client with ClientCredentialsProvider finds
// everything from the first 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express from 'express';
import Provider from 'oidc-provider';
import { createAuth, McpEdgeAuthError } from 'mcp-edge-auth';

import { privateJwk, startServer } from './helpers.mjs';

const SCOPES = ['mcp:access', 'pet-profile:read', 'pet-profile:write'];
let as; // the authorization server's HTTP server
let mcp; // the MCP server's HTTP server
let resource;
let auth;

function signingKey(name, kid) {
  return { ...privateJwk(name), kid, alg: 'ES256', use: 'sig' };
}

function provider(issuer, keys) {
  const p = new Provider(issuer, {
    clients: [
      { client_id: 'vet-client', client_secret: 'vet-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: 'ES256', scope: 'mcp:access pet-profile:read' },
      { client_id: 'admin-client', client_secret: 'admin-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: 'ES256', scope: SCOPES.join(' ') },
    ],
    jwks: { keys },
    scopes: SCOPES,
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => ({ scope: SCOPES.join(' '), audience: indicator, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  });
  p.proxy = false;
  return p;
}

function mcpServer() {
  const server = new McpServer({ name: 'vetassist', version: '1.0.0' });
  const pet = { name: 'Rex', species: 'dog', weightKg: 31 };
  server.registerTool('get_pet_profile', { description: "Read a pet's profile" }, async () => ({ content: [{ type: 'text', text: JSON.stringify(pet) }] }));
  server.registerTool('update_pet_profile', { description: "Update a pet's profile" }, async () => ({ content: [{ type: 'text', text: 'updated' }] }));
  return server;
}

before(async () => {
  let current;
  as = await startServer((req, res) => current.callback()(req, res));
  current = provider(as.url, [signingKey('p256', 'as-key-1')]);
  as.rotate = () => {
    current = provider(as.url, [signingKey('other-p256', 'as-key-2'), signingKey('p256', 'as-key-1')]);
  };

  const app = express();
  app.use(express.json());
  mcp = await startServer(app);
  resource = `${mcp.url}/mcp`;
  auth = createAuth({
    resource,
    issuers: [{ issuer: as.url, typ: 'at+jwt' }],
    requiredScopes: ['mcp:access'],
    tools: { get_pet_profile: ['pet-profile:read'], update_pet_profile: ['pet-profile:write'] },
    scopesSupported: SCOPES,
    resourceName: 'VetAssist MCP',
    jwksCooldownSeconds: 0,
  });
  const resourceMetadataUrl = `${mcp.url}/.well-known/oauth-protected-resource/mcp`;
  app.get(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'], (req, res) => res.json(auth.validator.metadata()));
  app.all('/mcp', requireBearerAuth({ verifier: auth, resourceMetadataUrl, requiredScopes: ['mcp:access'] }), auth.express(), async (req, res) => {
    mcp.seenAuth = req.auth;
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = mcpServer();
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
});

after(async () => {
  await mcp?.close();
  await as?.close();
});

async function connect(clientId, secret) {
  // This SDK's client_credentials request asks for the provider's configured scope.
  const authProvider = new ClientCredentialsProvider({ clientId, clientSecret: secret, expectedIssuer: as.url, scope: 'mcp:access pet-profile:read' });
  const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider });
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(transport);
  return { client, authProvider };
}

async function tokenFor(audience, scope) {
  const res = await fetch(`${as.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('admin-client:admin-secret-0123456789').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: audience }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

test('the SDK client discovers everything from the first 401 and calls a tool', async () => {
  const first = await fetch(resource, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(first.status, 401);
  assert.match(first.headers.get('www-authenticate'), /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);

  const { client, authProvider } = await connect('vet-client', 'vet-secret-0123456789');
  const result = await client.callTool({ name: 'get_pet_profile', arguments: {} });
  assert.equal(JSON.parse(result.content[0].text).name, 'Rex');
  // The verified identity reached the handler, in the SDK's AuthInfo shape.
  assert.equal(mcp.seenAuth.clientId, 'vet-client');
  assert.ok(mcp.seenAuth.scopes.includes('pet-profile:read'));
  assert.equal(String(mcp.seenAuth.resource), resource);
  assert.deepEqual(authProvider.tokens().scope.split(' ').sort(), ['mcp:access', 'pet-profile:read']);
  await client.close();
});

test('a tool whose scope the client lacks: 403 naming that scope', async () => {
  const { client, authProvider } = await connect('vet-client', 'vet-secret-0123456789');
  await client.callTool({ name: 'get_pet_profile', arguments: {} });
  // The SDK retries once after our 403 (its step-up), then gives up: the client cannot get pet-profile:write.
  await assert.rejects(client.callTool({ name: 'update_pet_profile', arguments: {} }), /403/);
  const res = await fetch(resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${authProvider.tokens().access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'update_pet_profile', arguments: {} } }),
  });
  assert.equal(res.status, 403);
  const challenge = res.headers.get('www-authenticate');
  assert.match(challenge, /error="insufficient_scope"/);
  // What the call needs, then what the token already holds (challengeScopes "neededAndGranted").
  assert.match(challenge, /scope="mcp:access pet-profile:write pet-profile:read"/);
  assert.equal((await res.json()).code, 'ERR_INSUFFICIENT_SCOPE');
  await client.close();
});

test('a token for another audience is refused with 401', async () => {
  const other = await tokenFor('https://other-mcp.example.com/mcp', 'mcp:access pet-profile:read');
  const res = await fetch(resource, { method: 'POST', headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate'), /error="invalid_token"/);
  await assert.rejects(auth.verifyAccessToken(other), (e) => e instanceof McpEdgeAuthError && e.code === 'ERR_JWT_AUDIENCE' && e.status === 401);
});

test('the AS rotates its signing key: accepted after exactly one refetch', async () => {
  const before = as.hits.get('/jwks') ?? 0;
  assert.ok(before >= 1, 'keys were fetched for the earlier tests');
  as.rotate();
  const rotated = await tokenFor(resource, 'mcp:access pet-profile:read');
  const header = JSON.parse(Buffer.from(rotated.split('.')[0], 'base64url'));
  assert.equal(header.kid, 'as-key-2');
  const info = await auth.verifyAccessToken(rotated);
  assert.equal(info.clientId, 'admin-client');
  assert.equal(as.hits.get('/jwks'), before + 1);
  // And the SDK client works against the rotated AS.
  const { client } = await connect('vet-client', 'vet-secret-0123456789');
  await client.callTool({ name: 'get_pet_profile', arguments: {} });
  assert.equal(as.hits.get('/jwks'), before + 1);
  await client.close();
});
