// The I/O of key refresh in the npm package: `fetch`, timers and an optional
// KV-shaped cache. Every decision (freshness, one fetch at a time, the
// cooldown, the stale window, Retry-After, discovery, the size limit, the
// cache record) is the core's, in src/jwks/refresh.rs; this only carries out
// the actions it asks for, and waits on its own timers (Cloudflare Workers
// cancel a continuation resumed from another request's context).

import { readUpTo } from './stream.js';
import { coreOf } from './cores.js';
import { configError, type Validator } from './validator.js';

/** The Workers KV shape: any store with these two methods works. */
export interface KeyCache {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

export interface KeyFetchOptions {
  fetch?: typeof fetch;
  /** Shared with other processes or isolates: the keys and the cooldown hold across them. */
  cache?: KeyCache;
  /** Least time between two fetches of one issuer's keys (default 30 s). */
  jwksCooldownSeconds?: number;
  /** Time allowed for one fetch, headers and body (default 5000 ms). */
  jwksTimeoutMs?: number;
  /** How long past their freshness the last good keys may still be used (default 3600 s). */
  maxStaleSeconds?: number;
  /** Bounds on the freshness taken from Cache-Control (default 60 s … 86400 s; 300 s when absent). */
  jwksMinTtlSeconds?: number;
  jwksMaxTtlSeconds?: number;
  /** Clock in milliseconds (tests). */
  clock?: () => number;
}

/** The options the core's key-refresh policy reads (the gateway settings of the same names). */
const REFRESH_OPTIONS = ['jwksCooldownSeconds', 'jwksTimeoutMs', 'maxStaleSeconds', 'jwksMinTtlSeconds', 'jwksMaxTtlSeconds'] as const;

/** Thrown when an issuer's keys cannot be had: answer 503 with Retry-After. */
export class KeysUnavailable extends Error {
  constructor(readonly issuer: string, readonly retryAfter: number, reason: string) {
    super(`keys for ${issuer} unavailable: ${reason}`);
  }
}

type Outcome = { ok: true; changed: boolean } | { ok: false; retryAfter: number; reason: string };

export class RemoteKeys {
  private readonly core: ReturnType<typeof coreOf>;
  private readonly fetchImpl: typeof fetch;
  private readonly clock: () => number;

  /** Throws `ConfigError` naming a refresh option the core refuses. */
  constructor(validator: Validator, private readonly options: KeyFetchOptions = {}) {
    this.core = coreOf(validator);
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.clock = options.clock ?? Date.now;
    const settings = Object.fromEntries(REFRESH_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
    try {
      this.core.configureKeyRefresh(JSON.stringify(settings));
    } catch (e) {
      throw configError(e);
    }
  }

  /** Makes sure usable keys for `issuer` are loaded; throws KeysUnavailable otherwise. */
  async ensure(issuer: string): Promise<void> {
    const r = await this.run(issuer, false);
    if (!r.ok) throw new KeysUnavailable(issuer, r.retryAfter, r.reason);
  }

  /** A token named a key we do not have: resolves true if a changed key set was loaded. */
  async refreshForUnknownKey(issuer: string): Promise<boolean> {
    const r = await this.run(issuer, true);
    return r.ok && r.changed;
  }

  /** Drives one key-refresh job of the core to its end. */
  private async run(issuer: string, unknownKey: boolean): Promise<Outcome> {
    const job = this.core.keyJob(issuer, unknownKey, this.options.cache !== undefined);
    try {
      let input = '"start"';
      let body: Uint8Array | undefined;
      for (;;) {
        const action = JSON.parse(this.core.keyStep(job, input, body, this.clock()));
        body = undefined;
        switch (action.do) {
          case 'done':
            return action;
          case 'readCache':
            input = JSON.stringify({ cache: await Promise.resolve().then(() => this.options.cache!.get(action.key)).catch(() => null) });
            break;
          case 'writeCache':
            // The cache is an optimisation: a failed write changes nothing.
            await Promise.resolve().then(() => this.options.cache!.put(action.key, action.value, { expirationTtl: action.ttlSeconds })).catch(() => {});
            input = '"written"';
            break;
          case 'fetch': {
            const fetched = await this.fetchDocument(action.url, action.timeoutMs, action.limit);
            input = JSON.stringify('failed' in fetched ? fetched : { fetched: { status: fetched.status, cacheControl: fetched.cacheControl } });
            if (!('failed' in fetched)) body = fetched.body;
            break;
          }
          case 'wait':
            await new Promise((resolve) => setTimeout(resolve, action.ms));
            input = '"waited"';
            break;
          default:
            throw new Error(`mcp-edge-auth: unknown key refresh action ${action.do}`);
        }
      }
    } finally {
      job.free();
    }
  }

  /** GET `url` within `timeoutMs` for the headers and the body, reading at most `limit` bytes. */
  private async fetchDocument(url: string, timeoutMs: number, limit: number): Promise<{ status: number; body: Uint8Array; cacheControl: string | null } | { failed: string }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await this.fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'follow', signal: controller.signal });
      const body = await readUpTo(res.body, limit);
      return { status: res.status, body, cacheControl: res.headers.get('cache-control') };
    } catch (e) {
      return { failed: controller.signal.aborted ? `${url} timed out after ${timeoutMs} ms` : `${url}: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
