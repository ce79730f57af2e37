import { brand, McpEdgeAuthError } from './errors.js';
import { KeysUnavailable, RemoteKeys, type KeyFetchOptions } from './jwks.js';
import type { AuthInfo, McpAuthConfig, Refusal, VerifyResult } from './types.js';
import { createValidatorSync, type Validator, type ValidatorOptions } from './validator.js';

/** `createAuth` options: the shared config plus how keys are fetched and cached. */
export type AuthOptions = McpAuthConfig & KeyFetchOptions & ValidatorOptions;

const FETCH_OPTIONS = ['fetch', 'cache', 'jwksCooldownSeconds', 'jwksTimeoutMs', 'maxStaleSeconds', 'jwksMinTtlSeconds', 'jwksMaxTtlSeconds', 'clock'] as const;

/** Headers a browser-based MCP client must be able to read (MCP Streamable HTTP). */
const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
};

/** Minimal structural types for Express, so the package does not depend on it. */
interface ExpressRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  auth?: AuthInfo;
  on(event: string, listener: (...args: any[]) => void): unknown;
}
interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(name: string, value: string): ExpressResponse;
  json(body: unknown): unknown;
}
type Next = (err?: unknown) => void;

/** Creates the SDK error class a refusal maps to, when the MCP SDK is present (Node entry). */
export type SdkErrorFactory = (refusal: Refusal) => Error | undefined;
let sdkErrors: SdkErrorFactory | undefined;
export function setSdkErrorFactory(factory: SdkErrorFactory): void {
  sdkErrors = factory;
}

/** The token gate with key fetching. */
export interface Auth {
  /** The synchronous validator underneath. */
  readonly validator: Validator;
  /**
   * An `OAuthTokenVerifier` for `@modelcontextprotocol/sdk`'s `requireBearerAuth`:
   * resolves to `AuthInfo`, or throws an error the SDK maps to 401 `invalid_token` /
   * 403 `insufficient_scope` (base scopes only: the verifier never sees the body).
   */
  verifyAccessToken(token: string): Promise<AuthInfo>;
  /** Decides a fetch-style request: `{ authInfo }` or a ready `{ response }` (401/403/400/413/503). */
  authenticate(request: Request): Promise<{ authInfo: AuthInfo; response?: undefined } | { response: Response; authInfo?: undefined }>;
  /** The RFC 9728 document for every well-known URL a client may probe for this resource, else null. */
  metadataResponse(request: Request): Response | null;
  /** Express middleware: sets `req.auth`, or answers exactly like `authenticate()`. */
  express(): (req: ExpressRequest, res: ExpressResponse, next: Next) => void;
  /** Decides from a header value and body text (the routine the others share). */
  decide(authorization: string | null | undefined, body?: string): Promise<VerifyResult>;
}

function refusalBody(r: Refusal): string {
  return JSON.stringify(r.error ? { error: r.error, error_description: r.description, code: r.code } : { error_description: r.description, code: r.code });
}

function refusalHeaders(r: Refusal): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': 'application/json', 'WWW-Authenticate': r.wwwAuthenticate, 'Cache-Control': 'no-store', ...CORS_HEADERS };
  if (r.retryAfter !== undefined) h['Retry-After'] = String(r.retryAfter);
  return h;
}

function toError(r: Refusal): Error {
  const sdk = sdkErrors?.(r);
  if (sdk) {
    brand(sdk, r);
    return sdk;
  }
  return new McpEdgeAuthError(r);
}

/** The paths at which this resource's metadata may be requested (RFC 9728 §3.1, and the resource-relative form). */
function metadataPaths(v: Validator): Set<string> {
  const paths = new Set(v.policy.wellKnownUrls.map((u) => new URL(u).pathname));
  const resourcePath = new URL(v.policy.resource).pathname.replace(/\/$/, '');
  paths.add(`${resourcePath}/.well-known/oauth-protected-resource`);
  return paths;
}

/**
 * Creates the token gate. Throws `ConfigError` naming the field on a bad config.
 *
 * @example
 * const auth = createAuth({ resource: 'https://mcp.example.com/mcp', issuers: [{ issuer: 'https://auth.example.com' }] });
 * app.post('/mcp', express.json(), auth.express(), handler);
 */
