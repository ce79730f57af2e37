// The I/O of key refresh in the npm package: `fetch`, timers and an optional
// KV-shaped cache. Every decision (freshness, one fetch at a time, the
// cooldown, the stale window, Retry-After, discovery, the size limit, the
// cache record, when to decide again) is the core's, in src/decision.rs and
// src/jwks/refresh.rs, which drive this host from src/wasm/; it only
// carries out what it is asked, and waits on its own timers (Cloudflare
// Workers cancel a continuation resumed from another request's context).

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

/** The options the core's key-refresh policy reads (src/jwks/refresh.rs, `RefreshSettings::FIELDS`; checked by tests/typescript_types.rs). */
export const REFRESH_OPTIONS = ['jwksCooldownSeconds', 'jwksTimeoutMs', 'maxStaleSeconds', 'jwksMinTtlSeconds', 'jwksMaxTtlSeconds'] as const;

/** Every option of `KeyFetchOptions`: the host's own and the core's. */
export const KEY_FETCH_OPTIONS = ['fetch', 'cache', 'clock', ...REFRESH_OPTIONS] as const;

/**
 * The key host the core's decisions use (src/wasm/key_host.rs): `fetch`
 * with a timeout covering the body, the optional cache and timers. It holds
 * no policy: the core asks, it performs.
 */
export class RemoteKeys {
  private readonly fetchImpl: typeof fetch;
  /** The clock, in ms: the time of every decision and of every key-refresh step. */
  readonly now: () => number;

  /** Throws `ConfigError` naming a refresh option the core refuses. */
  constructor(validator: Validator, private readonly options: KeyFetchOptions = {}) {
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.now = options.clock ?? Date.now;
    const settings = Object.fromEntries(REFRESH_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
    try {
      coreOf(validator).configureKeyRefresh(JSON.stringify(settings), this, options.cache !== undefined);
    } catch (e) {
      throw configError(e);
    }
  }

  /** The cache's value, or null (also when the cache failed). */
  async readCache(key: string): Promise<string | null> {
    return Promise.resolve()
      .then(() => this.options.cache?.get(key) ?? null)
      .catch(() => null);
  }

  /** Writes a record; the cache is an optimisation, so a failed write changes nothing. */
  async writeCache(key: string, value: string, ttlSeconds: number): Promise<void> {
    await Promise.resolve()
      .then(() => this.options.cache?.put(key, value, { expirationTtl: ttlSeconds }))
      .catch(() => {});
  }

  /** Sleeps on this request's own timer. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** GET `url` within `timeoutMs` for the headers and the body, reading at most `limit` bytes; rejects with the reason. */
  async fetchDocument(url: string, timeoutMs: number, limit: number): Promise<{ status: number; body: Uint8Array; cacheControl: string | null }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await this.fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'follow', signal: controller.signal });
      const body = await readUpTo(res.body, limit);
      return { status: res.status, body, cacheControl: res.headers.get('cache-control') };
    } catch (e) {
      throw controller.signal.aborted ? `${url} timed out after ${timeoutMs} ms` : `${url}: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
