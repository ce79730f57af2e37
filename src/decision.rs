//! One request's decision as a job with no I/O and no clock of its own (the
//! rustls shape): the host makes a [`Decision`] for a request and, until it
//! is done, performs what [`Gate::step`] asks — read or write the shared
//! cache, fetch a document, wait, check a signature with the host's crypto —
//! and hands back what happened and the time.
//!
//! Every host loop is the same few lines, so the order of the steps exists
//! once, here, for the npm package and the Worker alike:
//!
//! 1. [`Validator::begin`]: the header, the token's shape, the cache, the
//!    issuer, the algorithm, key selection and the signature's encoding.
//! 2. When the token names a configured issuer whose keys are due, the key
//!    refresh job of that issuer ([`crate::jwks::refresh`]); keys that
//!    cannot be had are a 503 with `Retry-After`, never a 401.
//! 3. If a key set was loaded meanwhile, or the clock moved on while the
//!    keys were fetched or waited for, step 1 again, against that set and as
//!    of now: a pending check names keys of the load it was prepared with,
//!    and `exp` is judged at the time of the decision.
//! 4. The signature: each candidate key in turn, by the host's crypto, or by
//!    the validator's own backend where the host cannot take the key.
//! 5. A token naming a key the set does not have (RFC 7515 §4.1.4 `kid`)
//!    fetches the set once more, within the cooldown, and if it changed the
//!    decision is made again from step 1.
//!
//! The token is parsed once per decision (twice only when its keys changed
//! under it). A gate without key refresh ([`Gate::new`]) decides with the
//! key sets it was given: a missing set is the 503 of step 2 at once.
//!
//! ```
//! # use mcp_edge_auth::decision::{Action, Decision, Gate, Input, Io};
//! # use mcp_edge_auth::jwks::refresh::RefreshSettings;
//! # use mcp_edge_auth::{Policy, Validator};
//! let validator = Validator::new(Policy::from_json(r#"{"resource":"https://m.example/mcp",
//!     "issuers":[{"issuer":"https://a.example","jwksUri":"https://a.example/jwks"}]}"#).unwrap());
//! let mut gate = Gate::with_key_refresh(validator, RefreshSettings::default(), false);
//! // A token of a configured issuer whose keys were never fetched.
//! let token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2EuZXhhbXBsZSJ9.c2ln";
//! let mut decision = Decision::new(Some(token), Ok(Vec::new()));
//! let mut input = Input::Start;
//! let verdict = loop {
//!     match gate.step(&mut decision, input, 1_000_000) {
//!         Action::Done(verdict) => break verdict,
//!         Action::Io(Io::Fetch { url, .. }) => {
//!             assert_eq!(url, "https://a.example/jwks");
//!             input = Input::Fetched(Err("connection refused"));
//!         }
//!         other => unreachable!("{other:?}"),
//!     }
//! };
//! let refusal = verdict.unwrap_err();
//! assert_eq!((refusal.status(), refusal.retry_after), (503, Some(30)));
//! ```

use std::sync::Arc;

use crate::crypto::{RustCrypto, SignatureVerifier};
use crate::error::AuthError;
use crate::jwks::refresh::{self, KeyEvent, KeyRefresh, Need, RefreshSettings};
use crate::mcp::Operation;
use crate::token_cache::Accepted;
use crate::validator::{AuthInfo, Begun, BegunState, PendingSignature, Refusal, SignatureCheck, Validator};

pub use crate::jwks::refresh::{Fetched, Input, Io};

/// How a decision ended: the acceptance as the validator remembers it, or
/// the refusal with its exact challenge (and `Retry-After`, for a 503).
pub type Verdict = Result<Arc<Accepted>, Refusal>;

/// A validator and, for hosts that fetch keys, when to fetch them: what
/// every [`Decision`] is stepped against.
pub struct Gate<V: SignatureVerifier = RustCrypto> {
    validator: Validator<V>,
    refresh: Option<KeyRefresh>,
    /// The host has a cache shared with other isolates or processes.
    shared_cache: bool,
}

impl<V: SignatureVerifier> Gate<V> {
    /// A gate that decides with the key sets loaded into `validator` and fetches none.
    pub fn new(validator: Validator<V>) -> Self {
        Self { validator, refresh: None, shared_cache: false }
    }

    /// A gate that fetches and refreshes every configured issuer's keys by
    /// `settings`; `shared_cache` when the host has a cache shared with
    /// other isolates or processes (Workers KV, a KV-shaped store).
    pub fn with_key_refresh(validator: Validator<V>, settings: RefreshSettings, shared_cache: bool) -> Self {
        let refresh = Some(KeyRefresh::new(validator.policy(), settings));
        Self { validator, refresh, shared_cache }
    }

    /// From now on, fetch and refresh keys by `settings` (the key state so far starts afresh).
    pub fn refresh_keys(&mut self, settings: RefreshSettings, shared_cache: bool) {
        self.refresh = Some(KeyRefresh::new(self.validator.policy(), settings));
        self.shared_cache = shared_cache;
    }

