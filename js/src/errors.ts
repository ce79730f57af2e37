import type { ErrorCode, Refusal } from './types.js';

const BRAND = Symbol.for('mcp-edge-auth.error');

/**
 * Every error the high-level API throws. `code` is the core's stable code,
 * `status` the HTTP status, `error` the RFC 6750 code.
 *
 * In Node, `verifyAccessToken` throws instances of the MCP SDK's own
 * `InvalidTokenError` / `InsufficientScopeError` (so `requireBearerAuth` maps
 * them to 401 / 403); they carry the same fields and `instanceof
 * McpEdgeAuthError` is true for them too.
 *
 * @example
 * try { await auth.verifyAccessToken(token) }
 * catch (e) { if (e instanceof McpEdgeAuthError && e.code === 'ERR_JWT_EXPIRED') refresh() }
 */
export class McpEdgeAuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly error?: Refusal['error'];
  readonly wwwAuthenticate: string;
  readonly retryAfter?: number;

  constructor(refusal: Refusal) {
    super(refusal.description);
    this.name = 'McpEdgeAuthError';
    this.code = refusal.code;
    this.status = refusal.status;
    this.error = refusal.error;
    this.wwwAuthenticate = refusal.wwwAuthenticate;
    this.retryAfter = refusal.retryAfter;
    brand(this, refusal);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Marks `target` as one of ours and copies the refusal's fields onto it. */
export function brand(target: object, refusal: Refusal): void {
  Object.defineProperty(target, BRAND, { value: true });
  for (const key of ['code', 'status', 'error', 'wwwAuthenticate', 'retryAfter'] as const) {
    if (refusal[key] !== undefined && !(key in target && (target as Record<string, unknown>)[key] === refusal[key])) {
      Object.defineProperty(target, key, { value: refusal[key], enumerable: true });
    }
  }
}

/** A configuration mistake, thrown once by `createValidator` / `createAuth`. `field` names it. */
export class ConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.field = field;
  }
}
