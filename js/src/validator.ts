import { core, nodeCrypto } from './core.js';
import { cores } from './cores.js';
import { ConfigError } from './errors.js';
import type { AuthInfo, ErrorCode, JwksReport, McpAuthConfig, Refusal, VerifyResult } from './types.js';

/** Options for one verification. */
export interface VerifyOptions {
  /** The time of the check in Unix seconds; defaults to the clock. */
  now?: number;
  /** The JSON-RPC body (raw bytes, text, or parsed), for per-tool, prompt and resource scopes. */
  body?: string | Uint8Array | object;
  /**
   * The body arrived over HTTP with these header values: it is then refused
   * with 415 (`ERR_MCP_CONTENT_TYPE`, `ERR_MCP_CONTENT_ENCODING`) unless it is
   * `application/json` (at most `charset=utf-8`) with no content coding, the
   * one reading every JSON parser agrees on. Leave it out for a body your
   * framework already parsed.
   */
  http?: { contentType: string | null; contentEncoding?: string | null };
}

/** One operation a JSON-RPC body names (`name` is a resource URI's comparison key for `resource`). */
export interface Operation {
  kind: 'tool' | 'prompt' | 'resource' | 'method' | 'response';
  name?: string;
}

/** What `inspect` found: the operations, or why the body is refused. */
export type Inspection = { ok: true; operations: Operation[] } | { ok: false; status: number; code: ErrorCode };

