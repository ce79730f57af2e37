//! # mcp-edge-auth
//!
//! The token gate for remote MCP servers: an OAuth 2.1 resource server core
//! that decides whether a request carries a valid JWT access token for this
//! resource (RFC 9068, RFC 8725), and what to answer when it does not
//! (RFC 6750 challenges, RFC 9728 metadata).
//!
//! The core does no I/O and has no clock: it is handed key sets and `now`.
//!
//! ```
//! use mcp_edge_auth::{Policy, Validator};
//!
//! let policy = Policy::from_json(r#"{
//!     "resource": "https://mcp.example.com/mcp",
//!     "issuers": [{ "issuer": "https://auth.example.com" }],
//!     "tools": { "update_pet_profile": ["pet-profile:write"] }
//! }"#).expect("valid config");
//! let mut validator = Validator::new(policy);
//! validator.set_jwks("https://auth.example.com", br#"{"keys":[]}"#).expect("a key set");
//!
//! // No credentials: 401 with a challenge that has no error code.
//! let refusal = validator.verify(None, None, 1_700_000_000).unwrap_err();
//! assert_eq!(refusal.status(), 401);
//! assert_eq!(refusal.www_authenticate,
//!     r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#);
//! ```

pub mod base64url;
pub mod bearer;
pub mod body_gate;
pub mod challenge;
pub mod claim_path;
mod claims;
pub mod config;
pub mod content;
pub mod crypto;
pub mod decision;
pub mod discovery;
pub mod doctor;
pub mod error;
pub mod event_stream;
pub mod gateway;
#[cfg(any(feature = "wasm", feature = "worker"))]
mod host;
pub mod json;
pub mod jwa;
pub mod jwks;
pub mod jws;
pub mod list_filter;
pub mod mcp;
pub mod metadata;
pub mod resource_uri;
pub mod responses;
pub mod scope;
mod token_cache;
mod uri;
mod validator;
#[cfg(feature = "wasm")]
pub mod wasm;
#[cfg(feature = "worker")]
mod worker;

/// docs/rust.md's example, run by `cargo test --doc` as the page shows it.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
mod docs_rust {}

// Verification never needs randomness, but jwt-compact's `rsa` feature links
// getrandom; on wasm32 register a source that always fails, so any attempt to
// draw randomness is an error rather than a weak source.
#[cfg(all(target_arch = "wasm32", any(feature = "wasm", feature = "worker")))]
mod no_randomness {
    fn fail(_: &mut [u8]) -> Result<(), getrandom::Error> {
        Err(getrandom::Error::UNSUPPORTED)
    }
    getrandom::register_custom_getrandom!(fail);
}

pub use config::{ChallengeScopes, Config, IssuerConfig, Policy};
pub use error::{AuthError, ConfigError, Rfc6750Error, Wire};
pub use jwa::Algorithm;
pub use jwks::{KeySet, SkippedKey};
pub use metadata::{well_known_urls, ProtectedResourceMetadata};
pub use token_cache::Accepted;
pub use validator::{AuthInfo, JwksReport, PendingSignature, Refusal, RefusedCaller, SetJwksError, SignatureCheck, Validator};
