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
use crate::config::ChallengeScopes;
use crate::config::Policy;
use crate::content;
use crate::crypto::{encoding_ok, RustCrypto, SignatureVerifier};
use crate::error::AuthError;
use crate::json::{Member, Object};
use crate::jwa::Algorithm;
use crate::jwks::set::{Jwk, JwksError, KeySet, SkippedKey};
use crate::jws;
use crate::mcp;
use crate::metadata::ProtectedResourceMetadata;
use crate::scope;
use crate::token_cache::{Accepted, TokenCache};
use std::sync::Arc;

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
    pub claims: Object,
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
    /// Who was refused, when the token itself was valid (a 403): for the
    /// operator's log, never sent to the client.
    pub caller: Option<Box<RefusedCaller>>,
    /// Seconds after which the client may try again (RFC 9110 §10.2.3
    /// `Retry-After`), for a refusal that is no fault of the client's: the
    /// issuer's keys cannot be had now.
    pub retry_after: Option<u64>,
}

/// The verified caller of a request refused for what it asked, not for its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedCaller {
    /// The token's `iss`.
    pub issuer: String,
    /// The token's `sub`.
    pub subject: Option<String>,
    /// The token's client id.
    pub client_id: Option<String>,
    /// The scopes the request needed.
    pub needed: Vec<String>,
}

