//! The one error enum for a refused request, and its mapping to the wire.
//!
//! Every check in [`crate::Validator::verify`] fails with exactly one
//! [`AuthError`] variant, whose row of the `auth_errors!` table is the single
//! place where it becomes an HTTP status, an RFC 6750 §3.1 error code, a
//! stable `ERR_…` code and a short fixed description. Every refusal — the
//! token's, and the gateway's own ([`TransportRefusal`], [`RequestRefusal`])
//! — is described on the wire by one
//! [`Wire`]. Descriptions are `&'static str`: nothing from the request can
//! ever reach a response through them.

use std::fmt;

/// The RFC 6750 §3.1 error code carried in a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rfc6750Error {
    /// `invalid_request`: the request is malformed (400).
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, malformed or invalid (401).
    InvalidToken,
    /// `insufficient_scope`: the token lacks privileges the request needs (403).
    InsufficientScope,
}

impl Rfc6750Error {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

/// How a refusal appears on the wire, whichever check made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire {
    /// The HTTP status.
    pub status: u16,
    /// The `error` member: an RFC 6750 §3.1 code for a token's refusal
    /// (none when no credentials were sent), the gateway's own name for a
    /// transport refusal, none for a JSON-RPC error.
    pub error: Option<&'static str>,
    /// The stable `ERR_…` code callers switch on.
    pub code: &'static str,
    /// A short fixed description: never request data.
    pub description: &'static str,
    /// The JSON-RPC error code, for a refusal answered as a JSON-RPC error
    /// (about what the request does, not its token).
    pub json_rpc: Option<i64>,
}

/// Every stable code a refusal can carry: the token's ([`AuthError::CODES`])
/// and the gateway's own, in that order.
pub fn all_codes() -> impl Iterator<Item = &'static str> {
    AuthError::CODES.iter().copied().chain(TransportRefusal::ALL.iter().map(|r| r.wire().code)).chain(RequestRefusal::ALL.iter().map(|r| r.wire().code))
}

/// A refusal at the transport, before any credential is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportRefusal {
    /// `Host` names neither the resource's host nor an `allowedHosts` entry:
    /// the request was not meant for this server, or a page that rebound a
    /// name it controls to this address sent it (DNS rebinding; MCP
    /// Streamable HTTP transport, "Security Warning"). RFC 9110 §15.5.20.
    MisdirectedRequest,
    /// A browser `Origin` not in `allowedOrigins`, when the list is set.
    OriginNotAllowed,
}

impl TransportRefusal {
    /// Every transport refusal.
    pub const ALL: [Self; 2] = [Self::MisdirectedRequest, Self::OriginNotAllowed];

    /// How it appears on the wire (RFC 9110 §15.5.20 `421`; `403` for a
    /// browser origin the MCP transport's security rules exclude).
    pub fn wire(self) -> Wire {
        let (status, error, code, description) = match self {
            Self::MisdirectedRequest => (421, "misdirected_request", "ERR_HOST_NOT_ALLOWED", "This server does not answer for that host"),
            Self::OriginNotAllowed => (403, "origin_not_allowed", "ERR_ORIGIN_NOT_ALLOWED", "Requests from this origin are not allowed"),
        };
        Wire { status, error: Some(error), code, description, json_rpc: None }
    }
}

/// A request refused after its token was accepted, for what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestRefusal {
    /// The request names a session (`Mcp-Session-Id`) not recorded for this
    /// token's identity ([`crate::gateway::sessions`]): answered as for an unknown
    /// session (MCP Streamable HTTP §Session Management), so the client starts a new one.
    SessionNotFound,
    /// A `rateLimits` rule's limit for this caller is reached (RFC 6585 §4).
    RateLimited {
        /// Seconds until the limit's period has passed.
        retry_after: u64,
    },
}

impl RequestRefusal {
    /// Every kind of request refusal (with a placeholder `retry_after`).
    pub const ALL: [Self; 2] = [Self::SessionNotFound, Self::RateLimited { retry_after: 0 }];

    /// How it appears on the wire, as a JSON-RPC error. -32001 is what the
    /// MCP SDKs send for an unknown session; -32000 starts JSON-RPC's range
    /// for server errors.
    pub fn wire(self) -> Wire {
        let (status, json_rpc, code, description) = match self {
            Self::SessionNotFound => (404, -32001, "ERR_MCP_SESSION_NOT_FOUND", "Session not found"),
            Self::RateLimited { .. } => (429, -32000, "ERR_RATE_LIMITED", "Too many requests"),
        };
        Wire { status, error: None, code, description, json_rpc: Some(json_rpc) }
    }
}

