// The VetAssist MCP server: the origin behind the gateway, built the usual
// way (Express 5, express.json(), the MCP SDK's Streamable HTTP transport).
// It trusts the identity the gateway sends only after checking the gateway's
// v2 signature over the request exactly as it arrived, and refuses to see a
// request id twice, as docs/deployment.md's "Identity headers for origins" describes.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const pets = {
  rex: { name: 'Rex', species: 'dog', owner: 'bob', weightKg: 31, vaccinations: [{ vaccine: 'rabies', due: '2027-03-01' }, { vaccine: 'DHPP', due: '2026-12-15' }] },
  tom: { name: 'Tom', species: 'cat', owner: 'bob', weightKg: 4.2, vaccinations: [{ vaccine: 'FVRCP', due: '2027-01-10' }] },
};
const records = { rex: { petId: 'rex', notes: ['2026-06-02: hip X-ray, mild dysplasia'] } };

/** The gateway's value encoding (docs/deployment.md): bytes outside visible ASCII, `%`, and a space at either end become %XX. */
const encode = (value) =>
  [...Buffer.from(value)].map((b, i, all) => ((b > 0x20 && b < 0x7f && b !== 0x25) || (b === 0x20 && i > 0 && i < all.length - 1) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const decode = (value) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/**
 * Checks X-MCP-Auth-Signature. Returns the identity, or `{ error }`.
 * v2 (the default the gateway sends) binds the method, path and query, the
 * content type, the session, the body's SHA-256 and a request id, which may
 * be used once within the timestamp window (`seen` remembers them). v1
 * (method, path and identity only) is accepted only with `allowV1`, for the
 * release in which gateways move to v2.
 */
export function verifyGatewayIdentity(req, secret, { maxSkewSeconds = 300, seen = new Map(), allowV1 = false } = {}) {
  const h = (name) => req.get(name) ?? '';
  const timestamp = Number(h('X-MCP-Auth-Timestamp'));
  const now = Date.now() / 1000;
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > maxSkewSeconds) return { error: 'stale or missing timestamp' };
  const identity = [h('X-MCP-Auth-Subject'), h('X-MCP-Auth-Client-Id'), h('X-MCP-Auth-Scopes'), h('X-MCP-Auth-Issuer')];
  const given = h('X-MCP-Auth-Signature');
  const version = given.slice(0, 2);
  let canonical;
  if (version === 'v2') {
    const digest = createHash('sha256').update(req.rawBody ?? Buffer.alloc(0)).digest('hex');
    canonical = ['v2', String(timestamp), encode(h('X-MCP-Auth-Request-Id')), req.method.toUpperCase(), encode(req.originalUrl), encode(h('Content-Type')), encode(h('Mcp-Session-Id')), digest, ...identity];
  } else if (version === 'v1' && allowV1) {
    canonical = ['v1', String(timestamp), req.method.toUpperCase(), encode(req.originalUrl), ...identity];
  } else {
    return { error: 'missing or unsupported signature version' };
  }
  const expected = Buffer.from(`${version}=${createHmac('sha256', secret).update(canonical.join('\n')).digest('hex')}`);
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), expected)) return { error: 'bad signature' };
  if (version === 'v2') {
    const id = h('X-MCP-Auth-Request-Id');
    for (const [old, until] of seen) if (until < now) seen.delete(old);
    if (!id || seen.has(id)) return { error: 'replayed request' };
    seen.set(id, timestamp + maxSkewSeconds);
  }
  return { subject: decode(identity[0]), clientId: decode(identity[1]), scopes: identity[2].split(' ').filter(Boolean) };
}