impl Refusal {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.error.status()
    }

    /// The refusal as the JSON object every way in reports:
    /// `{"ok":false,"status","error"?,"code","description","wwwAuthenticate","retryAfter"?}`.
    pub fn to_json(&self) -> Value {
        let wire = self.error.wire();
        let mut v = Map::new();
        v.insert("ok".into(), false.into());
        v.insert("status".into(), wire.status.into());
        if let Some(error) = wire.error {
            v.insert("error".into(), error.into());
        }
        v.insert("code".into(), wire.code.into());
        v.insert("description".into(), wire.description.into());
        v.insert("wwwAuthenticate".into(), self.www_authenticate.clone().into());
        if let Some(seconds) = self.retry_after {
            v.insert("retryAfter".into(), seconds.into());
        }
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
    /// Each issuer's key set, with the load it came from (see [`PendingSignature::key_set_load`]).
    key_sets: HashMap<String, (u64, KeySet)>,
    load: u64,
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
        Self { policy, key_sets: HashMap::new(), load: 0, verifier, cache: Mutex::new(TokenCache::default()) }
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
        self.load += 1;
        self.key_sets.insert(issuer.to_owned(), (self.load, set));
        // Verifications under the old keys no longer stand.
        if let Ok(mut cache) = self.cache.lock() {
            cache.forget_issuer(issuer);
        }
        Ok(report)
    }

    /// The operations a JSON-RPC body names ([`mcp::inspect`] within `maxBodyBytes`); none without a body.
    pub fn inspect(&self, body: Option<&[u8]>) -> Result<Vec<mcp::Operation>, AuthError> {
        body.map_or(Ok(Vec::new()), |b| mcp::inspect(b, self.policy.max_body_bytes))
    }

    /// The operations of an HTTP request body, given its `Content-Type` and
    /// `Content-Encoding` field values: refused with `415` unless the body has
    /// exactly one reading ([`content::check_json_body`]), else [`inspect`](Self::inspect).
    pub fn inspect_http(&self, content_type: Option<&str>, content_encoding: Option<&str>, body: &[u8]) -> Result<Vec<mcp::Operation>, AuthError> {
        content::check_json_body(content_type, content_encoding)?;
        self.inspect(Some(body))
    }

    /// Everything that can be decided without the signature check: the
    /// header, the token's shape, the cache, the issuer, the algorithm and
    /// key selection, and the signature's encoding. Also says which
    /// configured issuer the token claims, when it could be read that far,
    /// so the decision knows whose keys to refresh without parsing it again.
    pub(crate) fn begin(&self, authorization: Option<&str>, operations: &Result<Vec<mcp::Operation>, AuthError>, now: u64) -> Begun {
        let needs = match operations {
            Ok(ops) => mcp::needed_scopes(&self.policy, ops),
            Err(e) => Err(e.clone()),
        };
        let token = match bearer::extract(authorization) {
            Ok(t) if t.len() > self.policy.max_token_bytes => Err(AuthError::TokenTooLarge { len: t.len(), max: self.policy.max_token_bytes }),
            other => other,
        };
        let token = match token {
            Ok(t) => t,
            Err(e) => return Begun { issuer: None, state: BegunState::Done(Err(self.refuse_for(e, &needs))) },
        };
        if let Some((issuer, result)) = self.remembered(token, now, Arc::clone) {
            return match result {
                Ok(accepted) => Begun { issuer: Some(issuer), state: BegunState::Done(self.authorize(Ok(accepted), needs)) },
                Err(e) => Begun { issuer: Some(issuer), state: BegunState::Done(Err(self.refuse_for(e, &needs))) },
            };
        }
        match self.prepare(token) {
            Ok(prepared) => Begun { issuer: Some(prepared.issuer.clone()), state: BegunState::Pending(PendingSignature { needs, ..prepared }) },
            Err((e, issuer)) => Begun { issuer, state: BegunState::Done(Err(self.refuse_for(e, &needs))) },
        }
    }

    /// How many key sets have been loaded, over all issuers: a host that
    /// remembers acceptances drops them when this moves (keys changed).
    pub fn key_set_loads(&self) -> u64 {
        self.load
    }

    /// The whole seconds `[from, until)` within which `info`, accepted
    /// earlier, would still pass the time checks (narrowed for rounding; an
    /// empty window when its claims hold none).
    pub fn acceptance_window(&self, info: &AuthInfo) -> (u64, u64) {
        claims::time_window(&info.claims, self.policy.leeway_seconds).unwrap_or((1, 0))
    }

    /// The scopes an accepted token holds for this policy's decisions: what
    /// it was granted, under its issuer's `scopePrefix` too, and every scope
    /// `scopeImplies` gives them ([`scope::held`]).
    pub fn held_scopes(&self, info: &AuthInfo) -> Vec<String> {
        match self.policy.issuer_of(&info.issuer, &info.claims) {
            Some(entry) => scope::held(&info.scopes, entry.scope_prefix.as_deref(), &self.policy.scope_implies),
            None => Vec::new(),
        }
    }

    /// True if `authorization` carries a remembered token that is still within
    /// its time claims and grants what `operations` need: the answer
    /// [`verify`](Self::verify) would accept with, without building it again.
    /// For hosts that keep the `AuthInfo` of an earlier acceptance themselves.
    pub fn still_accepted(&self, authorization: Option<&str>, operations: &Result<Vec<mcp::Operation>, AuthError>, now: u64) -> bool {
        let (Ok(token), Ok(ops)) = (bearer::extract(authorization), operations) else { return false };
        let Ok(needed) = mcp::needed_scopes(&self.policy, ops) else { return false };
        matches!(self.remembered(token, now, |accepted| scope::covers(&accepted.held, &needed)), Some((_, Ok(true))))
    }

    /// A remembered token, if any: `use_it` applied to it while its time
    /// claims still hold at `now`; the time error (and the entry forgotten)
    /// once they do not. Either way with the configured issuer it came from.
    fn remembered<R>(&self, token: &str, now: u64, use_it: impl FnOnce(&Arc<Accepted>) -> R) -> Option<(String, Result<R, AuthError>)> {
        let mut cache = self.cache.lock().ok()?;
        let accepted = cache.get(token)?;
        match claims::check_time(&accepted.info.claims, self.policy.leeway_seconds, now) {
            Ok(_) => Some((accepted.issuer.clone(), Ok(use_it(accepted)))),
            Err(e) => {
                let issuer = accepted.issuer.clone();
                cache.remove(token);
                Some((issuer, Err(e)))
            }
        }
    }

    /// Completes a decision from [`begin`](Self::begin): `verified` is true
    /// iff one of the pending checks passed. The claims (RFC 9068 §4, RFC 8707)
    /// and scopes are checked here; an accepted token is remembered.
    pub(crate) fn finish(&self, pending: PendingSignature, verified: bool, now: u64) -> Result<Arc<Accepted>, Refusal> {
        let PendingSignature { token, issuer, load, typ, claims, needs, .. } = pending;
        let result = if verified { self.accept(token, &issuer, typ.as_deref(), claims, now).map(Arc::new) } else { Err(AuthError::Signature) };
        if let Ok(accepted) = &result {
            // Only while the keys that verified it are still the issuer's keys.
            if self.key_sets.get(&issuer).is_some_and(|(g, _)| *g == load) {
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(accepted.clone());
                }
            }
        }
        self.authorize(result, needs)
    }

    /// Checks one pending signature with this validator's own backend (the
    /// fallback for keys or algorithms an asynchronous backend cannot handle).
    pub(crate) fn check_signature(&self, check: &SignatureCheck<'_>) -> bool {
        match self.key(check.issuer, check.load, check.key_index) {
            Some(jwk) => self.verifier.verify(check.alg, &jwk.key, check.signing_input, check.signature),
            None => false,
        }
    }

    /// Key `index` of `issuer`'s key set, if that set is still from load `load`.
    pub fn key(&self, issuer: &str, load: u64, index: usize) -> Option<&Jwk> {
        self.key_sets.get(issuer).filter(|(g, _)| *g == load).and_then(|(_, set)| set.keys().get(index))
    }

    /// The token decision (or failure) against what the request needs.
    fn authorize(&self, token: Result<Arc<Accepted>, AuthError>, needs: Result<Vec<String>, AuthError>) -> Result<Arc<Accepted>, Refusal> {
        let token = token.map_err(|e| self.refuse_for(e, &needs))?;
        let caller = |needed: &[String]| {
            Box::new(RefusedCaller {
                issuer: token.info.issuer.clone(),
                subject: token.info.subject.clone(),
                client_id: token.info.client_id.clone(),
                needed: needed.to_vec(),
            })
        };
        let needed = match needs {
            Ok(needed) => needed,
            Err(e) => return Err(Refusal { caller: Some(caller(&[])), ..self.refuse_scopes(e, &self.policy.required_scopes) }),
        };
        if !scope::covers(&token.held, &needed) {
            let refusal = self.refuse_scopes(AuthError::InsufficientScope, &self.step_up_scopes(needed.clone(), &token));
            return Err(Refusal { caller: Some(caller(&needed)), ..refusal });
        }
        Ok(token)
    }

    /// The `scope` of a 403 `insufficient_scope` challenge: what the request
    /// needs, then (`challengeScopes: "neededAndGranted"`) the scopes this
    /// resource knows that the token already holds, under their full names,
    /// so a client that replaces its scope set on step-up does not lose them
    /// (MCP authorization 2025-11-25, "Scope Challenge Handling").
    fn step_up_scopes(&self, mut scopes: Vec<String>, token: &Accepted) -> Vec<String> {
        if self.policy.challenge_scopes == ChallengeScopes::NeededAndGranted {
            let prefix = self.policy.issuer(&token.issuer).and_then(|i| i.scope_prefix.as_deref());
            let holds = scope::held(&token.info.scopes, prefix, &Default::default());
            for known in self.policy.known_scopes.iter().filter(|k| holds.contains(k)) {
                scope::insert(&mut scopes, known);
            }
        }
        scopes
    }

    /// A refusal whose challenge names the scopes the request needs, when known.
    fn refuse_for(&self, error: AuthError, needs: &Result<Vec<String>, AuthError>) -> Refusal {
        self.refuse_scopes(error, needs.as_deref().unwrap_or(&self.policy.required_scopes))
    }

    fn refuse_scopes(&self, error: AuthError, scopes: &[String]) -> Refusal {
        Refusal { www_authenticate: challenge(&self.policy, &error, scopes), error, caller: None, retry_after: None }
    }

    /// The configured issuer a token claims to come from, so an I/O layer can
    /// fetch that issuer's keys before [`verify`](Self::verify). Nothing is
    /// verified here; the returned string is the configured one, never token text.
    pub fn issuer_for(&self, authorization: Option<&str>) -> Option<&str> {
        let token = bearer::extract(authorization).ok().filter(|t| t.len() <= self.policy.max_token_bytes)?;
        // A token verified before needs no parsing to say where it is from.
        let cached = self.cache.lock().ok().and_then(|c| c.get(token).map(|accepted| accepted.issuer.clone()));
        if let Some(issuer) = cached {
            return self.policy.issuer(&issuer).map(|i| i.issuer.as_str());
        }
        let jws = jws::parse(token).ok()?;
        let iss = jws.claims.get("iss")?.as_str()?;
        self.policy.issuer_of(iss, &jws.claims).map(|i| i.issuer.as_str())
    }

    /// True if a key set is loaded for `issuer`.
    pub fn has_jwks(&self, issuer: &str) -> bool {
        self.key_sets.contains_key(issuer)
    }

    /// The refusal for a request whose `Authorization` carries no bearer
    /// token at all, or a malformed one (RFC 6750 §3.1), decided from the
    /// header alone: a host answers it before reading the body, so a request
    /// without credentials costs no body read. `None` when a token is present.
    pub fn refuse_credentials(&self, authorization: Option<&str>) -> Option<Refusal> {
        bearer::extract(authorization).err().map(|e| self.refuse(e))
    }

    /// The refusal for a condition found outside the core (keys unavailable,
    /// a body too large to read), with the challenge the core would build.
    pub fn refuse(&self, error: AuthError) -> Refusal {
        self.refuse_scopes(error, &self.policy.required_scopes)
    }

    /// Steps 3–6 for a token not seen before: parse (RFC 7515 §5.2), issuer,
    /// algorithm allow-list (RFC 8725 §3.1), key selection (RFC 7515 §6) and
    /// the backend-independent signature encoding checks.
    fn prepare(&self, token: &str) -> Result<PendingSignature, (AuthError, Option<String>)> {
        let jws = jws::parse(token).map_err(|e| (e, None))?;

        let iss = jws.claims.get("iss").and_then(Member::as_str).ok_or((AuthError::UnknownIssuer, None))?;
        let issuer = self.policy.issuer_of(iss, &jws.claims).ok_or((AuthError::UnknownIssuer, None))?;
        let refused = |e: AuthError| (e, Some(issuer.issuer.clone()));
        if !issuer.algorithms.contains(&jws.alg) {
            return Err(refused(AuthError::AlgorithmNotAllowed));
        }
        let (load, keys) = self.key_sets.get(&issuer.issuer).ok_or_else(|| refused(AuthError::JwksUnavailable))?;
        let candidates: Vec<usize> = keys.candidates(jws.kid.as_deref(), jws.alg).collect();
        if candidates.is_empty() {
            return Err(refused(AuthError::NoMatchingKey));
        }
        // Without a kid, exactly one key may fit: never try keys until one works.
        if jws.kid.is_none() && candidates.len() > 1 {
            return Err(refused(AuthError::AmbiguousKey));
        }
        let candidates: Vec<usize> = candidates.into_iter().filter(|&i| encoding_ok(jws.alg, &keys.keys()[i].key, &jws.signature)).collect();
        if candidates.is_empty() {
            return Err(refused(AuthError::Signature));
        }
        Ok(PendingSignature {
            signing_input_len: jws.signing_input.len(),
            token: token.to_owned(),
            issuer: issuer.issuer.clone(),
            load: *load,
            alg: jws.alg,
            typ: jws.typ,
            claims: jws.claims,
            signature: jws.signature,
            candidates,
            needs: Ok(Vec::new()),
        })
    }

    /// Step 7 for a token whose signature verified under the configured
    /// issuer entry `issuer`: claims, then the `AuthInfo` and what it holds.
    fn accept(&self, token: String, issuer: &str, typ: Option<&str>, claims: Object, now: u64) -> Result<Accepted, AuthError> {
        let entry = self.policy.issuer(issuer).ok_or(AuthError::UnknownIssuer)?;
        let exp = claims::check(&claims, typ, &self.policy, entry, now)?;
        let scopes = scope::granted(&claims, &entry.scope_claims)?;
        let held = scope::held(&scopes, entry.scope_prefix.as_deref(), &self.policy.scope_implies);
        let string_claim = |name: &str| claims.get(name).and_then(Member::as_str).map(str::to_owned);
        let info = AuthInfo {
            token,
            client_id: claims::client_id(&claims, entry).map(str::to_owned),
            scopes,
            expires_at: exp as u64,
            resource: self.policy.resource.clone(),
            subject: string_claim("sub"),
            // The token's own `iss`: a placeholder entry's tenant, not the pattern.
            issuer: string_claim("iss").ok_or(AuthError::UnknownIssuer)?,
            audience: claims::audiences(&claims, entry)?,
            claims,
        };
        Ok(Accepted { info, issuer: entry.issuer.clone(), held })
    }
}

