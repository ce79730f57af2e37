//! The decision: does this request carry a valid access token for this
//! resource, with the scopes its MCP operations need?

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::bearer;
use crate::challenge::challenge;
use crate::claims;
use crate::config::Policy;
use crate::crypto::{verify_with, RustCrypto, SignatureVerifier};
use crate::error::AuthError;
use crate::jws;
use crate::keys::{JwksError, KeySet, SkippedKey};
use crate::mcp;
use crate::metadata::ProtectedResourceMetadata;
use crate::scope;
use crate::token_cache::TokenCache;

/// What an accepted request is allowed to know about its caller: the MCP
/// TypeScript SDK's `AuthInfo` shape plus the rest of the verified token.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthInfo {
    /// The verified access token (a secret: `Debug` redacts it).
    pub token: String,
    /// The OAuth client, from the first present `clientIdClaims` entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// `exp`, in whole seconds since the epoch.
    pub expires_at: u64,
    /// This resource's identifier.
    pub resource: String,
    /// `sub`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `iss`.
    pub issuer: String,
    /// `aud`, as a list.
    pub audience: Vec<String>,
    /// Every claim of the token.
    pub claims: Map<String, Value>,
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthInfo")
            .field("token", &"[redacted]")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A refused request: the failed check and the challenge to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// The check that failed.
    pub error: AuthError,
    /// The `WWW-Authenticate` header value.
    pub www_authenticate: String,
}

impl Refusal {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.error.status()
    }

    /// The refusal as the JSON object every way in reports:
    /// `{"ok":false,"status","error"?,"code","description","wwwAuthenticate"}`.
    pub fn to_json(&self) -> Value {
        let mut v = Map::new();
        v.insert("ok".into(), false.into());
        v.insert("status".into(), self.error.status().into());
        if let Some(code) = self.error.rfc6750() {
            v.insert("error".into(), code.as_str().into());
        }
        v.insert("code".into(), self.error.code().into());
        v.insert("description".into(), self.error.description().into());
        v.insert("wwwAuthenticate".into(), self.www_authenticate.clone().into());
        Value::Object(v)
    }
}

/// What loading a key set did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JwksReport {
    /// Keys loaded.
    pub usable: usize,
    /// Keys skipped, with reasons.
    pub skipped: Vec<SkippedKey>,
}

/// Holds a checked policy and each issuer's keys; decides requests.
///
/// No I/O and no clock: callers load key sets and pass `now`.
pub struct Validator<V: SignatureVerifier = RustCrypto> {
    policy: Policy,
    key_sets: HashMap<String, KeySet>,
    verifier: V,
    /// Accepted tokens, reused with the time checks re-run (token_cache.rs).
    cache: Mutex<TokenCache>,
}

impl Validator<RustCrypto> {
    /// A validator using the pure-Rust signature backend.
    pub fn new(policy: Policy) -> Self {
        Self::with_verifier(policy, RustCrypto)
    }
}

impl<V: SignatureVerifier> Validator<V> {
    /// A validator using another signature backend.
    pub fn with_verifier(policy: Policy, verifier: V) -> Self {
        Self { policy, key_sets: HashMap::new(), verifier, cache: Mutex::new(TokenCache::default()) }
    }

    /// The checked policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The RFC 9728 document.
    pub fn metadata(&self) -> &ProtectedResourceMetadata {
        &self.policy.metadata
    }

    /// Replaces `issuer`'s key set with the JWKS document `jwks`.
    /// Fails if `issuer` is not configured or the document is not a key set.
    pub fn set_jwks(&mut self, issuer: &str, jwks: &[u8]) -> Result<JwksReport, SetJwksError> {
        if self.policy.issuer(issuer).is_none() {
            return Err(SetJwksError::UnknownIssuer);
        }
        let (set, skipped) = KeySet::parse(jwks).map_err(SetJwksError::Jwks)?;
        let report = JwksReport { usable: set.keys().len(), skipped };
        self.key_sets.insert(issuer.to_owned(), set);
        // Verifications under the old keys no longer stand.
        if let Ok(mut cache) = self.cache.lock() {
            cache.forget_issuer(issuer);
        }
        Ok(report)
    }

    /// Decides one request. `authorization` is the `Authorization` header
    /// value or a bare token; `body` the JSON-RPC body, if any; `now` Unix seconds.
    pub fn verify(&self, authorization: Option<&str>, body: Option<&[u8]>, now: u64) -> Result<AuthInfo, Refusal> {
        self.verify_inspected(authorization, &self.inspect(body), now)
    }

    /// The operations a JSON-RPC body names ([`mcp::inspect`] within `maxBodyBytes`); none without a body.
    pub fn inspect(&self, body: Option<&[u8]>) -> Result<Vec<mcp::Operation>, AuthError> {
        body.map_or(Ok(Vec::new()), |b| mcp::inspect(b, self.policy.max_body_bytes))
    }