/// Defines [`AuthError`] and its wire mapping from one table: a variant
/// cannot exist without its stable code, status, RFC 6750 code and fixed
/// description, and [`AuthError::CODES`] lists every variant's code, in order.
macro_rules! auth_errors {
    ($($(#[$doc:meta])* $variant:ident $({ $($(#[$field_doc:meta])* $field:ident: $ty:ty),* $(,)? })? => ($code:literal, $status:literal, $rfc:expr, $description:literal),)*) => {
        /// Why a request was refused, in the order the checks run.
        ///
        /// Variants may carry context for logs (never the token itself); the client
        /// only ever sees the fixed [`description`](AuthError::description).
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum AuthError {
            $($(#[$doc])* $variant $({ $($(#[$field_doc])* $field: $ty),* })?,)*
        }

        impl AuthError {
            /// Every variant's stable code, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The RFC 6750 error code, or `None` when no credentials were sent.
            pub fn rfc6750(&self) -> Option<Rfc6750Error> {
                #[allow(unused_imports)]
                use Rfc6750Error::{InsufficientScope as Scope, InvalidRequest as Req, InvalidToken as Tok};
                match self {
                    $(Self::$variant { .. } => $rfc,)*
                }
            }

            /// The one mapping from a failure to the wire.
            pub fn wire(&self) -> Wire {
                let (code, status, description) = match self {
                    $(Self::$variant { .. } => ($code, $status, $description),)*
                };
                Wire { status, error: self.rfc6750().map(Rfc6750Error::as_str), code, description, json_rpc: None }
            }
        }
    };
}

auth_errors! {
    /// No `Authorization: Bearer` credentials at all (RFC 6750 §3.1: the
    /// challenge carries no error code).
    NoCredentials => ("ERR_NO_BEARER_TOKEN", 401, None, "Bearer token required"),
    /// The `Authorization` header is not `Bearer <b64token>` (RFC 6750 §2.1).
    MalformedAuthorization => ("ERR_BEARER_MALFORMED", 400, Some(Req), "Authorization header is not a single Bearer token"),
    /// The token is longer than `maxTokenBytes`; refused before decoding.
    TokenTooLarge {
        /// Length of the presented token in bytes.
        len: usize,
        /// The configured bound.
        max: usize,
    } => ("ERR_TOKEN_TOO_LARGE", 401, Some(Tok), "Token is too large"),
    /// Five segments: a JWE (RFC 7516). Encrypted access tokens are not accepted.
    JweUnsupported => ("ERR_JWE_UNSUPPORTED", 401, Some(Tok), "Encrypted tokens are not accepted"),
    /// Not exactly three non-empty-header segments (RFC 7515 §7.1).
    MalformedJws => ("ERR_JWS_MALFORMED", 401, Some(Tok), "Token is not a compact JWS"),
    /// A segment is not canonical unpadded base64url (RFC 7515 §2, RFC 4648 §5).
    Base64Url => ("ERR_JWS_BASE64URL", 401, Some(Tok), "Token segment is not canonical base64url"),
    /// The protected header is not a UTF-8 JSON object, or a member has the wrong type.
    InvalidHeader => ("ERR_JWS_HEADER_INVALID", 401, Some(Tok), "Token header is not a valid JSON object"),
    /// The payload is not a UTF-8 JSON object (RFC 7519 §7.2).
    InvalidPayload => ("ERR_JWT_PAYLOAD_INVALID", 401, Some(Tok), "Token payload is not a valid JSON object"),
    /// A JSON object has a member name twice (RFC 7515 §5.2, RFC 7519 §4).
    DuplicateMember => ("ERR_JSON_DUPLICATE_MEMBER", 401, Some(Tok), "Token JSON has a duplicate member name"),
    /// JSON nesting deeper than the bound.
    JsonTooDeep => ("ERR_JSON_TOO_DEEP", 401, Some(Tok), "Token JSON is nested too deeply"),
    /// `alg` is missing or not a string (RFC 7515 §4.1.1).
    AlgorithmMissing => ("ERR_JWS_ALG_MISSING", 401, Some(Tok), "Token has no algorithm"),
    /// `alg` is `none` in some spelling (RFC 8725 §2.1, §3.1).
    AlgorithmNone => ("ERR_JWS_ALG_NONE", 401, Some(Tok), "Unsigned tokens are not accepted"),
    /// `alg` is a MAC algorithm (HS*): never accepted (RFC 8725 §2.1 key confusion).
    AlgorithmSymmetric => ("ERR_JWS_ALG_SYMMETRIC", 401, Some(Tok), "Symmetric algorithms are not accepted"),
    /// `alg` is not one this issuer is allowed to use.
    AlgorithmNotAllowed => ("ERR_JWS_ALG_NOT_ALLOWED", 401, Some(Tok), "Token algorithm is not allowed"),
    /// `crit` is present: no extensions are understood (RFC 7515 §4.1.11).
    CriticalHeader => ("ERR_JWS_CRIT", 401, Some(Tok), "Critical header extensions are not supported"),
    /// `b64` is present: unencoded payloads are not accepted (RFC 7797).
    UnencodedPayload => ("ERR_JWS_B64", 401, Some(Tok), "Unencoded payloads are not accepted"),
    /// `iss` is missing, not a string, or not a configured issuer (RFC 7519 §4.1.1).
    UnknownIssuer => ("ERR_JWT_ISSUER", 401, Some(Tok), "Token issuer is not trusted"),
    /// No key set is loaded for the token's issuer (a server-side condition).
    JwksUnavailable => ("ERR_JWKS_UNAVAILABLE", 503, None, "Signing keys are temporarily unavailable"),
    /// No key in the issuer's key set fits the token's `kid` and `alg`.
    NoMatchingKey => ("ERR_JWKS_NO_MATCHING_KEY", 401, Some(Tok), "No signing key matches the token"),
    /// The token has no `kid` and more than one key fits its `alg`.
    AmbiguousKey => ("ERR_JWKS_AMBIGUOUS_KEY", 401, Some(Tok), "Token has no key id and several keys match"),
    /// The signature does not verify (RFC 7515 §5.2 step 8).
    Signature => ("ERR_JWS_SIGNATURE", 401, Some(Tok), "Token signature is invalid"),
    /// `now ≥ exp + leeway` (RFC 7519 §4.1.4).
    Expired {
        /// The `exp` claim.
        exp: f64,
        /// The time of the check.
        now: u64,
    } => ("ERR_JWT_EXPIRED", 401, Some(Tok), "Token has expired"),
    /// `nbf > now + leeway` (RFC 7519 §4.1.5).
    NotYetValid => ("ERR_JWT_NOT_YET_VALID", 401, Some(Tok), "Token is not yet valid"),
    /// `iat > now + leeway` (RFC 7519 §4.1.6).
    IssuedInFuture => ("ERR_JWT_ISSUED_IN_FUTURE", 401, Some(Tok), "Token is issued in the future"),
    /// `aud` does not name this resource (RFC 7519 §4.1.3, RFC 9068 §4, RFC 8707).
    Audience => ("ERR_JWT_AUDIENCE", 401, Some(Tok), "Token audience is not this resource"),
    /// A required claim is absent.
    ClaimMissing {
        /// The claim's name (from the config, or a registered claim name).
        claim: String,
    } => ("ERR_JWT_CLAIM_MISSING", 401, Some(Tok), "Token lacks a required claim"),
    /// A claim has the wrong JSON type.
    ClaimInvalid {
        /// The claim's name.
        claim: String,
    } => ("ERR_JWT_CLAIM_INVALID", 401, Some(Tok), "Token claim has an invalid type"),
    /// A claim of `requiredClaimValues` is absent or has another value
    /// (Cognito's `token_use` must be `access`: its ID tokens say `id`).
    ClaimValue {
        /// The claim's name.
        claim: String,
    } => ("ERR_JWT_CLAIM_VALUE", 401, Some(Tok), "Token claim has an unexpected value"),
    /// The token's client id is not one of the issuer's `clientIds`.
    ClientNotAllowed => ("ERR_JWT_CLIENT", 401, Some(Tok), "Token was issued to a client that is not allowed"),
    /// The `typ` header does not fit the issuer's policy (RFC 9068 §2.1, RFC 8725 §3.11).
    TokenType => ("ERR_JWT_TYPE", 401, Some(Tok), "Token type is not an access token"),
    /// The token lacks a scope this request needs (RFC 6750 §3.1).
    InsufficientScope => ("ERR_INSUFFICIENT_SCOPE", 403, Some(Scope), "Token lacks a scope this request needs"),
    /// The body's media type is not `application/json` with at most
    /// `charset=utf-8`: any other reading could differ from the origin's
    /// (RFC 9110 §15.5.16, RFC 8259 §8.1, §11).
    UnsupportedMediaType => ("ERR_MCP_CONTENT_TYPE", 415, Some(Req), "Request body must be application/json in UTF-8"),
    /// The body has a content coding other than `identity`: the gateway
    /// would inspect different bytes than the origin decodes (RFC 9110 §8.4, §15.5.16).
    UnsupportedContentEncoding => ("ERR_MCP_CONTENT_ENCODING", 415, Some(Req), "Request body must not be content-encoded"),
    /// The request body is not a JSON-RPC request, notification, response or
    /// batch, or names a tool or prompt with surrounding whitespace or control
    /// characters, or a resource URI that is not a URL.
    InvalidMcpRequest => ("ERR_MCP_REQUEST_INVALID", 400, Some(Req), "Request body is not a valid MCP JSON-RPC message"),
    /// The request body exceeds `maxBodyBytes`.
    BodyTooLarge => ("ERR_MCP_BODY_TOO_LARGE", 413, Some(Req), "Request body is too large"),
    /// `defaultPolicy` is `deny` and the request names an unlisted operation.
    OperationDenied => ("ERR_MCP_OPERATION_DENIED", 403, Some(Scope), "This operation is not permitted"),
}

impl AuthError {
    /// The stable, documented code callers switch on.
    pub fn code(&self) -> &'static str {
        self.wire().code
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.wire().status
    }

    /// A short fixed description (RFC 6750 `error_description`): never request data.
    pub fn description(&self) -> &'static str {
        self.wire().description
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for AuthError {}

/// A configuration mistake, found once when the config is checked into a
/// policy. It names the offending field (`issuers[0].algorithms[2]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Path of the offending field, e.g. `issuers[0].algorithms[1]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "config: {}", self.message)
        } else {
            write!(f, "config field `{}`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_quotable_and_codes_listed() {
        let all = [
            AuthError::NoCredentials,
            AuthError::MalformedAuthorization,
            AuthError::TokenTooLarge { len: 1, max: 0 },
            AuthError::JweUnsupported,
            AuthError::MalformedJws,
            AuthError::Base64Url,
            AuthError::InvalidHeader,
            AuthError::InvalidPayload,
            AuthError::DuplicateMember,
            AuthError::JsonTooDeep,
            AuthError::AlgorithmMissing,
            AuthError::AlgorithmNone,
            AuthError::AlgorithmSymmetric,
            AuthError::AlgorithmNotAllowed,
            AuthError::CriticalHeader,
            AuthError::UnencodedPayload,
            AuthError::UnknownIssuer,
            AuthError::JwksUnavailable,
            AuthError::NoMatchingKey,
            AuthError::AmbiguousKey,
            AuthError::Signature,
            AuthError::Expired { exp: 0.0, now: 1 },
            AuthError::NotYetValid,
            AuthError::IssuedInFuture,
            AuthError::Audience,
            AuthError::ClaimMissing { claim: "sub".into() },
            AuthError::ClaimInvalid { claim: "exp".into() },
            AuthError::ClaimValue { claim: "token_use".into() },
            AuthError::ClientNotAllowed,
            AuthError::TokenType,
            AuthError::InsufficientScope,
            AuthError::UnsupportedMediaType,
            AuthError::UnsupportedContentEncoding,
            AuthError::InvalidMcpRequest,
            AuthError::BodyTooLarge,
            AuthError::OperationDenied,
        ];
        let codes: Vec<_> = all.iter().map(AuthError::code).collect();
        assert_eq!(codes, AuthError::CODES);
        let every: Vec<_> = all_codes().collect();
        assert_eq!(every.iter().collect::<std::collections::BTreeSet<_>>().len(), every.len(), "no code twice: {every:?}");
        assert!(every.ends_with(&["ERR_HOST_NOT_ALLOWED", "ERR_ORIGIN_NOT_ALLOWED", "ERR_MCP_SESSION_NOT_FOUND", "ERR_RATE_LIMITED"]));
        for e in &all {
            assert_eq!(e.wire().error, e.rfc6750().map(Rfc6750Error::as_str));
            assert!(!e.description().contains(['"', '\\']));
            match e.rfc6750() {
                None => assert!(matches!(e.status(), 401 | 503)),
                Some(Rfc6750Error::InvalidRequest) => assert!(matches!(e.status(), 400 | 413 | 415)),
                Some(Rfc6750Error::InvalidToken) => assert_eq!(e.status(), 401),
                Some(Rfc6750Error::InsufficientScope) => assert_eq!(e.status(), 403),
            }
        }
    }
}