/// What [`Validator::begin`] reached: the configured issuer the token
/// claims (when it could be read that far) and the decision so far.
pub(crate) struct Begun {
    pub(crate) issuer: Option<String>,
    pub(crate) state: BegunState,
}

/// Decided without a signature check, or only the signature check left.
pub(crate) enum BegunState {
    /// Refused, or a remembered token.
    Done(Result<Arc<Accepted>, Refusal>),
    /// Only the signature check is left.
    Pending(PendingSignature),
}

/// A token whose signature is still to be checked (RFC 7515 §5.2 step 8),
/// with everything needed to finish the decision afterwards. Owns its data,
/// so a host may await between [`Validator::begin`] and [`Validator::finish`].
pub struct PendingSignature {
    token: String,
    signing_input_len: usize,
    issuer: String,
    load: u64,
    alg: Algorithm,
    typ: Option<String>,
    claims: Object,
    signature: Vec<u8>,
    candidates: Vec<usize>,
    needs: Result<Vec<String>, AuthError>,
}

impl fmt::Debug for PendingSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignature").field("issuer", &self.issuer).field("alg", &self.alg).field("candidates", &self.candidates).finish_non_exhaustive()
    }
}

/// One signature check: does `signature` verify `signing_input` under key
/// `key_index` of `issuer`'s key set (load `load`), with `alg`?
#[derive(Clone, Copy, Debug)]
pub struct SignatureCheck<'a> {
    /// The configured issuer whose key set holds the key.
    pub issuer: &'a str,
    /// Which load of that key set `key_index` refers to: a host that keeps
    /// imported keys keeps them per load ([`Validator::key`]).
    pub load: u64,
    /// The key's position in the issuer's key set ([`Validator::key`]).
    pub key_index: usize,
    /// The algorithm (already allowed for the issuer and the key).
    pub alg: Algorithm,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`.
    pub signing_input: &'a [u8],
    /// The decoded signature, already shape-checked ([`crate::crypto::encoding_ok`]).
    pub signature: &'a [u8],
}

impl PendingSignature {
    /// The configured issuer whose keys are used.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Which load of the issuer's key set the key indices refer to.
    pub fn key_set_load(&self) -> u64 {
        self.load
    }

    /// What was signed.
    pub fn signing_input(&self) -> &[u8] {
        &self.token.as_bytes()[..self.signing_input_len]
    }

    /// Check `n` of the ones to run, in order (the token verifies if any passes); `None` past the last.
    pub(crate) fn check(&self, n: usize) -> Option<SignatureCheck<'_>> {
        let &key_index = self.candidates.get(n)?;
        Some(SignatureCheck {
            issuer: &self.issuer,
            load: self.load,
            key_index,
            alg: self.alg,
            signing_input: self.signing_input(),
            signature: &self.signature,
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
