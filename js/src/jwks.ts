// Remote key sets: where they live (configured or discovered, RFC 8414 then
// OpenID Connect Discovery), how long they are good for (Cache-Control within
// bounds), and what happens when the authorization server misbehaves (one
// fetch at a time, a cooldown between refetches, a timeout, and the last good
// keys kept up to maxStaleSeconds — an outage is a 503, never a 401).
//
// Concurrent callers wait for a fetch in progress on their own timers and read
// the shared state; they never await the fetching caller's promise, because
// Cloudflare Workers cancel a continuation resumed from another request's
// context once that request has finished.

import type { Validator } from './validator.js';
import { readAtMost } from './stream.js';

/** The Workers KV shape: any store with these two methods works. */
export interface KeyCache {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

export interface KeyFetchOptions {
  fetch?: typeof fetch;
  cache?: KeyCache;
  /** Least time between two fetches of one issuer's keys (default 30 s). */
  jwksCooldownSeconds?: number;
  /** Per-request timeout (default 5000 ms). */
  jwksTimeoutMs?: number;
  /** How long past their freshness the last good keys may still be used (default 3600 s). */
  maxStaleSeconds?: number;
  /** Bounds on the freshness taken from Cache-Control (default 60 s … 86400 s; 300 s when absent). */
  jwksMinTtlSeconds?: number;
  jwksMaxTtlSeconds?: number;
  /** Clock in milliseconds (tests). */
  clock?: () => number;
}

/** The largest key set or discovery document read (bytes). */
const MAX_DOCUMENT_BYTES = 256 * 1024;
const DEFAULT_TTL_SECONDS = 300;

/** Thrown when an issuer's keys cannot be had: answer 503 with Retry-After. */
export class KeysUnavailable extends Error {
  constructor(readonly issuer: string, readonly retryAfter: number, reason: string) {
    super(`keys for ${issuer} unavailable: ${reason}`);
  }
}

interface Stored {
  jwks: string;
  fetchedAt: number; // ms
  freshUntil: number; // ms
}

interface IssuerState {
  stored?: Stored;
  loaded?: number; // fetchedAt of what the validator holds
  lastAttempt: number; // ms
  lastError?: string;
  /** Real time (ms) a fetch in progress started. */
  fetchingSince?: number;
  /** Bumped whenever a fetch loads a changed key set. */
  generation: number;
  jwksUri?: string;
}

/** Seconds of freshness from a Cache-Control header, within bounds. */
export function freshness(cacheControl: string | null, min: number, max: number): number {
  let ttl = DEFAULT_TTL_SECONDS;
  if (cacheControl) {
    const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
    const maxAge = directives.find((d) => d.startsWith('max-age='));
    if (directives.includes('no-store') || directives.includes('no-cache')) ttl = 0;
    else if (maxAge) {
      const n = Number(maxAge.slice(8).replace(/"/g, ''));
      if (Number.isFinite(n) && n >= 0) ttl = n;
    }
  }
  return Math.min(Math.max(ttl, min), max);
}

/** RFC 8414 §3.1: the well-known segment goes between host and path. */
function discoveryUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${u.origin}${path}/.well-known/openid-configuration`];
}

function httpsOrLoopback(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

export class RemoteKeys {
  private readonly state = new Map<string, IssuerState>();
  private readonly fetchImpl: typeof fetch;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly maxStaleMs: number;
  private readonly minTtl: number;
  private readonly maxTtl: number;
  private readonly clock: () => number;

  constructor(private readonly validator: Validator, private readonly options: KeyFetchOptions = {}) {
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.cooldownMs = (options.jwksCooldownSeconds ?? 30) * 1000;
    this.timeoutMs = options.jwksTimeoutMs ?? 5000;
    this.maxStaleMs = (options.maxStaleSeconds ?? 3600) * 1000;
    this.minTtl = options.jwksMinTtlSeconds ?? 60;
    this.maxTtl = options.jwksMaxTtlSeconds ?? 86400;
    this.clock = options.clock ?? Date.now;
    for (const { issuer, jwksUri } of validator.policy.issuers) {
      this.state.set(issuer, { lastAttempt: -Infinity, generation: 0, jwksUri: jwksUri ?? undefined });
    }
  }

  private issuerState(issuer: string): IssuerState {
    const s = this.state.get(issuer);
    if (!s) throw new Error(`mcp-edge-auth: ${issuer} is not a configured issuer`);
    return s;
  }

  /** Makes sure usable keys for `issuer` are loaded; throws KeysUnavailable otherwise. */
  async ensure(issuer: string): Promise<void> {
    const s = this.issuerState(issuer);
    const now = this.clock();
    if (s.stored && now < s.stored.freshUntil) return;
    if (!s.stored) await this.fromCache(issuer, s);
    if (s.stored && this.clock() < s.stored.freshUntil) return;
    if (s.fetchingSince !== undefined || now - s.lastAttempt >= this.cooldownMs) await this.refetch(issuer, s);
    if (s.stored && this.clock() <= s.stored.freshUntil + this.maxStaleMs) return;
    const wait = Math.max(1, Math.ceil((s.lastAttempt + this.cooldownMs - this.clock()) / 1000));
    throw new KeysUnavailable(issuer, wait, s.lastError ?? 'no key set');
  }

  /**
   * A token named a key we do not have: refetch once, unless a fetch for this
   * issuer happened within the cooldown. Resolves true if new keys were loaded.
   */
  async refreshForUnknownKey(issuer: string): Promise<boolean> {
    const s = this.issuerState(issuer);
    if (s.fetchingSince === undefined && this.clock() - s.lastAttempt < this.cooldownMs) return false;
    return this.refetch(issuer, s);
  }

  /** One fetch per issuer at a time; concurrent callers wait for it. Resolves true if the keys changed. */
  private async refetch(issuer: string, s: IssuerState): Promise<boolean> {
    const generation = s.generation;
    if (s.fetchingSince !== undefined) {
      const until = s.fetchingSince + this.timeoutMs + 1000;
      while (s.fetchingSince !== undefined && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      // A fetch that outlived its own timeout was abandoned: release it.
      s.fetchingSince = undefined;
      return s.generation !== generation;
    }
    s.lastAttempt = this.clock();
    s.fetchingSince = Date.now();
    try {
      const changed = await this.fetchKeys(issuer, s);
      if (changed) s.generation++;
      return changed;
    } finally {
      s.fetchingSince = undefined;
    }
  }

  private async fetchKeys(issuer: string, s: IssuerState): Promise<boolean> {
    try {
      s.jwksUri ??= await this.discover(issuer);
      const res = await this.get(s.jwksUri);
      const text = await this.readBounded(res, 'key set');
      const before = s.stored?.jwks;
      this.adopt(issuer, s, { jwks: text, fetchedAt: this.clock(), freshUntil: this.clock() + 1000 * freshness(res.headers.get('cache-control'), this.minTtl, this.maxTtl) });
      s.lastError = undefined;
      await this.toCache(issuer, s.stored!);
      return before !== text;
    } catch (e) {
      s.lastError = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /** Loads a stored key set into the validator; a set the core refuses is an error and changes nothing. */
  private adopt(issuer: string, s: IssuerState, stored: Stored): void {
    const report = this.validator.setJwks(issuer, stored.jwks);
    if (report.usable === 0) {
      // Put the last good set back: a set with no usable key replaces nothing.
      if (s.stored) this.validator.setJwks(issuer, s.stored.jwks);
      throw new Error('key set has no usable keys');
    }
    s.stored = stored;
    s.loaded = stored.fetchedAt;
  }

  private async discover(issuer: string): Promise<string> {
    let lastError = 'no discovery document';
    for (const url of discoveryUrls(issuer)) {
      let doc: { issuer?: unknown; jwks_uri?: unknown };
      try {
        doc = JSON.parse(await this.readBounded(await this.get(url), 'discovery document'));
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        continue;
      }
      // RFC 8414 §3.3 / OIDC Discovery §4.3: the document must name exactly this issuer.
      if (doc.issuer !== issuer) throw new Error(`discovery document at ${url} names another issuer`);
      if (typeof doc.jwks_uri !== 'string' || !httpsOrLoopback(doc.jwks_uri)) throw new Error(`discovery document at ${url} has no usable jwks_uri`);
      return doc.jwks_uri;
    }
    throw new Error(lastError);
  }

  private async get(url: string): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await this.fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'follow', signal: controller.signal });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`${url} answered ${res.status}`);
      }
      return res;
    } catch (e) {
      if (controller.signal.aborted) throw new Error(`${url} timed out after ${this.timeoutMs} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads at most MAX_DOCUMENT_BYTES, refusing anything longer. */
  private async readBounded(res: Response, what: string): Promise<string> {
    const declared = Number(res.headers.get('content-length'));
    if (declared > MAX_DOCUMENT_BYTES) {
      await res.body?.cancel();
      throw new Error(`${what} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    }
    const all = await readAtMost(res.body, MAX_DOCUMENT_BYTES);
    if (all === null) throw new Error(`${what} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return new TextDecoder().decode(all);
  }

  private cacheKey(issuer: string): string {
    return `mcp-edge-auth:jwks:${issuer}`;
  }

  private async fromCache(issuer: string, s: IssuerState): Promise<void> {
    if (!this.options.cache) return;
    try {
      const text = await this.options.cache.get(this.cacheKey(issuer));
      if (!text) return;
      const stored = JSON.parse(text) as Stored;
      if (typeof stored.jwks === 'string' && typeof stored.fetchedAt === 'number' && typeof stored.freshUntil === 'number') {
        this.adopt(issuer, s, stored);
      }
    } catch {
      // A broken cache entry or a cache outage is not fatal: the network is next.
    }
  }

  private async toCache(issuer: string, stored: Stored): Promise<void> {
    if (!this.options.cache) return;
    const ttl = Math.max(60, Math.ceil((stored.freshUntil - this.clock() + this.maxStaleMs) / 1000));
    try {
      await this.options.cache.put(this.cacheKey(issuer), JSON.stringify(stored), { expirationTtl: ttl });
    } catch {
      // The cache is an optimisation; memory still holds the keys.
    }
  }
}
