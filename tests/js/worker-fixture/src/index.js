// A JavaScript Cloudflare Worker using the packed npm package, as a user would
// write one: metadata at the well-known URLs, everything else needs a token.
import { createAuth } from 'mcp-edge-auth';

let auth;

export default {
  async fetch(request, env) {
    auth ??= createAuth({ ...JSON.parse(env.MCP_AUTH), cache: env.JWKS_CACHE });
    const metadata = auth.metadataResponse(request);
    if (metadata) return metadata;
    const { authInfo, response } = await auth.authenticate(request);
    if (response) return response;
    return Response.json({ subject: authInfo.subject, clientId: authInfo.clientId, scopes: authInfo.scopes });
  },
};
