import { core, nodeCrypto } from './core.js';
import { cores, coreOf } from './cores.js';
import { ConfigError } from './errors.js';
import { Recent } from './recent.js';
import type { AuthInfo, ErrorCode, JwksReport, McpAuthConfig, Refusal, VerifyResult } from './types.js';

/** Options for one verification. */
export interface VerifyOptions {
  /** The time of the check in Unix seconds; defaults to the clock (`createAuth`'s `clock`, else `Date.now`). */
  now?: number;
  /** The JSON-RPC body (raw bytes, text, or parsed), for per-tool, prompt and resource scopes. */
  body?: string | Uint8Array | object;
  /**
   * The body arrived over HTTP with these header values: it is then refused
   * with 415 (`ERR_MCP_CONTENT_TYPE`, `ERR_MCP_CONTENT_ENCODING`) unless it is
   * `application/json` (at most `charset=utf-8`) with no content coding, the
   * one reading every JSON parser agrees on, and with 413
   * (`ERR_MCP_BODY_TOO_LARGE`) past `maxBodyBytes` before the token is
   * checked. `method` (default `POST`): a request of another method names no
   * operation. Leave it out for a body your framework already parsed.
   */
  http?: { contentType: string | null; contentEncoding?: string | null; method?: string };
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

/**
 * An acceptance as the core reports it (src/wasm/mod.rs, `result_json`): where
 * the token sits in the input, `exp`, the window of whole seconds within
 * which the acceptance stands, and what the token's claims do not say
 * directly (its client by `clientIdClaims`, its scopes by `scopeClaims`).
 */
type Accepted = [start: number, end: number, expiresAt: number, from: number, until: number, clientId: string | null, subject: string | null, issuer: string, audience: string[], scopes: string[]];

/** The claims of an accepted token: its payload, which the core parsed and checked. */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.')).replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(payload);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * One acceptance, remembered: a fresh AuthInfo for every caller, sharing the
 * claims and building `resource` (a URL) only when they are read.
 */
class Acceptance {
  private decoded?: Record<string, unknown>;
  constructor(
    /** The header value (or bare token) it was decided for. */
    readonly input: string,
    readonly token: string,
    readonly a: Accepted,
    readonly resource: string,
    /** The core's key loads when it accepted: keys changed since, ask it again. */
    readonly loads: number,
  ) {}

  /** True if the core's acceptance still stands at `now` for a request that needs only the base scopes. */
  standsAt(now: number, loads: number): boolean {
    const t = Math.floor(now);
    return loads === this.loads && this.a[3] <= t && t < this.a[4];
  }

  /** The token's claims, decoded once for every caller. */
  claims(): Record<string, unknown> {
    return (this.decoded ??= claimsOf(this.token));
  }

  authInfo(): AuthInfo {
    return new Granted(this);
  }
}

/**
 * The AuthInfo one caller gets: its own fields and arrays, with `resource`
 * and `claims` made when first read. They are accessors of the class, not of
 * each object: an object literal with accessors took some 1 µs to create,
 * ten times this, on every verification. So they are not own properties
 * (`Object.keys` and spreading leave them out); `toJSON` writes them as if
 * they were, as a literal's accessors were.
 */
class Granted implements AuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  subject: string | undefined;
  issuer: string;
  audience: string[];
  #acceptance: Acceptance;
  #resource?: URL;
  #claims?: Record<string, unknown>;

  constructor(acceptance: Acceptance) {
    const a = acceptance.a;
    this.token = acceptance.token;
    this.clientId = a[5] ?? '';
    this.scopes = [...a[9]];
    this.expiresAt = a[2];
    this.subject = a[6] ?? undefined;
    this.issuer = a[7];
    this.audience = [...a[8]];
    this.#acceptance = acceptance;
  }