    /// The whole seconds `[from, until)` within which a host may reuse
    /// `accepted` without stepping a new decision: its time claims'
    /// window ([`Validator::acceptance_window`]), and with key refresh no
    /// later than its issuer's keys are fresh, since a decision after that
    /// refreshes them (and may answer 503 once they are past their stale window).
    pub fn acceptance_window(&self, accepted: &Accepted) -> (u64, u64) {
        let (from, until) = self.validator.acceptance_window(&accepted.info);
        match self.refresh.as_ref().map(|r| r.fresh_until(&accepted.issuer)) {
            Some(fresh) => (from, until.min(fresh.unwrap_or(0) / 1000)),
            None => (from, until),
        }
    }

    /// The validator.
    pub fn validator(&self) -> &Validator<V> {
        &self.validator
    }

    /// The validator, to load key sets into.
    pub fn validator_mut(&mut self) -> &mut Validator<V> {
        &mut self.validator
    }

    /// Advances `decision` with what the host did for its last action
    /// ([`Input::Start`] first); `now_ms` is the host's clock (ms since the
    /// epoch). Returns what to do next, until [`Action::Done`].
    pub fn step<'d>(&mut self, decision: &'d mut Decision, input: Input<'_>, now_ms: u64) -> Action<'d> {
        match self.advance(decision, input, now_ms) {
            Next::Io(io) => Action::Io(io),
            Next::Verify => {
                let check = match &decision.stage {
                    Stage::Signature { pending, next, .. } => pending.check(*next),
                    _ => None,
                };
                // Never None (a check is asked for only while one is left); should it be, not verified.
                check.map_or_else(|| Action::Done(Err(self.validator.refuse(AuthError::Signature))), Action::Verify)
            }
            Next::Done(verdict) => Action::Done(verdict),
        }
    }

    fn advance(&mut self, d: &mut Decision, input: Input<'_>, now_ms: u64) -> Next {
        match std::mem::replace(&mut d.stage, Stage::Done) {
            Stage::Start => {
                let now = now_ms / 1000;
                let begun = self.validator.begin(d.authorization.as_deref(), &d.operations, now);
                d.issuer = begun.issuer.clone();
                match (&self.refresh, &d.issuer) {
                    (Some(refresh), Some(issuer)) if !refresh.fresh(issuer, now_ms) => {
                        let job = refresh.job(issuer, Need::Keys, self.shared_cache);
                        let loads = self.validator.key_set_loads();
                        d.stage = Stage::Keys { job, then: AfterKeys::Begun { begun, at: now, loads } };
                        self.advance(d, Input::Start, now_ms)
                    }
                    _ => self.proceed(d, begun.state, now, now_ms),
                }
            }
            Stage::Keys { mut job, then } => {
                // A key job is made only with key refresh; without it, no keys.
                let Some(refresh) = self.refresh.as_mut() else { return Next::Done(Err(self.validator.refuse(AuthError::JwksUnavailable))) };
                let action = refresh.step(&mut job, input, &mut self.validator, now_ms);
                d.events.append(&mut job.events);
                let outcome = match action {
                    refresh::Action::Done(outcome) => outcome,
                    refresh::Action::Io(io) => {
                        d.stage = Stage::Keys { job, then };
                        return Next::Io(io);
                    }
                };
                match (then, outcome) {
                    (AfterKeys::Begun { .. }, Err(unavailable)) => {
                        let refusal = Refusal { retry_after: Some(unavailable.retry_after), ..self.validator.refuse(AuthError::JwksUnavailable) };
                        Next::Done(Err(refusal))
                    }
                    (AfterKeys::Begun { begun, at, loads }, Ok(_)) => {
                        let now = now_ms / 1000;
                        if self.validator.key_set_loads() != loads || now != at {
                            let again = self.validator.begin(d.authorization.as_deref(), &d.operations, now);
                            return self.proceed(d, again.state, now, now_ms);
                        }
                        self.proceed(d, begun.state, at, now_ms)
                    }
                    (AfterKeys::UnknownKey { at, .. }, Ok(true)) => {
                        let again = self.validator.begin(d.authorization.as_deref(), &d.operations, at);
                        self.proceed(d, again.state, at, now_ms)
                    }
                    (AfterKeys::UnknownKey { refused, .. }, _) => Next::Done(Err(refused)),
                }
            }
            Stage::Signature { pending, next, at } => {
                let verified = match input {
                    Input::Verified(Some(verdict)) => verdict,
                    // The host cannot take this key or algorithm: the validator's own backend answers.
                    Input::Verified(None) => pending.check(next).is_some_and(|check| self.validator.check_signature(&check)),
                    // A host answered something other than what was asked: not verified.
                    _ => false,
                };
                if !verified && pending.check(next + 1).is_some() {
                    d.stage = Stage::Signature { pending, next: next + 1, at };
                    return Next::Verify;
                }
                Next::Done(self.validator.finish(pending, verified, at))
            }
            Stage::Done => Next::Done(Err(self.validator.refuse(AuthError::JwksUnavailable))),
        }
    }