/** Options for `createValidator`. */
export interface ValidatorOptions {
  /**
   * Who checks signatures: `'node'` (the default under Node: `node:crypto`,
   * synchronously), `'webcrypto'` (the default elsewhere where `crypto.subtle`
   * exists, such as workerd: the host's native RSA, ECDSA and Ed25519) or
   * `'rust'` (the pure-Rust backend compiled into the package). Key selection
   * and every strictness check run in Rust whichever is chosen.
   */
  crypto?: 'node' | 'webcrypto' | 'rust';
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
 * const r = await v.verify(req.headers.authorization, { body });
 * if (!r.ok) res.status(r.status).set('WWW-Authenticate', r.wwwAuthenticate).end();
 */
export interface Validator {
  /** Loads (replaces) an issuer's key set; bad keys are skipped and reported. */
  setJwks(issuer: string, jwks: string | object): JwksReport;
  /** Decides a request from its `Authorization` header value (or a bare token). */
  verify(tokenOrAuthorizationHeader: string | null | undefined, options?: VerifyOptions): Promise<VerifyResult>;
  /** `verify` with signatures checked by the pure-Rust backend, synchronously (slower for RSA and ECDSA). */
  verifySync(tokenOrAuthorizationHeader: string | null | undefined, options?: VerifyOptions): VerifyResult;
  /**
   * What a body asks to do (tools, prompts, resources, methods), exactly as
   * `verify` reads it. With `http` and no body, only the header values are checked.
   */
  inspect(body: string | Uint8Array | object | undefined, options?: Pick<VerifyOptions, 'http'>): Inspection;
  /** The RFC 9728 Protected Resource Metadata document. */
  metadata(): Record<string, unknown>;
  /** How many signature checks each backend has answered (a host backend falls back to Rust per key when the host refuses one). */
  signatureChecks(): { webcrypto: number; node: number; rust: number };
  /** Facts about the checked policy (resource, well-known URLs, issuers). */
  readonly policy: PolicyFacts;
  /** The configured issuer a token claims (nothing is verified), or null. */
  issuerFor(tokenOrAuthorizationHeader: string): string | null;
  /** True once a key set is loaded for `issuer`. */
  hasJwks(issuer: string): boolean;
  /**
   * The refusal for a request whose `Authorization` value carries no usable
   * bearer token (none, another scheme, or malformed), decided from the header
   * alone so a server can answer before reading the body; null when a token is present.
   */
  credentials(authorization: string | null | undefined): Refusal | null;
  /** The refusal for a condition found outside the core: keys unavailable (503, with Retry-After) or a body too large to read (413). */
  refusal(code: 'ERR_JWKS_UNAVAILABLE' | 'ERR_MCP_BODY_TOO_LARGE', retryAfterSeconds?: number): Refusal;
  /**
   * The entries of a `tools/list`, `prompts/list`, `resources/list` or
   * `resources/templates/list` result that the token of `authInfo` could use:
   * the decision a call would get (scope hierarchy and prefix included).
   * Entries without a name are kept.
   */
  filterList<T extends object>(authInfo: Pick<AuthInfo, 'issuer' | 'scopes' | 'claims'>, kind: ListKind, entries: T[]): T[];
}

/** The result member of a list: `tools`, `prompts`, `resources` or `resourceTemplates`. */
export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** The identity parts of an AuthInfo the core computes held scopes from. */
export function holder(authInfo: Pick<AuthInfo, 'issuer' | 'scopes' | 'claims'>): string {
  return JSON.stringify({ issuer: authInfo.issuer, scopes: authInfo.scopes, claims: authInfo.claims });
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

/** The members of a list entry the core reads: what a call would name. */
function namesOf(entry: object): Record<string, unknown> {
  const e = entry as Record<string, unknown>;
  return { name: e.name, uri: e.uri, uriTemplate: e.uriTemplate };
}

/** As many acceptances as the core's verified-token cache holds (src/token_cache.rs). */
const REMEMBERED = 4096;

const utf8 = new TextEncoder();

/** The body as the bytes the core reads. */
function bodyBytes(body: VerifyOptions['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (body instanceof Uint8Array) return body;
  return utf8.encode(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The core's `http` argument: the body's Content-Type and Content-Encoding ('' for an absent field), or none. */
function httpFields(options: Pick<VerifyOptions, 'http'>): string[] | undefined {
  const http = options.http;
  return http ? [http.contentType ?? '', http.contentEncoding ?? ''] : undefined;
}

/** A ConfigError from the core's thrown `{field, message}` JSON. */
export function configError(e: unknown): ConfigError {
  const { field, message } = JSON.parse(String(e));
  return new ConfigError(field, message);
}

/**
 * Checks `config` once and returns a validator. Throws `ConfigError` naming the field.
 */
export async function createValidator(config: McpAuthConfig | string, options?: ValidatorOptions): Promise<Validator> {
  return createValidatorSync(config, options);
}

/** `createValidator` without the promise, for hosts that instantiate synchronously. */
export function createValidatorSync(config: McpAuthConfig | string, options: ValidatorOptions = {}): Validator {
  const { WasmValidator } = core();
  const node = nodeCrypto();
  const crypto = options.crypto ?? (node ? 'node' : globalThis.crypto?.subtle ? 'webcrypto' : 'rust');
  let inner: InstanceType<typeof WasmValidator>;
  try {
    inner = new WasmValidator(typeof config === 'string' ? config : JSON.stringify(config), String(crypto), node);
  } catch (e) {
    throw configError(e);
  }
  const policy: PolicyFacts = JSON.parse(inner.describe());
  // The AuthInfo of recent acceptances, by header value. Only a hint: the core
  // still decides every request (stillAccepted re-checks the remembered
  // token's time claims and this request's scopes), so an entry here is never
  // trusted on its own, and parsing and building the AuthInfo happen once per token.
  const accepted = new Map<string, AuthInfo>();
  const remember = (input: string, r: VerifyResult) => {
    if (!r.ok) return r;
    if (accepted.size >= REMEMBERED) accepted.delete(accepted.keys().next().value as string);
    accepted.set(input, r.authInfo);
    return { ok: true as const, authInfo: { ...r.authInfo } };
  };
  const validator: Validator = {
    policy,
    setJwks(issuer, jwks) {
      try {
        return JSON.parse(inner.setJwks(issuer, typeof jwks === 'string' ? jwks : JSON.stringify(jwks)));
      } catch (e) {
        throw new Error(`mcp-edge-auth: key set for ${issuer}: ${e}`);
      }
    },
    async verify(input, options = {}) {
      const now = options.now ?? Date.now() / 1000;
      const body = bodyBytes(options.body);
      const http = httpFields(options);
      if (input) {
        const known = accepted.get(input);
        if (known && inner.stillAccepted(input, body, http, now)) return { ok: true, authInfo: { ...known } };
      }
      // A string when nothing asynchronous was needed (a refusal, a remembered token, the Node backend), else a promise.
      const r: string | Promise<string> = inner.verify(input ?? undefined, body, http, now);
      const result = toResult(typeof r === 'string' ? r : await r);
      return input ? remember(input, result) : result;
    },
    verifySync(input, options = {}) {
      const now = options.now ?? Date.now() / 1000;
      return toResult(inner.verifySync(input ?? undefined, bodyBytes(options.body), httpFields(options), now));
    },
    inspect(body, options = {}) {
      return JSON.parse(inner.inspect(bodyBytes(body), httpFields(options)));
    },
    metadata: () => JSON.parse(inner.metadata()),
    signatureChecks() {
      const [webcrypto, node, rust] = inner.signatureChecks();
      return { webcrypto, node, rust };
    },
    issuerFor: (input) => inner.issuerFor(input) ?? null,
    credentials(authorization) {
      const r = inner.credentialsRefusal(authorization ?? undefined);
      return r === undefined ? null : JSON.parse(r);
    },
    hasJwks: (issuer) => inner.hasJwks(issuer),
    refusal(code, retryAfter) {
      const r: Refusal = JSON.parse(inner.refusal(code, retryAfter) ?? 'null');
      return retryAfter === undefined ? r : { ...r, retryAfter };
    },
    filterList(authInfo, kind, entries) {
      // Entries go through the core by position, so the caller's objects come back as they were.
      const kept: Array<{ i: number }> = JSON.parse(inner.filterList(holder(authInfo), kind, JSON.stringify(entries.map((e, i) => ({ ...namesOf(e), i })))));
      return kept.map(({ i }) => entries[i]);
    },
  };
  cores.set(validator, inner);
  return validator;
}

/**
 * The form in which a resource URI is compared with the policy's `resources`
 * (WHATWG URL serialization, as MCP SDKs look resources up, plus RFC 3986
 * percent-encoding normalization, host in lower case, no fragment), or null
 * when the URI is refused (not an absolute URL, or ambiguous).
 */
export function resourceKey(uri: string): string | null {
  return core().resourceKey(uri) ?? null;
}

/** Verifies one detached JWS signature against a JWK in Rust: 'valid', 'invalid' or 'unsupported'. */
export function verifyJwsSignature(alg: string, jwk: string | object, signingInput: string, signature: string): string {
  return core().verifyJwsSignature(alg, typeof jwk === 'string' ? jwk : JSON.stringify(jwk), signingInput, signature);
}

/** `verifyJwsSignature` with the signature checked by node:crypto after the same Rust checks (Node only). */
export function verifyJwsSignatureNode(alg: string, jwk: string | object, signingInput: string, signature: string): string {
  const node = nodeCrypto();
  if (!node) throw new Error('mcp-edge-auth: node:crypto is only available under Node');
  return core().verifyJwsSignatureNode(alg, typeof jwk === 'string' ? jwk : JSON.stringify(jwk), signingInput, signature, node);
}

/** `verifyJwsSignature` with the signature checked by WebCrypto after the same Rust checks. */
export function verifyJwsSignatureWebCrypto(alg: string, jwk: string | object, signingInput: string, signature: string): Promise<string> {
  return core().verifyJwsSignatureWebCrypto(alg, typeof jwk === 'string' ? jwk : JSON.stringify(jwk), signingInput, signature);
}
