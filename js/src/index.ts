// The platform-independent API. Import 'mcp-edge-auth': Node gets dist/node.js,
// workerd (Cloudflare Workers, via the "workerd" export condition) dist/workerd.js.
export { createValidator, createValidatorSync, resourceKey, verifyJwsSignature, verifyJwsSignatureNode, verifyJwsSignatureWebCrypto } from './validator.js';
export type { Inspection, ListKind, Operation, Validator, ValidatorOptions, VerifyOptions, PolicyFacts } from './validator.js';
export type { WritableResponse } from './lists.js';
export { createAuth } from './auth.js';
export type { Auth, AuthOptions } from './auth.js';
export type { KeyCache, KeyFetchOptions } from './jwks.js';
export { McpEdgeAuthError, ConfigError } from './errors.js';
export type { Answer, AuthInfo, ErrorCode, IssuerConfig, JwksReport, McpAuthConfig, Refusal, VerifyResult } from './types.js';
