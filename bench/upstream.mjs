// The origin MCP server every gateway forwards to, and the issuer's JWKS
// endpoint, in their own process (so they do not share the load generator's
// event loop). Prints {"upstream": url, "jwks": url} once listening; runs
// until killed. Listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const jwks = readFileSync(0, 'utf8');
const result = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'Rex: 4 years, vaccinated' }] } });

const origin = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(result) }).end(result));
});
const keys = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(jwks));
const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${s.address().port}`)));
console.log(JSON.stringify({ upstream: `${await listen(origin)}/mcp`, jwks: `${await listen(keys)}/jwks.json` }));
