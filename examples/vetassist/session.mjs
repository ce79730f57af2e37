// The scripted VetAssist session, through the gateway, with the MCP SDK's own
// client: 401 → metadata discovery → dynamic client registration →
// authorization code + PKCE with a scripted login and consent → token → tool
// calls; then Bob, a pet owner, refused with 403 insufficient_scope on
// update_pet_profile. Exits non-zero if any step does not go as described.
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { REMINDER_SERVICE } from './authorization-server.mjs';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8787/mcp';
const redirectUri = 'http://127.0.0.1:8976/callback';
const step = (n, text) => console.log(`\n${n}. ${text}`);

/** Drives the authorization server's login and consent pages like a browser would. */
async function signIn(authorizationUrl, login) {
  const cookies = new Map();
  let url = authorizationUrl.toString();
  let init = { method: 'GET' };
  for (let hops = 0; hops < 20; hops++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location'), url);
      if (next.href.startsWith(redirectUri)) {
        if (next.searchParams.get('error')) throw new Error(`authorization failed: ${next.searchParams.get('error')}`);
        return next.searchParams.get('code');
      }
      url = next.href;
      init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (!action) throw new Error(`unexpected page at ${url} (${res.status})`);
    const isLogin = html.includes('name="login"');
    console.log(`   ${isLogin ? `login screen: signing in as ${login}` : 'consent screen: approving access for the VetAssist MCP client'}`);
    const form = isLogin ? { prompt: 'login', login, password: 'demo' } : { prompt: 'consent' };
    url = new URL(action, url).href;
    init = { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many redirects');
}

/** An OAuthClientProvider for a public client that registers itself (RFC 7591) and uses PKCE. */
class ScriptedUser {
  constructor(login) {
    this.login = login;
    this.code = undefined;
  }
  get redirectUrl() {
    return redirectUri;
  }
  get clientMetadata() {
    return { client_name: `VetAssist demo client (${this.login})`, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    console.log(`   registered client ${info.client_id} (dynamic client registration)`);
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens) {
    console.log(`   token received: scope "${tokens.scope}"`);
    this.saved = tokens;
  }
  saveCodeVerifier(v) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url) {
    console.log(`   authorization request with PKCE (code_challenge_method=${url.searchParams.get('code_challenge_method')}, resource=${url.searchParams.get('resource')})`);
    this.code = await signIn(url, this.login);
  }
}

async function connectAs(login) {
  const user = new ScriptedUser(login);
  const client = new Client({ name: 'vetassist-demo', version: '1.0.0' });
  let transport = new StreamableHTTPClientTransport(new URL(gateway), { authProvider: user });
  try {
    await client.connect(transport);
  } catch (e) {
    if (!(e instanceof UnauthorizedError) || !user.code) throw e;
    await transport.finishAuth(user.code);
    transport = new StreamableHTTPClientTransport(new URL(gateway), { authProvider: user });
    await client.connect(transport);
  }
  /** Calls a tool; when the gateway asks for more scope, the SDK sends the user back to
   *  the authorization server (step-up), and the call is retried with the new token. */
  const session = { client, user, callTool, stepUps: 0 };
  async function callTool(name, args) {
    user.code = undefined;
    try {
      return await client.callTool({ name, arguments: args });
    } catch (e) {
      if (!(e instanceof UnauthorizedError) || !user.code) throw e;
      console.log('   step-up: the gateway asked for more scope; signed in again and retrying');
      session.stepUps++;
      await transport.finishAuth(user.code);
      return client.callTool({ name, arguments: args });
    }
  }
  return session;
}

step(1, `An MCP request without a token to ${gateway}`);
const first = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' });
const challenge = first.headers.get('www-authenticate');
console.log(`   ${first.status} WWW-Authenticate: ${challenge}`);
assert.equal(first.status, 401);
const metadataUrl = challenge.match(/resource_metadata="([^"]+)"/)[1];

step(2, 'Protected resource metadata (RFC 9728)');
const metadata = await (await fetch(metadataUrl)).json();
console.log(`   ${metadataUrl}\n   resource ${metadata.resource}, authorization server ${metadata.authorization_servers[0]}, scopes ${metadata.scopes_supported.join(' ')}`);

step(3, 'Dr Alice (vet staff) connects with the MCP SDK client: discovery, registration, login, consent, token');
const alice = await connectAs('dr-alice');
const tools = await alice.client.listTools();
// The gateway lists only what her token can call (filterLists): none of the tools yet.
console.log(`   tools her first token can call: ${tools.tools.map((t) => t.name).join(', ') || '(none yet: it holds only mcp:access)'}`);

step(4, 'Dr Alice calls tools through the gateway');
const profile = await alice.callTool('get_pet_profile', { petId: 'rex' });
console.log(`   get_pet_profile → ${profile.content[0].text}`);
const updated = await alice.callTool('update_pet_profile', { petId: 'rex', weightKg: 30.5 });
console.log(`   update_pet_profile → ${updated.content[0].text}`);
assert.match(updated.content[0].text, /"updated":true/);
// The write step-up's challenge named what she already held too, so her new token kept it.
const aliceScopes = alice.user.tokens().scope.split(' ');
console.log(`   after the write step-up her token holds: ${aliceScopes.join(' ')}`);
assert.ok(aliceScopes.includes('pet-profile:read') && aliceScopes.includes('pet-profile:write'), aliceScopes.join(' '));
const stepUpsSoFar = alice.stepUps;
const again = await alice.callTool('get_pet_profile', { petId: 'rex' });
assert.equal(alice.stepUps, stepUpsSoFar, 'reading again needs no new step-up');
console.log(`   get_pet_profile again, no step-up → ${again.content[0].text}`);
const aliceTools = (await alice.client.listTools()).tools.map((t) => t.name);
console.log(`   tools she now sees: ${aliceTools.join(', ')}`);
assert.ok(aliceTools.includes('update_pet_profile'), aliceTools.join(', '));
await alice.client.close();

step(5, 'Bob (pet owner) connects and reads his pet');
const bob = await connectAs('bob');
const schedule = await bob.callTool('get_vaccination_schedule', { petId: 'rex' });
console.log(`   get_vaccination_schedule → ${schedule.content[0].text}`);
const bobTools = (await bob.client.listTools()).tools.map((t) => t.name);
console.log(`   tools Bob sees (the gateway filters the list by his token): ${bobTools.join(', ')}`);
assert.ok(!bobTools.includes('update_pet_profile') && bobTools.includes('get_pet_profile'), bobTools.join(', '));

step(6, 'Bob tries update_pet_profile: the gateway refuses before the server sees it');
const denied = await fetch(gateway, {
  method: 'POST',
  headers: { authorization: `Bearer ${bob.user.tokens().access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'update_pet_profile', arguments: { petId: 'rex', weightKg: 1 } } }),
});
console.log(`   ${denied.status} WWW-Authenticate: ${denied.headers.get('www-authenticate')}`);
assert.equal(denied.status, 403);
assert.match(denied.headers.get('www-authenticate'), /error="insufficient_scope".*scope="mcp:access pet-profile:write pet-profile:read"/);
const stepUp = await bob.callTool('update_pet_profile', { petId: 'rex', weightKg: 1 }).then(() => 'accepted', (e) => e.message);
assert.notEqual(stepUp, 'accepted');
console.log(`   through the SDK client (which tries to step up): ${stepUp}`);
await bob.client.close();

step(7, 'The reminder service (a machine client, client credentials) reads a schedule');
const machine = new Client({ name: 'vetassist-reminders', version: '1.0.0' });
const issuer = metadata.authorization_servers[0];
const credentials = new ClientCredentialsProvider({ clientId: REMINDER_SERVICE.client_id, clientSecret: REMINDER_SERVICE.client_secret, expectedIssuer: issuer, scope: 'mcp:access pet-profile:read' });
await machine.connect(new StreamableHTTPClientTransport(new URL(gateway), { authProvider: credentials }));
const reminders = await machine.callTool({ name: 'get_vaccination_schedule', arguments: { petId: 'tom' } });
console.log(`   get_vaccination_schedule → ${reminders.content[0].text}`);
await machine.close();

console.log('\nThe scripted session passed.');