  get resource(): URL {
    return (this.#resource ??= new URL(this.#acceptance.resource));
  }
  set resource(v: URL) {
    this.#resource = v;
  }

  get claims(): Record<string, unknown> {
    return (this.#claims ??= this.#acceptance.claims());
  }
  set claims(v: Record<string, unknown>) {
    this.#claims = v;
  }

  toJSON(): object {
    return { ...this, resource: this.resource, claims: this.claims };
  }
}

/** Turns the core's result into the JS shape, and the acceptance to remember (null for a refusal). */
function toResult(json: string, input: string | undefined, resource: string, loads: number): [VerifyResult, Acceptance | null] {
  const r = JSON.parse(json);
  if (!Array.isArray(r)) return [r as Refusal, null];
  const a = r as Accepted;
  const text = input ?? '';
  const acceptance = new Acceptance(text, text.slice(a[0], a[1]), a, resource, loads);
  return [{ ok: true, authInfo: acceptance.authInfo() }, acceptance];
}

/** The members of a list entry the core reads: what a call would name. */
function namesOf(entry: object): Record<string, unknown> {
  const e = entry as Record<string, unknown>;
  return { name: e.name, uri: e.uri, uriTemplate: e.uriTemplate };
}

/** As many acceptances as the core's verified-token cache holds (src/token_cache.rs). */
const REMEMBERED = 4096;

/**
 * Acceptances are remembered by the last characters of the header value: a
 * compact JWS ends with its signature (RFC 7515 §7.1), different for every
 * token its issuer signs, so they spread the entries as the whole value
 * would. V8 hashes a new string over all its characters, about 1.2 µs for a
 * token, and every request brings a new string. A remembered acceptance is
 * used only for exactly the value it was decided for.
 */
const KEY_TAIL = 32;
const keyOf = (input: string) => input.slice(-KEY_TAIL);

const utf8 = new TextEncoder();

/** Reused by `headerBytes` (the core copies its argument in before the call returns); never grown, so a huge value is not kept. */
const scratch = new Uint8Array(16384);

/**
 * An `Authorization` value (or bare token) as UTF-8 bytes for the core, in
 * one native copy: a string argument is copied into wasm by wasm-bindgen one
 * UTF-16 unit at a time, about 2 µs for a token on every call that reads it.
 * The view is valid until the next call; a value too long for the scratch
 * buffer is encoded on its own; an absent value stays absent.
 */
export function headerBytes(input: string): Uint8Array;
export function headerBytes(input: string | null | undefined): Uint8Array | undefined;
export function headerBytes(input: string | null | undefined): Uint8Array | undefined {
  if (input == null) return undefined;
  const { read, written } = utf8.encodeInto(input, scratch);
  return read === input.length ? scratch.subarray(0, written) : utf8.encode(input);
}

/** The body as the bytes the core reads. */
function bodyBytes(body: VerifyOptions['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (body instanceof Uint8Array) return body;
  return utf8.encode(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The core's `http` argument: the body's Content-Type and Content-Encoding and the method ('' for an absent one), or none. */
export function httpFields(options: Pick<VerifyOptions, 'http'>): string[] | undefined {
  const http = options.http;
  return http ? [http.contentType ?? '', http.contentEncoding ?? '', http.method ?? ''] : undefined;
}

/** A ConfigError from the core's thrown `{field, message}` JSON. */
export function configError(e: unknown): ConfigError {
  const { field, message } = JSON.parse(String(e));
  return new ConfigError(field, message);
}

/** How `useClock` reaches a validator's clock (kept off the public object). */
const clocks = new WeakMap<object, (clock: () => number) => void>();

/** Makes `clock` (ms) the time of `validator`'s decisions: `createAuth` gives its key host's. */
export function useClock(validator: Validator, clock: () => number): void {
  clocks.get(coreOf(validator))?.(clock);
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
  // Recent acceptances, by header value (found by its end: keyOf). A request
  // that needs only the base scopes is answered from here while the core's
  // window for it holds and no key set changed since; any other request, or
  // outside the window, asks the core (stillAccepted re-checks the remembered
  // token for this request's scopes), so nothing here is ever trusted beyond
  // what the core said.
  const accepted = new Recent<Acceptance>(REMEMBERED);
  let clock = Date.now;
  clocks.set(inner, (c) => {
    clock = c;
  });
  const remember = (input: string, [result, acceptance]: [VerifyResult, Acceptance | null]) => {
    if (acceptance) accepted.set(keyOf(input), acceptance);
    return result;
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
      const now = options.now ?? clock() / 1000;
      const body = bodyBytes(options.body);
      const http = httpFields(options);
      if (input) {
        const known = accepted.get(keyOf(input));
        if (known?.input === input) {
          const baseOnly = body === undefined && http === undefined;
          // Within the window the core gave (its time claims, and its keys' freshness when keys are fetched), and for what this body needs.
          if (known.standsAt(now, inner.keyLoads()) && (baseOnly || inner.stillAccepted(headerBytes(input), body, http, now))) return { ok: true, authInfo: known.authInfo() };
        }
      }
      const loads = inner.keyLoads();
      // A string when nothing had to be waited for (a refusal, a remembered token, fresh keys and a synchronous backend), else a promise.
      const r: string | Promise<string> = inner.verify(headerBytes(input), body, http, options.now);
      const result = toResult(typeof r === 'string' ? r : await r, input ?? undefined, policy.resource, loads);
      return input ? remember(input, result) : result[0];
    },
    verifySync(input, options = {}) {
      const now = options.now ?? clock() / 1000;
      return toResult(inner.verifySync(headerBytes(input), bodyBytes(options.body), httpFields(options), now), input ?? undefined, policy.resource, inner.keyLoads())[0];
    },
    inspect(body, options = {}) {
      return JSON.parse(inner.inspect(bodyBytes(body), httpFields(options)));
    },
    metadata: () => JSON.parse(inner.metadata()),
    signatureChecks() {
      const [webcrypto, node, rust] = inner.signatureChecks();
      return { webcrypto, node, rust };
    },
    issuerFor: (input) => inner.issuerFor(headerBytes(input)) ?? null,
    credentials(authorization) {
      const r = inner.credentialsRefusal(headerBytes(authorization));
      return r === undefined ? null : JSON.parse(r);
    },
    hasJwks: (issuer) => inner.hasJwks(issuer),
    refusal: (code, retryAfter) => JSON.parse(inner.refusal(code, retryAfter) ?? 'null'),
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
