/** The shared configuration schema (docs/configuration.md has every field and default). */
export interface McpAuthConfig {
  resource: string;
  audiences?: string[];
  issuers: IssuerConfig[];
  requiredScopes?: string[];
  requiredClaims?: string[];
  leewaySeconds?: number;
  maxTokenBytes?: number;
  maxBodyBytes?: number;
  tools?: Record<string, string[]>;
  prompts?: Record<string, string[]>;
  resources?: Record<string, string[]>;
  methods?: Record<string, string[]>;
  defaultPolicy?: 'allow' | 'deny';
  scopesSupported?: string[];
  authorizationServers?: string[];
  resourceName?: string;
  resourceDocumentation?: string;
  resourcePolicyUri?: string;
  resourceTosUri?: string;
  realm?: string;
  resourceMetadataUrl?: string;
  /** Scope hierarchy: a scope implies these (transitively), e.g. `{ 'pet-profile:write': ['pet-profile:read'] }`. */
  scopeImplies?: Record<string, string[]>;
  /** What a 403 `insufficient_scope` names: what the request needs, or also what the token already holds (default). */
  challengeScopes?: 'needed' | 'neededAndGranted';
}

/** One trusted authorization server. */
export interface IssuerConfig {
  /** The exact `iss`, or one with a `{claim}` placeholder (`https://login.microsoftonline.com/{tid}/v2.0`; then `tenants` and `jwksUri` are required). */
  issuer: string;
  jwksUri?: string;
  algorithms?: Array<'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA'>;
  typ?: 'at+jwt';
  /** Top-level claim names or RFC 6901 JSON Pointers (`/realm_access/roles`); strings, arrays of strings, or objects whose member names are scopes. */
  scopeClaims?: string[];
  /** Top-level claim names or JSON Pointers; the first present string is the client id. */
  clientIdClaims?: string[];
  /** With a `{claim}` placeholder in `issuer`: the values it may take, or `'*'` for any. */
  tenants?: string[] | '*';
  /** A granted scope `s` also satisfies a needed `scopePrefix + s` (Entra: `api://app/`). */
  scopePrefix?: string;
  /** When set, the token's client id must be one of these. */
  clientIds?: string[];
  /** Accept tokens of this issuer without `aud` when their client id is listed in `clientIds` (Cognito access tokens). */
  audienceOptional?: boolean;
  /** Claims that must be present with exactly these string values, e.g. `{ token_use: 'access' }`. */
  requiredClaimValues?: Record<string, string>;
}

/**
 * What an accepted request may know about its caller. The shape of the MCP
 * TypeScript SDK's `AuthInfo` (`token`, `clientId`, `scopes`, `expiresAt`,
 * `resource`) plus the rest of the verified token.
 */
export interface AuthInfo {
  token: string;
  /** From the issuer's `clientIdClaims`; empty when the token names no client. */
  clientId: string;
  scopes: string[];
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
  resource: URL;
  subject?: string;
  issuer: string;
  audience: string[];
  claims: Record<string, unknown>;
}

/** The stable code of every refusal; docs/error-codes.md has the table. */
export type ErrorCode =
  | 'ERR_NO_BEARER_TOKEN' | 'ERR_BEARER_MALFORMED' | 'ERR_TOKEN_TOO_LARGE' | 'ERR_JWE_UNSUPPORTED'
  | 'ERR_JWS_MALFORMED' | 'ERR_JWS_BASE64URL' | 'ERR_JWS_HEADER_INVALID' | 'ERR_JWT_PAYLOAD_INVALID'
  | 'ERR_JSON_DUPLICATE_MEMBER' | 'ERR_JSON_TOO_DEEP' | 'ERR_JWS_ALG_MISSING' | 'ERR_JWS_ALG_NONE'
  | 'ERR_JWS_ALG_SYMMETRIC' | 'ERR_JWS_ALG_NOT_ALLOWED' | 'ERR_JWS_CRIT' | 'ERR_JWS_B64' | 'ERR_JWT_ISSUER'
  | 'ERR_JWKS_UNAVAILABLE' | 'ERR_JWKS_NO_MATCHING_KEY' | 'ERR_JWKS_AMBIGUOUS_KEY' | 'ERR_JWS_SIGNATURE'
  | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_YET_VALID' | 'ERR_JWT_ISSUED_IN_FUTURE' | 'ERR_JWT_AUDIENCE'
  | 'ERR_JWT_CLAIM_MISSING' | 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_CLAIM_VALUE' | 'ERR_JWT_CLIENT' | 'ERR_JWT_TYPE' | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_MCP_CONTENT_TYPE' | 'ERR_MCP_CONTENT_ENCODING' | 'ERR_MCP_REQUEST_INVALID' | 'ERR_MCP_BODY_TOO_LARGE'
  | 'ERR_MCP_OPERATION_DENIED'
  // The gateway's own: Host and Origin (transport), a session of another caller, a rate limit.
  | 'ERR_HOST_NOT_ALLOWED' | 'ERR_ORIGIN_NOT_ALLOWED' | 'ERR_MCP_SESSION_NOT_FOUND' | 'ERR_RATE_LIMITED';

/** An HTTP response the package decided itself: send it as it is. */
export interface Answer {
  status: number;
  /** Header fields in order (a challenge, CORS, Retry-After…). */
  headers: Array<[string, string]>;
  /** The body (JSON text), or null for none. */
  body: string | null;
}

/** A refusal, as data. `error` is absent when no token was sent (RFC 6750 §3.1). */
export interface Refusal {
  ok: false;
  status: number;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  code: ErrorCode;
  description: string;
  wwwAuthenticate: string;
  /** Seconds, set on 503 while signing keys are unavailable. */
  retryAfter?: number;
  /** The response to send for it: its status, `WWW-Authenticate`, CORS, `Retry-After` and JSON body. */
  answer: Answer;
}

export type VerifyResult = { ok: true; authInfo: AuthInfo } | Refusal;

/** `{ usable, skipped }` after loading a key set. */
export interface JwksReport {
  usable: number;
  skipped: Array<{ kid: string | null; reason: string }>;
}
