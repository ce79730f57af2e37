import { brand, McpEdgeAuthError } from './errors.js';
import { KEY_FETCH_OPTIONS, RemoteKeys, type KeyFetchOptions } from './jwks.js';
import { readUpTo } from './stream.js';
import { coreOf } from './cores.js';
import { filterResponse, type WritableResponse } from './lists.js';
import type { Answer, AuthInfo, McpAuthConfig, Refusal, VerifyResult } from './types.js';
import { createValidatorSync, headerBytes, httpFields, useClock, type Validator, type ValidatorOptions, type VerifyOptions } from './validator.js';

/** `createAuth` options: the shared config plus how keys are fetched and cached. */
export type AuthOptions = McpAuthConfig & KeyFetchOptions & ValidatorOptions;

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
  /**
   * Express middleware, after `express()`: the answers to `tools/list`,
   * `prompts/list`, `resources/list` and `resources/templates/list` keep only
   * what `req.auth` could use, as JSON or as an event stream (the gateway's
   * `filterLists`, by the same decision as a call).
   */
  filterLists(): (req: ExpressRequest, res: WritableResponse, next: Next) => void;
  /** Decides from a header value and body (the routine the others share); `http` as for `Validator.verify`. */
  decide(authorization: string | null | undefined, body?: string | Uint8Array, http?: VerifyOptions['http']): Promise<VerifyResult>;
}

/** A header as one value (Node gives repeated ones as an array; joined as RFC 9110 §5.3 combines them). */
function single(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
}

/** The platform response for an answer the core decided (status, headers, body). */
function toResponse(a: Answer): Response {
  return new Response(a.body, { status: a.status, headers: a.headers });
}

function toError(r: Refusal): Error {
  const sdk = sdkErrors?.(r);
  if (sdk) {
    brand(sdk, r);
    return sdk;
  }
  return new McpEdgeAuthError(r);
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
  for (const key of KEY_FETCH_OPTIONS) {
    if (key in config) fetchOptions[key] = config[key];
    delete config[key];
  }
  const validatorOptions: ValidatorOptions = {};
  if ('crypto' in config) validatorOptions.crypto = config.crypto as ValidatorOptions['crypto'];
  delete config.crypto;
  const validator = createValidatorSync(config as unknown as McpAuthConfig, validatorOptions);
  // The core's decisions fetch keys through this host from now on (src/decision.rs).
  const keys = new RemoteKeys(validator, fetchOptions as KeyFetchOptions);
  useClock(validator, keys.now);
  const core = coreOf(validator);
  const bodyLimit = (authorization: string | null, http: NonNullable<VerifyOptions['http']>): number =>
    core.bodyLimit(headerBytes(authorization), httpFields({ http })!);

  const decide = (authorization: string | null | undefined, body?: string | Uint8Array, http?: VerifyOptions['http']): Promise<VerifyResult> =>
    validator.verify(authorization, { body, http });

  const respond = (r: Refusal): Response => toResponse(r.answer);

  return {
    validator,
    decide,
    async verifyAccessToken(token) {
      const r = await decide(token);
      if (r.ok) return r.authInfo;
      throw toError(r);
    },
    async authenticate(request) {
      const authorization = request.headers.get('authorization');
      const http = { method: request.method, contentType: request.headers.get('content-type'), contentEncoding: request.headers.get('content-encoding') };
      // What to read is the core's call (src/body_gate.rs, as in the Worker):
      // nothing without credentials or for a body with more than one
      // reading, else one byte past maxBodyBytes, counted.
      const limit = bodyLimit(authorization, http);
      const body = limit ? await readUpTo(request.clone().body, limit) : undefined;
      const r = await decide(authorization, body, http);
      return r.ok ? { authInfo: r.authInfo } : { response: respond(r) };
    },
    metadataResponse(request) {
      const answer = core.metadataAnswer(new URL(request.url).pathname, request.method);
      return answer === undefined ? null : toResponse(JSON.parse(answer));
    },
    filterLists() {
      return (req, res, next) => {
        if (req.auth && req.body !== undefined) filterResponse(validator, req.auth, typeof req.body === 'string' ? req.body : JSON.stringify(req.body), res);
        next();
      };
    },
    express() {
      return (req, res, next) => {
        const answer = (r: Refusal) => {
          for (const [k, v] of r.answer.headers) res.set(k, v);
          res.status(r.answer.status).json(JSON.parse(r.answer.body ?? 'null'));
        };
        const authorization = single(req.headers.authorization);
        const run = (body: string | Uint8Array | undefined, http?: VerifyOptions['http']) => {
          decide(authorization, body, http).then((r) => {
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
        // Not parsed yet: read only what the core asks for (as in
        // authenticate()), counted, and left parsed on req.body from the
        // very bytes inspected.
        const http = { method: req.method, contentType: single(req.headers['content-type']), contentEncoding: single(req.headers['content-encoding']) };
        const limit = bodyLimit(authorization, http);
        if (!limit) return run(undefined, http);
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          size += chunk.length;
          chunks.push(chunk);
          // One byte past maxBodyBytes is enough for the core to refuse it: stop collecting.
          if (size >= limit) {
            done = true;
            run(Buffer.concat(chunks).subarray(0, limit), http);
            chunks.length = 0;
          }
        });
        req.on('end', () => {
          if (done) return;
          done = true;
          const bytes = Buffer.concat(chunks);
          try {
            req.body = bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;
          } catch {
            // Left unparsed; the core refuses it as invalid JSON-RPC.
          }
          run(bytes, http);
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
