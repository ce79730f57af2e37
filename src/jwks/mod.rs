//! JSON Web Key Sets (RFC 7517): the set an issuer publishes, checked once at
//! load ([`set`]), and when to fetch it again ([`refresh`]).

pub mod refresh;
pub mod set;

pub use set::{Jwk, JwksError, KeySet, PublicKey, SkippedKey};