export function createAuth(options: AuthOptions): Auth {
  const config: Record<string, unknown> = { ...options };
  const fetchOptions: Record<string, unknown> = {};
  for (const key of FETCH_OPTIONS) {
    if (key in config) fetchOptions[key] = config[key];
    delete config[key];
  }
  const validatorOptions: ValidatorOptions = {};
  if ('crypto' in config) validatorOptions.crypto = config.crypto as ValidatorOptions['crypto'];
  delete config.crypto;
  const validator = createValidatorSync(config as unknown as McpAuthConfig, validatorOptions);
  const keys = new RemoteKeys(validator, fetchOptions as KeyFetchOptions);
  const metadataJson = JSON.stringify(validator.metadata());
  const paths = metadataPaths(validator);
  const maxBody = validator.policy.maxBodyBytes;

  async function decide(authorization: string | null | undefined, body?: string): Promise<VerifyResult> {
    const issuer = authorization ? validator.issuerFor(authorization) : null;
    if (issuer) {
      try {
        await keys.ensure(issuer);
      } catch (e) {
        if (e instanceof KeysUnavailable) return validator.refusal('ERR_JWKS_UNAVAILABLE', e.retryAfter);
        throw e;
      }
    }
    let result = await validator.verify(authorization, { body });
    if (!result.ok && result.code === 'ERR_JWKS_NO_MATCHING_KEY' && issuer && (await keys.refreshForUnknownKey(issuer))) {
      result = await validator.verify(authorization, { body });
    }
    return result;
  }

  function respond(r: Refusal): Response {
    return new Response(refusalBody(r), { status: r.status, headers: refusalHeaders(r) });
  }

  async function readBody(request: Request): Promise<string | Refusal | undefined> {
    if (request.method !== 'POST' || !request.body) return undefined;
    const tooLarge = validator.refusal('ERR_MCP_BODY_TOO_LARGE');
    if (Number(request.headers.get('content-length')) > maxBody) return tooLarge;
    const text = await request.clone().text();
    return new TextEncoder().encode(text).byteLength > maxBody ? tooLarge : text;
  }

  return {
    validator,
    decide,
    async verifyAccessToken(token) {
      const r = await decide(token);
      if (r.ok) return r.authInfo;
      throw toError(r);
    },
    async authenticate(request) {
      const body = await readBody(request);
      if (typeof body === 'object') return { response: respond(body) };
      const r = await decide(request.headers.get('authorization'), body);
      return r.ok ? { authInfo: r.authInfo } : { response: respond(r) };
    },
    metadataResponse(request) {
      const url = new URL(request.url);
      if (!paths.has(url.pathname)) return null;
      const headers = { ...CORS_HEADERS, 'Cache-Control': 'public, max-age=3600' };
      if (request.method === 'OPTIONS') {
        return new Response(null, { status: 204, headers: { ...headers, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*' } });
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return new Response(null, { status: 405, headers: { ...headers, Allow: 'GET, HEAD, OPTIONS' } });
      }
      return new Response(request.method === 'HEAD' ? null : metadataJson, { status: 200, headers: { ...headers, 'Content-Type': 'application/json' } });
    },
    express() {
      return (req, res, next) => {
        const answer = (r: Refusal) => {
          for (const [k, v] of Object.entries(refusalHeaders(r))) res.set(k, v);
          res.status(r.status).json(JSON.parse(refusalBody(r)));
        };
        const run = (body: string | undefined) => {
          const header = req.headers.authorization;
          decide(Array.isArray(header) ? header.join(', ') : header, body).then((r) => {
            if (r.ok) {
              req.auth = r.authInfo;
              next();
            } else answer(r);
          }, next);
        };
        if (req.body !== undefined) {
          // Already parsed (express.json()): inspect what the handler will see.
          return run(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
        }
        if (req.method !== 'POST') return run(undefined);
        // Read the body once, bounded, and leave it parsed on req.body for the handler.
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBody) chunks.push(chunk);
        });
        req.on('end', () => {
          if (done) return;
          done = true;
          if (size > maxBody) return answer(validator.refusal('ERR_MCP_BODY_TOO_LARGE'));
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            req.body = text ? JSON.parse(text) : undefined;
          } catch {
            // Left unparsed; the core refuses it as invalid JSON-RPC.
          }
          run(text || undefined);
        });
        req.on('error', (e: unknown) => {
          if (!done) {
            done = true;
            next(e);
          }
        });
      };
    },
  };
}
