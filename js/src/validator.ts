import { core } from './core.js';
import { ConfigError } from './errors.js';
import type { AuthInfo, JwksReport, McpAuthConfig, Refusal, VerifyResult } from './types.js';

/** Options for one verification. */
export interface VerifyOptions {
  /** The time of the check in Unix seconds; defaults to the clock. */
  now?: number;
  /** The JSON-RPC body (text or parsed), for per-tool, prompt and resource scopes. */
  body?: string | object;
}

/** What the policy says about itself, for the I/O layers. */
export interface PolicyFacts {
  resource: string;
  resourceMetadataUrl: string;
  wellKnownUrls: string[];
  requiredScopes: string[];
  maxBodyBytes: number;
  issuers: Array<{ issuer: string; jwksUri: string | null }>;
}

/**
 * The synchronous, I/O-free validator: a checked policy plus the key sets you load.
 *
 * @example
 * const v = await createValidator(config);
 * v.setJwks('https://auth.example.com', jwks);
 * const r = v.verify(req.headers.authorization, { body });
 * if (!r.ok) res.status(r.status).set('WWW-Authenticate', r.wwwAuthenticate).end();
 */
export interface Validator {
  /** Loads (replaces) an issuer's key set; bad keys are skipped and reported. */
  setJwks(issuer: string, jwks: string | object): JwksReport;
  /** Decides a request from its `Authorization` header value (or a bare token). */
  verify(tokenOrAuthorizationHeader: string | null | undefined, options?: VerifyOptions): VerifyResult;
  /** The RFC 9728 Protected Resource Metadata document. */
  metadata(): Record<string, unknown>;
  /** Facts about the checked policy (resource, well-known URLs, issuers). */
  readonly policy: PolicyFacts;
  /** The configured issuer a token claims (nothing is verified), or null. */
  issuerFor(tokenOrAuthorizationHeader: string): string | null;
  /** True once a key set is loaded for `issuer`. */
  hasJwks(issuer: string): boolean;
  /** The refusal for a condition found outside the core: keys unavailable (503, with Retry-After) or a body too large to read (413). */
  refusal(code: 'ERR_JWKS_UNAVAILABLE' | 'ERR_MCP_BODY_TOO_LARGE', retryAfterSeconds?: number): Refusal;
}

/** Turns the core's JSON result into the JS shape (resource as a URL, clientId a string). */
export function toResult(json: string): VerifyResult {
  const r = JSON.parse(json);
  if (!r.ok) return r as Refusal;
  const a = r.authInfo;
  const authInfo: AuthInfo = {
    token: a.token,
    clientId: a.clientId ?? '',
    scopes: a.scopes,
    expiresAt: a.expiresAt,
    resource: new URL(a.resource),
    subject: a.subject,
    issuer: a.issuer,
    audience: a.audience,
    claims: a.claims,
  };
  return { ok: true, authInfo };
}

function bodyText(body: VerifyOptions['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * Checks `config` once and returns a validator. Throws `ConfigError` naming the field.
 */
export async function createValidator(config: McpAuthConfig | string): Promise<Validator> {
  return createValidatorSync(config);
}

/** `createValidator` without the promise, for hosts that instantiate synchronously. */
export function createValidatorSync(config: McpAuthConfig | string): Validator {
  const { WasmValidator } = core();
  let inner: InstanceType<typeof WasmValidator>;
  try {
    inner = new WasmValidator(typeof config === 'string' ? config : JSON.stringify(config));
  } catch (e) {
    const { field, message } = JSON.parse(String(e));
    throw new ConfigError(field, message);
  }
  const policy: PolicyFacts = JSON.parse(inner.describe());
  return {
    policy,
    setJwks(issuer, jwks) {
      try {
        return JSON.parse(inner.setJwks(issuer, typeof jwks === 'string' ? jwks : JSON.stringify(jwks)));
      } catch (e) {
        throw new Error(`mcp-edge-auth: key set for ${issuer}: ${e}`);
      }
    },
    verify(input, options = {}) {
      const now = options.now ?? Date.now() / 1000;
      return toResult(inner.verify(input ?? undefined, bodyText(options.body), now));
    },
    metadata: () => JSON.parse(inner.metadata()),
    issuerFor: (input) => inner.issuerFor(input) ?? null,
    hasJwks: (issuer) => inner.hasJwks(issuer),
    refusal(code, retryAfter) {
      const r: Refusal = JSON.parse(inner.refusal(code) ?? 'null');
      return retryAfter === undefined ? r : { ...r, retryAfter };
    },
  };
}

/** Verifies one detached JWS signature against a JWK: 'valid', 'invalid' or 'unsupported'. */
export function verifyJwsSignature(alg: string, jwk: string | object, signingInput: string, signature: string): string {
  return core().verifyJwsSignature(alg, typeof jwk === 'string' ? jwk : JSON.stringify(jwk), signingInput, signature);
}