    /// After step 1 (and the keys): the verdict, the signature checks, or the unknown-key refetch.
    fn proceed(&mut self, d: &mut Decision, state: BegunState, at: u64, now_ms: u64) -> Next {
        match state {
            BegunState::Pending(pending) if pending.check(0).is_some() => {
                d.stage = Stage::Signature { pending, next: 0, at };
                Next::Verify
            }
            BegunState::Pending(pending) => Next::Done(self.validator.finish(pending, false, at)),
            BegunState::Done(Err(refused)) if refused.error == AuthError::NoMatchingKey && !d.refetched => {
                let (Some(refresh), Some(issuer)) = (&self.refresh, &d.issuer) else { return Next::Done(Err(refused)) };
                d.refetched = true;
                let job = refresh.job(issuer, Need::UnknownKey, self.shared_cache);
                d.stage = Stage::Keys { job, then: AfterKeys::UnknownKey { refused, at } };
                self.advance(d, Input::Start, now_ms)
            }
            BegunState::Done(verdict) => Next::Done(verdict),
        }
    }
}

/// One request's decision, from [`Decision::new`] until [`Action::Done`].
pub struct Decision {
    authorization: Option<String>,
    operations: Result<Vec<Operation>, AuthError>,
    issuer: Option<String>,
    stage: Stage,
    /// The unknown-key refetch (step 5) happens at most once.
    refetched: bool,
    /// Things worth logging about the issuer's keys, for the host to take.
    pub events: Vec<KeyEvent>,
}

impl Decision {
    /// A decision for a request with this `Authorization` value (or a bare
    /// token) and the operations its body names ([`Validator::inspect`]).
    pub fn new(authorization: Option<&str>, operations: Result<Vec<Operation>, AuthError>) -> Self {
        Self::for_header(authorization.map(str::to_owned), operations)
    }

    /// [`new`](Self::new) with a header value the host already owns (not copied again).
    pub fn for_header(authorization: Option<String>, operations: Result<Vec<Operation>, AuthError>) -> Self {
        Self { authorization, operations, issuer: None, stage: Stage::Start, refetched: false, events: Vec::new() }
    }

    /// The `Authorization` value (or bare token) the decision is for.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }

    /// The operations the request's body names, as given.
    pub fn operations(&self) -> &Result<Vec<Operation>, AuthError> {
        &self.operations
    }

    /// The configured issuer the token claims, once the first step read it
    /// (nothing verified; for the log of a refusal).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

enum Stage {
    Start,
    Keys { job: refresh::Job, then: AfterKeys },
    Signature { pending: PendingSignature, next: usize, at: u64 },
    Done,
}

/// What a key job was started for.
enum AfterKeys {
    /// Step 2: the first step's result, its time, and the key loads then.
    Begun { begun: Begun, at: u64, loads: u64 },
    /// Step 5: the refusal that stands unless the set changed.
    UnknownKey { refused: Refusal, at: u64 },
}

enum Next {
    Io(Io),
    Verify,
    Done(Verdict),
}

/// What the host does next.
#[derive(Debug)]
pub enum Action<'d> {
    /// Read or write the shared cache, fetch a document or wait, and answer
    /// what happened ([`Input`]).
    Io(Io),
    /// Does this signature verify, by the host's crypto? Answer
    /// [`Input::Verified`]: `Some(verdict)`, or `None` when the host cannot
    /// take this key or algorithm (the validator's own backend then answers).
    Verify(SignatureCheck<'d>),
    /// The decision.
    Done(Verdict),
}

/// The pure-Rust convenience: a decision driven here and now by the
/// validator alone, whose own backend checks each signature; no key is fetched.
impl<V: SignatureVerifier> Validator<V> {
    /// Decides one request with this validator's own (synchronous)
    /// signature backend and the key sets loaded so far. `authorization` is
    /// the `Authorization` header value or a bare token; `body` the JSON-RPC
    /// body, if any; `now` Unix seconds.
    pub fn verify(&self, authorization: Option<&str>, body: Option<&[u8]>, now: u64) -> Result<AuthInfo, Refusal> {
        self.decide(&mut Decision::new(authorization, self.inspect(body)), now).map(|accepted| accepted.info.clone())
    }

    /// Drives `decision` to its end here and now: this validator's own
    /// backend checks each signature and no key is fetched (the pure-Rust
    /// convenience; hosts that fetch keys or check signatures with their own
    /// crypto step a [`Gate`]).
    pub fn decide(&self, decision: &mut Decision, now: u64) -> Verdict {
        let begun = self.begin(decision.authorization.as_deref(), &decision.operations, now);
        match begun.state {
            BegunState::Done(verdict) => verdict,
            BegunState::Pending(pending) => {
                let verified = (0..).map_while(|n| pending.check(n)).any(|check| self.check_signature(&check));
                self.finish(pending, verified, now)
            }
        }
    }
}

#[cfg(test)]
mod tests;
