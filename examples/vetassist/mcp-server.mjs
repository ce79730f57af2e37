// The VetAssist MCP server: the origin behind the gateway. It trusts the
// identity the gateway sends only after checking the gateway's signature,
// exactly as the README's "Identity headers for origins" describes.
import { createHmac, timingSafeEqual } from 'node:crypto';

import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const pets = {
  rex: { name: 'Rex', species: 'dog', owner: 'bob', weightKg: 31, vaccinations: [{ vaccine: 'rabies', due: '2027-03-01' }, { vaccine: 'DHPP', due: '2026-12-15' }] },
  tom: { name: 'Tom', species: 'cat', owner: 'bob', weightKg: 4.2, vaccinations: [{ vaccine: 'FVRCP', due: '2027-01-10' }] },
};

/** Verifies X-MCP-Auth-Signature; returns the identity or an error message. */
export function verifyGatewayIdentity(req, secret, maxSkewSeconds = 300) {
  const h = (name) => req.get(name) ?? '';
  const timestamp = Number(h('X-MCP-Auth-Timestamp'));
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > maxSkewSeconds) return { error: 'stale or missing timestamp' };
  const encodedPath = req.originalUrl.replace(/[^\x20-\x7e]|%/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  const canonical = ['v1', String(timestamp), req.method.toUpperCase(), encodedPath, h('X-MCP-Auth-Subject'), h('X-MCP-Auth-Client-Id'), h('X-MCP-Auth-Scopes'), h('X-MCP-Auth-Issuer')].join('\n');
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(canonical).digest('hex')}`);
  const given = Buffer.from(h('X-MCP-Auth-Signature'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'bad signature' };
  return { subject: h('X-MCP-Auth-Subject'), clientId: h('X-MCP-Auth-Client-Id'), scopes: h('X-MCP-Auth-Scopes').split(' ').filter(Boolean) };
}

function vetAssist(identity) {
  const server = new McpServer({ name: 'vetassist', version: '1.0.0' });
  const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
  const pet = z.object({ petId: z.string().describe('rex or tom') });
  server.registerTool('get_pet_profile', { description: "A pet's profile", inputSchema: pet.shape }, async ({ petId }) => text(pets[petId] ?? { error: 'no such pet' }));
  server.registerTool('get_vaccination_schedule', { description: "A pet's upcoming vaccinations", inputSchema: pet.shape }, async ({ petId }) => text(pets[petId]?.vaccinations ?? []));
  server.registerTool('book_appointment', { description: 'Book a visit', inputSchema: { ...pet.shape, date: z.string() } }, async ({ petId, date }) => text({ booked: true, petId, date, by: identity.subject }));
  server.registerTool('update_pet_profile', { description: "Change a pet's profile (vet staff)", inputSchema: { ...pet.shape, weightKg: z.number() } }, async ({ petId, weightKg }) => {
    if (!pets[petId]) return text({ error: 'no such pet' });
    pets[petId].weightKg = weightKg;
    return text({ updated: true, petId, weightKg, by: identity.subject });
  });
  return server;
}

/** Starts the MCP server on 127.0.0.1:port; with a secret, only gateway-signed requests are served. */
export async function startMcpServer(port, secret) {
  const app = express();
  app.use(express.json());
  app.all('/mcp', async (req, res) => {
    const identity = secret ? verifyGatewayIdentity(req, secret) : { subject: req.get('X-MCP-Auth-Subject') };
    if (identity.error) return res.status(401).json({ error: 'not_from_gateway', error_description: identity.error });
    if (req.get('authorization')) return res.status(400).json({ error: 'token_passed_through' });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = vetAssist(identity);
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const listener = await new Promise((resolve, reject) => {
    const l = app.listen(port, '127.0.0.1', () => resolve(l)).once('error', reject);
  });
  return { url: `http://127.0.0.1:${port}/mcp`, close: () => new Promise((resolve) => { listener.closeAllConnections(); listener.close(resolve); }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  await startMcpServer(port, process.env.MCP_AUTH_HMAC_SECRET);
  console.log(`VetAssist MCP server on http://127.0.0.1:${port}/mcp`);
}