    /// [`verify`](Self::verify) for a caller that already has the body's
    /// operations from [`inspect`](Self::inspect) (the Worker logs the tool
    /// named and may verify twice around a key refetch): the body is parsed once.
    pub fn verify_inspected(&self, authorization: Option<&str>, operations: &Result<Vec<mcp::Operation>, AuthError>, now: u64) -> Result<AuthInfo, Refusal> {
        let needs = match operations {
            Ok(ops) => mcp::needed_scopes(&self.policy, ops),
            Err(e) => Err(e.clone()),
        };
        let hint = needs.as_deref().unwrap_or(&self.policy.required_scopes);
        let refuse = |error: AuthError, scopes: &[String]| Refusal { www_authenticate: challenge(&self.policy, &error, scopes), error };

        let token = self.check_token(authorization, now).map_err(|e| refuse(e, hint))?;
        let needed = needs.map_err(|e| refuse(e, &self.policy.required_scopes))?;
        if !scope::covers(&token.scopes, &needed) {
            return Err(refuse(AuthError::InsufficientScope, &needed));
        }
        Ok(token)
    }

    /// The configured issuer a token claims to come from, so an I/O layer can
    /// fetch that issuer's keys before [`verify`](Self::verify). Nothing is
    /// verified here; the returned string is the configured one, never token text.
    pub fn issuer_for(&self, authorization: Option<&str>) -> Option<&str> {
        let token = bearer::extract(authorization).ok().filter(|t| t.len() <= self.policy.max_token_bytes)?;
        // A token verified before needs no parsing to say where it is from.
        let cached = self.cache.lock().ok().and_then(|c| c.get(token).map(|info| info.issuer.clone()));
        if let Some(iss) = cached {
            return self.policy.issuer(&iss).map(|i| i.issuer.as_str());
        }
        let jws = jws::parse(token).ok()?;
        let iss = jws.claims.get("iss")?.as_str()?;
        self.policy.issuer(iss).map(|i| i.issuer.as_str())
    }

    /// True if a key set is loaded for `issuer`.
    pub fn has_jwks(&self, issuer: &str) -> bool {
        self.key_sets.contains_key(issuer)
    }

    /// The refusal for a condition found outside the core (keys unavailable,
    /// a body too large to read), with the challenge the core would build.
    pub fn refuse(&self, error: AuthError) -> Refusal {
        Refusal { www_authenticate: challenge(&self.policy, &error, &self.policy.required_scopes), error }
    }

    /// Steps 1–7: the token itself, independent of what the request asks.
    fn check_token(&self, authorization: Option<&str>, now: u64) -> Result<AuthInfo, AuthError> {
        let token = bearer::extract(authorization)?;
        if token.len() > self.policy.max_token_bytes {
            return Err(AuthError::TokenTooLarge { len: token.len(), max: self.policy.max_token_bytes });
        }
        if let Ok(mut cache) = self.cache.lock() {
            if let Some(info) = cache.get(token) {
                return match claims::check_time(&info.claims, self.policy.leeway_seconds, now) {
                    Ok(_) => Ok(info.clone()),
                    Err(e) => {
                        cache.remove(token);
                        Err(e)
                    }
                };
            }
        }
        let info = self.verify_token(token, now)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(info.clone());
        }
        Ok(info)
    }

    /// Steps 3–7 for a token not seen before.
    fn verify_token(&self, token: &str, now: u64) -> Result<AuthInfo, AuthError> {
        let jws = jws::parse(token)?;

        let iss = jws.claims.get("iss").and_then(Value::as_str).ok_or(AuthError::UnknownIssuer)?;
        let issuer = self.policy.issuer(iss).ok_or(AuthError::UnknownIssuer)?;
        if !issuer.algorithms.contains(&jws.alg) {
            return Err(AuthError::AlgorithmNotAllowed);
        }
        let keys = self.key_sets.get(&issuer.issuer).ok_or(AuthError::JwksUnavailable)?;
        let mut candidates = keys.candidates(jws.kid.as_deref(), jws.alg).peekable();
        let first = candidates.peek().ok_or(AuthError::NoMatchingKey)?;
        let verified = if jws.kid.is_none() {
            // Without a kid, exactly one key may fit: never try keys until one works.
            let key = &first.key;
            if candidates.nth(1).is_some() {
                return Err(AuthError::AmbiguousKey);
            }
            verify_with(&self.verifier, jws.alg, key, jws.signing_input, &jws.signature)
        } else {
            candidates.any(|k| verify_with(&self.verifier, jws.alg, &k.key, jws.signing_input, &jws.signature))
        };
        if !verified {
            return Err(AuthError::Signature);
        }

        let exp = claims::check(&jws.claims, jws.typ.as_deref(), &self.policy, issuer, now)?;
        let scopes = scope::granted(&jws.claims, &issuer.scope_claims)?;
        let string_claim = |name: &str| jws.claims.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(AuthInfo {
            token: token.to_owned(),
            client_id: issuer.client_id_claims.iter().find_map(|c| string_claim(c)),
            scopes,
            expires_at: exp as u64,
            resource: self.policy.resource.clone(),
            subject: string_claim("sub"),
            issuer: issuer.issuer.clone(),
            audience: claims::audiences(&jws.claims)?,
            claims: jws.claims,
        })
    }
}

/// Why [`Validator::set_jwks`] refused a key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetJwksError {
    /// The issuer is not in the config.
    UnknownIssuer,
    /// The document is not a JWKS.
    Jwks(JwksError),
}

impl fmt::Display for SetJwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownIssuer => f.write_str("issuer is not configured"),
            Self::Jwks(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SetJwksError {}