function vetAssist(identity, onExecute) {
  const server = new McpServer({ name: 'vetassist', version: '1.0.0' });
  const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
  const ran = (kind, name, args) => onExecute?.({ kind, name, subject: identity.subject, scopes: identity.scopes, arguments: args });
  const pet = z.object({ petId: z.string().describe('rex or tom') });
  server.registerTool('get_pet_profile', { description: "A pet's profile", inputSchema: pet.shape }, async (args) => {
    ran('tool', 'get_pet_profile', args);
    return text(pets[args.petId] ?? { error: 'no such pet' });
  });
  server.registerTool('get_vaccination_schedule', { description: "A pet's upcoming vaccinations", inputSchema: pet.shape }, async (args) => {
    ran('tool', 'get_vaccination_schedule', args);
    return text(pets[args.petId]?.vaccinations ?? []);
  });
  server.registerTool('book_appointment', { description: 'Book a visit', inputSchema: { ...pet.shape, date: z.string() } }, async (args) => {
    ran('tool', 'book_appointment', args);
    return text({ booked: true, petId: args.petId, date: args.date, by: identity.subject });
  });
  server.registerTool('update_pet_profile', { description: "Change a pet's profile (vet staff)", inputSchema: { ...pet.shape, weightKg: z.number() } }, async (args) => {
    ran('tool', 'update_pet_profile', args);
    if (!pets[args.petId]) return text({ error: 'no such pet' });
    pets[args.petId].weightKg = args.weightKg;
    return text({ updated: true, petId: args.petId, weightKg: args.weightKg, by: identity.subject });
  });
  server.registerResource('rex-medical-record', 'vet://records/rex', { description: "Rex's medical record (vet staff)", mimeType: 'application/json' }, async (uri) => {
    ran('resource', uri.toString());
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(records.rex) }] };
  });
  return server;
}

/**
 * Starts the MCP server on 127.0.0.1:port; with a secret, only requests the
 * gateway signed are served. `onExecute` is told of every tool call and
 * resource read the SDK dispatches ({ kind, name, subject, scopes, arguments }).
 * With `sessions`, the server keeps MCP sessions (Mcp-Session-Id, GET streams,
 * DELETE) instead of answering each request on its own. With `jsonResponse`,
 * POSTs are answered as application/json instead of an event stream.
 */
export async function startMcpServer(port, secret, { onExecute, allowV1 = false, sessions = false, jsonResponse = false } = {}) {
  const seen = new Map();
  const app = express();
  // The raw bytes are kept for the signature's body digest.
  app.use(express.json({ verify: (req, res, buf) => (req.rawBody = buf) }));
  app.all('/mcp', async (req, res) => {
    const identity = secret ? verifyGatewayIdentity(req, secret, { seen, allowV1 }) : { subject: req.get('X-MCP-Auth-Subject') };
    if (identity.error) return res.status(401).json({ error: 'not_from_gateway', error_description: identity.error });
    if (req.get('authorization')) return res.status(400).json({ error: 'token_passed_through' });
    if (sessions) return session(req, res, identity);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: jsonResponse });
    const server = vetAssist(identity, onExecute);
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const open = new Map();
  /** A request of a session: an initialize starts one, the rest go to theirs (404 for an unknown one, per the transport spec). */
  async function session(req, res, identity) {
    const id = req.get('Mcp-Session-Id');
    if (id) {
      const transport = open.get(id);
      if (!transport) return res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      return transport.handleRequest(req, res, req.body);
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, enableJsonResponse: jsonResponse, onsessioninitialized: (sid) => open.set(sid, transport) });
    transport.onclose = () => open.delete(transport.sessionId);
    await vetAssist(identity, onExecute).connect(transport);
    return transport.handleRequest(req, res, req.body);
  }
  const listener = await new Promise((resolve, reject) => {
    const l = app.listen(port, '127.0.0.1', () => resolve(l)).once('error', reject);
  });
  return { url: `http://127.0.0.1:${listener.address().port}/mcp`, close: () => new Promise((resolve) => { listener.closeAllConnections(); listener.close(resolve); }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  await startMcpServer(port, process.env.MCP_AUTH_HMAC_SECRET);
  console.log(`VetAssist MCP server on http://127.0.0.1:${port}/mcp`);
}
