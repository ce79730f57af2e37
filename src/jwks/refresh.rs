//! When to fetch an issuer's key set again, as a state machine with no I/O
//! and no clock (the rustls shape: the host hands in what happened and the
//! time, and is told what to do next).
//!
//! The policy, in one place for every host (the npm package's `createAuth`
//! and the Worker): a key set is used while fresh (its `Cache-Control`
//! `max-age` within bounds); a stale or missing set is fetched again, at most
//! once per cooldown, also across isolates when the host has a shared cache
//! (Workers KV) that records the last attempt; one fetch per issuer at a
//! time, while the other requests wait on their own timers (workerd cancels
//! a continuation resumed from another request's context) until it ends or
//! could no longer be running; a token naming an unknown `kid` fetches again,
//! within the same cooldown; during an outage the last good keys serve up
//! to `maxStaleSeconds` past their freshness, then the answer is 503 with a
//! `Retry-After` that says when the next fetch may be tried — never a 401,
//! an outage is not the client's fault. The key set's URL is configured or
//! discovered in the order MCP clients use ([`crate::discovery`]): RFC 8414
//! §3.1 metadata, then OpenID Connect Discovery §4,
//! whose `issuer` must be exactly this issuer (RFC 8414 §3.3) and whose
//! `jwks_uri` must be https (http only on loopback). Every document is at
//! most [`MAX_DOCUMENT_BYTES`], and a set without a usable key never
//! replaces the last good one.
//!
//! A host runs one [`Job`] per request that needs keys:
//!
//! ```
//! # use mcp_edge_auth::jwks::refresh::{Action, Input, Io, KeyRefresh, Need, RefreshSettings};
//! # use mcp_edge_auth::{Policy, Validator};
//! let mut validator = Validator::new(Policy::from_json(r#"{"resource":"https://m.example/mcp",
//!     "issuers":[{"issuer":"https://a.example","jwksUri":"https://a.example/jwks"}]}"#).unwrap());
//! let mut refresh = KeyRefresh::new(validator.policy(), RefreshSettings::default());
//! let mut job = refresh.job("https://a.example", Need::Keys, false);
//! let mut input = Input::Start;
//! let now = 1_000_000;
//! let outcome = loop {
//!     match refresh.step(&mut job, input, &mut validator, now) {
//!         Action::Done(outcome) => break outcome,
//!         Action::Io(Io::Fetch { url, .. }) => {
//!             assert_eq!(url, "https://a.example/jwks");
//!             // The host GETs `url`; here, an empty set.
//!             input = Input::Fetched(Ok(mcp_edge_auth::jwks::refresh::Fetched { status: 200, body: br#"{"keys":[]}"#, cache_control: None }));
//!         }
//!         other => unreachable!("{other:?}"),
//!     }
//! };
//! assert_eq!(outcome.unwrap_err().retry_after, 30); // no usable key: 503, try again after the cooldown
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Policy;
use crate::crypto::SignatureVerifier;
use crate::discovery;
use crate::error::ConfigError;
use crate::jwks::KeySet;
use crate::validator::Validator;

/// The largest key set or discovery document read (bytes).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Freshness of a key set when the key server sends no `Cache-Control`.
pub const DEFAULT_JWKS_TTL_SECONDS: u64 = 300;
/// How often a waiting request looks again at a fetch in progress.
const WAIT_STEP_MS: u64 = 20;

/// Seconds a fetched key set stays fresh: `max-age` from `Cache-Control`
/// (none for `no-store`/`no-cache`), else the default, within `[min, max]`.
pub fn freshness_seconds(cache_control: Option<&str>, min: u64, max: u64) -> u64 {
    let mut ttl = DEFAULT_JWKS_TTL_SECONDS;
    if let Some(cc) = cache_control {
        for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-store" || directive == "no-cache" {
                ttl = 0;
                break;
            }
            if let Some(age) = directive.strip_prefix("max-age=") {
                if let Ok(n) = age.trim_matches('"').parse::<u64>() {
                    ttl = n;
                }
            }
        }
    }
    ttl.clamp(min, max.max(min))
}

/// The policy's numbers, read from the options of the same names: the
/// Worker's `MCP_AUTH` fields and the npm package's `createAuth` options
/// ([`RefreshSettings::FIELDS`]).
///
/// # Defaults
/// `jwksCooldownSeconds` 30, `jwksTimeoutMs` 5000, `maxStaleSeconds` 3600,
/// `jwksMinTtlSeconds` 60, `jwksMaxTtlSeconds` 86400 (a key set whose
/// server sends no `Cache-Control` is fresh for 300 s, within those bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshSettings {
    /// Least time between two fetches of one issuer's keys (ms).
    pub cooldown_ms: u64,
    /// Time allowed for one fetch, headers and body (ms).
    pub timeout_ms: u64,
    /// How long past freshness the last good keys still serve (ms).
    pub max_stale_ms: u64,
    /// Bounds on the freshness taken from `Cache-Control` (s).
    pub min_ttl_seconds: u64,
    /// See `min_ttl_seconds`.
    pub max_ttl_seconds: u64,
}

/// The options as written (camelCase, in the units their names say).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct RefreshOptions {
    jwks_cooldown_seconds: u64,
    jwks_timeout_ms: u64,
    max_stale_seconds: u64,
    jwks_min_ttl_seconds: u64,
    jwks_max_ttl_seconds: u64,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        Self { jwks_cooldown_seconds: 30, jwks_timeout_ms: 5_000, max_stale_seconds: 3_600, jwks_min_ttl_seconds: 60, jwks_max_ttl_seconds: 86_400 }
    }
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self::from(RefreshOptions::default())
    }
}

impl From<RefreshOptions> for RefreshSettings {
    fn from(o: RefreshOptions) -> Self {
        Self {
            cooldown_ms: o.jwks_cooldown_seconds.saturating_mul(1000),
            timeout_ms: o.jwks_timeout_ms,
            max_stale_ms: o.max_stale_seconds.saturating_mul(1000),
            min_ttl_seconds: o.jwks_min_ttl_seconds,
            max_ttl_seconds: o.jwks_max_ttl_seconds,
        }
    }
}

impl RefreshSettings {
    /// The names of the options, as the config and `createAuth` spell them.
    pub const FIELDS: [&'static str; 5] = ["jwksCooldownSeconds", "jwksTimeoutMs", "maxStaleSeconds", "jwksMinTtlSeconds", "jwksMaxTtlSeconds"];

    /// The settings from a JSON object holding any of [`FIELDS`](Self::FIELDS)
    /// (defaults for the rest); every mistake is an error naming its field.
    pub fn from_json(options: Value) -> Result<Self, ConfigError> {
        let Value::Object(fields) = options else { return Err(ConfigError::new("", "key refresh options must be an object")) };
        if let Some(other) = fields.keys().find(|k| !Self::FIELDS.contains(&k.as_str())) {
            return Err(ConfigError::new(other.clone(), format!("not a key refresh option; known: {}", Self::FIELDS.join(", "))));
        }
        let options: RefreshOptions = serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
            let field = e.path().to_string();
            ConfigError::new(if field == "." { String::new() } else { field }, e.into_inner().to_string())
        })?;
        if options.jwks_min_ttl_seconds > options.jwks_max_ttl_seconds {
            return Err(ConfigError::new("jwksMinTtlSeconds", "must not exceed jwksMaxTtlSeconds"));
        }
        if options.jwks_timeout_ms == 0 {
            return Err(ConfigError::new("jwksTimeoutMs", "must be positive"));
        }
        Ok(Self::from(options))
    }
}

/// What a shared cache holds for an issuer: the key set, when it was fetched
/// and until when it is fresh (ms since the epoch). JSON, camelCase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRecord {
    /// The key set document.
    pub jwks: String,
    /// When it was fetched.
    pub fetched_at: u64,
    /// Until when it is fresh.
    pub fresh_until: u64,
}

/// The shared-cache key of an issuer's [`CacheRecord`].
pub fn record_key(issuer: &str) -> String {
    format!("mcp-edge-auth:jwks:{issuer}")
}

/// The shared-cache key of an issuer's last fetch attempt (ms, as text): the
/// cooldown holds across every isolate that shares the cache.
pub fn attempt_key(issuer: &str) -> String {
    format!("mcp-edge-auth:jwks-fetch:{issuer}")
}

/// Why a host asks for keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A token of this issuer is to be verified: usable keys are needed.
    Keys,
    /// A token named a key the set does not have: fetch again, if the cooldown allows.
    UnknownKey,
}

/// The issuer's keys cannot be had now: answer 503 with `Retry-After`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    /// Seconds until the next fetch may be tried (at least 1).
    pub retry_after: u64,
    /// Why, for the log.
    pub reason: String,
}

/// What the host does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Finished. For [`Need::Keys`]: `Ok` when usable keys are loaded; for
    /// [`Need::UnknownKey`]: always `Ok`. The `bool` says whether this job
    /// saw a changed key set loaded (then verify again).
    Done(Result<bool, Unavailable>),
    /// Perform this and answer what happened.
    Io(Io),
}

/// The I/O a key job asks of its host (the decision job asks the same, [`crate::decision::Action::Io`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Io {
    /// Read `key` from the shared cache; answer [`Input::Cache`].
    ReadCache {
        /// The cache key.
        key: String,
    },
    /// Write `value` under `key`, expiring after `ttl_seconds`; answer
    /// [`Input::Written`] (a failed write changes nothing).
    WriteCache {
        /// The cache key.
        key: String,
        /// The value.
        value: String,
        /// Its lifetime.
        ttl_seconds: u64,
    },
    /// GET `url` (`Accept: application/json`, redirects followed) within
    /// `timeout_ms` for the headers *and* the body, reading at most
    /// `max_bytes + 1` bytes of it; answer [`Input::Fetched`].
    Fetch {
        /// The document's URL.
        url: String,
        /// Time allowed, headers and body.
        timeout_ms: u64,
        /// Read no more than one byte past this.
        max_bytes: usize,
    },
    /// Another request fetches this issuer's keys: wait `ms` on this
    /// request's own timer, then answer [`Input::Waited`].
    Wait {
        /// How long.
        ms: u64,
    },
}

/// What the host did, in answer to the last [`Action`].
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// The first step of a job.
    Start,
    /// The cache's value, if any (also `None` when the cache failed).
    Cache(Option<&'a str>),
    /// The write is done (or failed).
    Written,
    /// The document, or why there is none (network error, timeout).
    Fetched(Result<Fetched<'a>, &'a str>),
    /// The wait is over.
    Waited,
    /// The host's crypto answered a signature check of a decision
    /// ([`crate::decision::Action::Verify`]): `None` when it cannot take the key.
    Verified(Option<bool>),
}

/// A fetched document.
#[derive(Clone, Copy, Debug)]
pub struct Fetched<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The body as read (at most `max_bytes + 1` bytes).
    pub body: &'a [u8],
    /// The `Cache-Control` field, if any.
    pub cache_control: Option<&'a str>,
}

/// Something a host may want to log about a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// A fetch or discovery failed; the last good keys (if any) stay.
    FetchFailed {
        /// Why.
        reason: String,
    },
    /// A key of a loaded set was skipped.
    KeySkipped {
        /// Its `kid`.
        kid: Option<String>,
        /// Why.
        reason: String,
    },
}

/// One request's work towards an issuer's keys.
#[derive(Debug)]
pub struct Job {
    issuer: String,
    need: Need,
    /// The host has a shared cache (Workers KV, or a KV-shaped store).
    shared_cache: bool,
    stage: Stage,
    changes_at_start: u64,
    /// Things worth logging, for the host to take.
    pub events: Vec<KeyEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Start,
    ReadingRecord,
    WaitingForOther,
    ReadingAttempt,
    WritingAttempt,
    Discovering(usize),
    FetchingKeys,
    WritingRecord,
    Done,
}

/// One issuer's keys as the refresh policy sees them.
#[derive(Debug, Default)]
struct IssuerKeys {
    jwks_uri: Option<String>,
    record: Option<CacheRecord>,
    /// The shared cache was read once for a record (per isolate).
    cache_read: bool,
    last_attempt: Option<u64>,
    /// When the fetch in progress, if any, started.
    fetching_since: Option<u64>,
    /// How many times a fetch loaded a changed key set.
    changes: u64,
    last_error: Option<String>,
}

/// The refresh state of every configured issuer.
#[derive(Debug)]
pub struct KeyRefresh {
    settings: RefreshSettings,
    issuers: HashMap<String, IssuerKeys>,
}

impl KeyRefresh {
    /// Every issuer of `policy`, with its configured `jwksUri` if any.
    pub fn new(policy: &Policy, settings: RefreshSettings) -> Self {
        let issuers = policy.issuers.iter().map(|i| (i.issuer.clone(), IssuerKeys { jwks_uri: i.jwks_uri.clone(), ..IssuerKeys::default() })).collect();
        Self { settings, issuers }
    }

    /// The settings in force.
    pub fn settings(&self) -> RefreshSettings {
        self.settings
    }

    /// True if `issuer`'s keys are fresh at `now` (ms): a [`Need::Keys`] job
    /// for it would finish at its first step, changing nothing, so a host
    /// may skip making one.
    pub fn fresh(&self, issuer: &str, now: u64) -> bool {
        self.issuers.get(issuer).is_some_and(|s| s.fresh(now))
    }

    /// Until when (ms since the epoch) `issuer`'s keys are fresh, if they were ever loaded.
    pub fn fresh_until(&self, issuer: &str) -> Option<u64> {
        self.issuers.get(issuer)?.record.as_ref().map(|r| r.fresh_until)
    }

    /// A job for `issuer` (a configured issuer entry); `shared_cache` when the
    /// host has a cache shared with other isolates or processes.
    pub fn job(&self, issuer: &str, need: Need, shared_cache: bool) -> Job {
        let changes_at_start = self.issuers.get(issuer).map_or(0, |s| s.changes);
        Job { issuer: issuer.to_owned(), need, shared_cache, stage: Stage::Start, changes_at_start, events: Vec::new() }
    }

    /// Advances `job` with the answer to its last action; `now` is the
    /// host's clock (ms since the epoch).
    pub fn step<V: SignatureVerifier>(&mut self, job: &mut Job, input: Input<'_>, validator: &mut Validator<V>, now: u64) -> Action {
        let settings = self.settings;
        let Some(s) = self.issuers.get_mut(&job.issuer) else { return job.not_configured() };
        match (job.stage, input) {
            (Stage::Start, _) => {
                if job.need == Need::Keys && s.fresh(now) {
                    return job.finish(s, &settings, now);
                }
                if job.need == Need::Keys && s.record.is_none() && job.shared_cache && !s.cache_read {
                    job.stage = Stage::ReadingRecord;
                    return Action::Io(Io::ReadCache { key: record_key(&job.issuer) });
                }
                self.decide_fetch(job, now)
            }
            (Stage::ReadingRecord, Input::Cache(value)) => {
                s.cache_read = true;
                if let Some(record) = value.and_then(|v| serde_json::from_str::<CacheRecord>(v).ok()) {
                    // A stored set is adopted like a fetched one: only if usable.
                    let _ = adopt(s, &job.issuer, record, validator, &mut job.events);
                }
                if s.fresh(now) {
                    return job.finish(s, &settings, now);
                }
                self.decide_fetch(job, now)
            }
            (Stage::WaitingForOther, Input::Waited) => self.decide_fetch(job, now),
            (Stage::ReadingAttempt, Input::Cache(value)) => {
                let shared = value.and_then(|v| v.trim().parse::<u64>().ok());
                if shared.is_some_and(|t| now.saturating_sub(t) < settings.cooldown_ms) {
                    // Another isolate fetched within the cooldown: it may have stored what it got.
                    s.last_attempt = s.last_attempt.max(shared);
                    return job.finish(s, &settings, now);
                }
                if s.fetching_since.is_some() {
                    // Another request of this isolate started meanwhile.
                    return self.decide_fetch(job, now);
                }
                self.start_fetch(job, now)
            }
            (Stage::WritingAttempt, Input::Written) => self.next_fetch(job),
            (Stage::Discovering(index), Input::Fetched(result)) => match discovered(&job.issuer, result, &discovery::metadata_urls(&job.issuer)[index]) {
                Ok(uri) => {
                    s.jwks_uri = Some(uri.clone());
                    job.stage = Stage::FetchingKeys;
                    Action::Io(Io::Fetch { url: uri, timeout_ms: settings.timeout_ms, max_bytes: MAX_DOCUMENT_BYTES })
                }
                Err(Discovery::Next(_)) if index + 1 < discovery::metadata_urls(&job.issuer).len() => {
                    job.stage = Stage::Discovering(index + 1);
                    Action::Io(Io::Fetch {
                        url: discovery::metadata_urls(&job.issuer).swap_remove(index + 1),
                        timeout_ms: settings.timeout_ms,
                        max_bytes: MAX_DOCUMENT_BYTES,
                    })
                }
                Err(Discovery::Next(reason) | Discovery::Stop(reason)) => job.fail(s, &settings, reason, now),
            },
            (Stage::FetchingKeys, Input::Fetched(result)) => {
                let record = match document(result) {
                    Ok((body, cache_control)) => match String::from_utf8(body.to_vec()) {
                        Ok(jwks) => CacheRecord {
                            jwks,
                            fetched_at: now,
                            fresh_until: now + 1000 * freshness_seconds(cache_control, settings.min_ttl_seconds, settings.max_ttl_seconds),
                        },
                        Err(_) => return job.fail(s, &settings, "key set is not UTF-8".into(), now),
                    },
                    Err(reason) => return job.fail(s, &settings, format!("key set: {reason}"), now),
                };
                let before = s.record.as_ref().map(|r| r.jwks.clone());
                if let Err(reason) = adopt(s, &job.issuer, record.clone(), validator, &mut job.events) {
                    return job.fail(s, &settings, reason, now);
                }
                s.fetching_since = None;
                s.last_error = None;
                if before.as_deref() != Some(record.jwks.as_str()) {
                    s.changes += 1;
                }
                if job.shared_cache {
                    job.stage = Stage::WritingRecord;
                    let ttl = (record.fresh_until.saturating_sub(now) + settings.max_stale_ms) / 1000;
                    return Action::Io(Io::WriteCache {
                        key: record_key(&job.issuer),
                        value: serde_json::to_string(&record).unwrap_or_default(),
                        ttl_seconds: ttl.max(60),
                    });
                }
                job.finish(s, &settings, now)
            }
            (Stage::WritingRecord, Input::Written) => job.finish(s, &settings, now),
            (stage, input) => {
                // A host answered something other than what was asked: finish without keys rather than guess.
                let reason = format!("host answered {input:?} at {stage:?}");
                job.fail(s, &settings, reason, now)
            }
        }
    }

    /// Wait for a fetch in progress, start one if the cooldown allows, or finish.
    fn decide_fetch(&mut self, job: &mut Job, now: u64) -> Action {
        let settings = self.settings;
        let Some(s) = self.issuers.get_mut(&job.issuer) else { return job.not_configured() };
        if let Some(since) = s.fetching_since {
            if now < since + settings.timeout_ms + 1000 {
                job.stage = Stage::WaitingForOther;
                return Action::Io(Io::Wait { ms: WAIT_STEP_MS });
            }
            // That fetch outlived its own timeout: the request doing it went away.
            s.fetching_since = None;
        }
        if job.stage == Stage::WaitingForOther {
            // The fetch we waited for is over; its outcome is ours.
            return job.finish(s, &settings, now);
        }
        let cooled_down = s.last_attempt.is_none_or(|t| now.saturating_sub(t) >= settings.cooldown_ms);
        let wanted = job.need == Need::UnknownKey || !s.fresh(now);
        if !(cooled_down && wanted) {
            return job.finish(s, &settings, now);
        }
        if job.shared_cache {
            job.stage = Stage::ReadingAttempt;
            return Action::Io(Io::ReadCache { key: attempt_key(&job.issuer) });
        }
        self.start_fetch(job, now)
    }

    fn start_fetch(&mut self, job: &mut Job, now: u64) -> Action {
        let settings = self.settings;
        let Some(s) = self.issuers.get_mut(&job.issuer) else { return job.not_configured() };
        s.last_attempt = Some(now);
        s.fetching_since = Some(now);
        if job.shared_cache {
            job.stage = Stage::WritingAttempt;
            return Action::Io(Io::WriteCache { key: attempt_key(&job.issuer), value: now.to_string(), ttl_seconds: (settings.cooldown_ms / 1000).max(60) });
        }
        self.next_fetch(job)
    }

    fn next_fetch(&mut self, job: &mut Job) -> Action {
        let settings = self.settings;
        let Some(s) = self.issuers.get_mut(&job.issuer) else { return job.not_configured() };
        let (stage, url) = match &s.jwks_uri {
            Some(uri) => (Stage::FetchingKeys, uri.clone()),
            None => (Stage::Discovering(0), discovery::metadata_urls(&job.issuer).swap_remove(0)),
        };
        job.stage = stage;
        Action::Io(Io::Fetch { url, timeout_ms: settings.timeout_ms, max_bytes: MAX_DOCUMENT_BYTES })
    }
}

impl IssuerKeys {
    fn fresh(&self, now: u64) -> bool {
        self.record.as_ref().is_some_and(|r| now < r.fresh_until)
    }
}

impl Job {
    /// A job for an issuer the policy does not configure (never made by
    /// [`KeyRefresh::job`] for a token's issuer): no keys, ever.
    fn not_configured(&mut self) -> Action {
        self.stage = Stage::Done;
        Action::Done(Err(Unavailable { retry_after: 1, reason: "not a configured issuer".into() }))
    }

    /// The outcome, from the issuer's state now.
    fn finish(&mut self, s: &IssuerKeys, settings: &RefreshSettings, now: u64) -> Action {
        self.stage = Stage::Done;
        let changed = s.changes != self.changes_at_start;
        if self.need == Need::UnknownKey {
            return Action::Done(Ok(changed));
        }
        match &s.record {
            Some(r) if now <= r.fresh_until + settings.max_stale_ms => Action::Done(Ok(changed)),
            _ => {
                let next = s.last_attempt.unwrap_or(now) + settings.cooldown_ms;
                let retry_after = next.saturating_sub(now).div_ceil(1000).max(1);
                Action::Done(Err(Unavailable { retry_after, reason: s.last_error.clone().unwrap_or_else(|| "no key set".into()) }))
            }
        }
    }

    /// A fetch failed: the last good keys (if any) stay, the reason is kept for the 503.
    fn fail(&mut self, s: &mut IssuerKeys, settings: &RefreshSettings, reason: String, now: u64) -> Action {
        s.fetching_since = None;
        s.last_error = Some(reason.clone());
        self.events.push(KeyEvent::FetchFailed { reason });
        self.finish(s, settings, now)
    }
}

/// Loads `record` into the validator if its set has a usable key; a set
/// without one replaces nothing (one bad publication must not take the
/// resource down).
fn adopt<V: SignatureVerifier>(
    s: &mut IssuerKeys,
    issuer: &str,
    record: CacheRecord,
    validator: &mut Validator<V>,
    events: &mut Vec<KeyEvent>,
) -> Result<(), String> {
    match KeySet::parse(record.jwks.as_bytes()) {
        Ok((set, _)) if !set.keys().is_empty() => {}
        Ok(_) => return Err("key set has no usable keys".into()),
        Err(e) => return Err(format!("key set: {e}")),
    }
    let report = validator.set_jwks(issuer, record.jwks.as_bytes()).map_err(|e| e.to_string())?;
    events.extend(report.skipped.into_iter().map(|k| KeyEvent::KeySkipped { kid: k.kid, reason: k.reason.to_string() }));
    s.record = Some(record);
    Ok(())
}

/// A fetched document's body and `Cache-Control`, or why it is none.
fn document<'a>(result: Result<Fetched<'a>, &str>) -> Result<(&'a [u8], Option<&'a str>), String> {
    let fetched = result.map_err(str::to_owned)?;
    if fetched.status != 200 {
        return Err(format!("answered {}", fetched.status));
    }
    if fetched.body.len() > MAX_DOCUMENT_BYTES {
        return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
    }
    Ok((fetched.body, fetched.cache_control))
}

/// How a discovery document went.
enum Discovery {
    /// Not there (not 200, not JSON, too large): the next URL may have it.
    Next(String),
    /// There, but wrong for this issuer: stop.
    Stop(String),
}

/// The `jwks_uri` of a discovery document for exactly `issuer`.
fn discovered(issuer: &str, result: Result<Fetched<'_>, &str>, url: &str) -> Result<String, Discovery> {
    let (body, _) = document(result).map_err(|e| Discovery::Next(format!("{url} {e}")))?;
    let doc: Value = serde_json::from_slice(body).map_err(|_| Discovery::Next(format!("{url} is not JSON")))?;
    if discovery::issuer_mismatch(issuer, &doc).is_some() {
        return Err(Discovery::Stop(format!("{url} names another issuer")));
    }
    let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or_else(|| Discovery::Stop(format!("{url} has no jwks_uri")))?;
    if !discovery::is_fetchable(uri) {
        return Err(Discovery::Stop(format!("{url} has a jwks_uri that is not https")));
    }
    Ok(uri.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use serde_json::json;

    const ISS: &str = "https://auth.example.com";
    const T0: u64 = 1_767_225_600_000;

    fn jwks() -> String {
        let key: Value = serde_json::from_str(include_str!("../../tests/keys/p256.json")).unwrap();
        json!({"keys": [{"kty": "EC", "crv": "P-256", "x": key["x"], "y": key["y"], "kid": "k1"}]}).to_string()
    }

    fn setup(jwks_uri: Option<&str>) -> (KeyRefresh, Validator) {
        let mut issuer = json!({ "issuer": ISS });
        if let Some(u) = jwks_uri {
            issuer["jwksUri"] = u.into();
        }
        let policy = Policy::from_config(crate::Config::from_value(json!({ "resource": "https://m.example/mcp", "issuers": [issuer] })).unwrap()).unwrap();
        (KeyRefresh::new(&policy, RefreshSettings::default()), Validator::new(policy))
    }

    /// What a host's I/O does, scripted: each action gets the next canned answer.
    enum Canned<'a> {
        Doc(u16, &'a str, Option<&'a str>),
        Error(&'a str),
        Cache(Option<&'a str>),
        Written,
    }

    /// Runs a job to its end, answering each action from `answers` in order;
    /// returns the outcome and the actions seen.
    fn run(
        refresh: &mut KeyRefresh,
        validator: &mut Validator,
        need: Need,
        shared: bool,
        now: u64,
        answers: &[Canned<'_>],
    ) -> (Result<bool, Unavailable>, Vec<Action>) {
        let mut job = refresh.job(ISS, need, shared);
        let mut seen = Vec::new();
        let mut input = Input::Start;
        let mut answers = answers.iter();
        loop {
            let action = refresh.step(&mut job, input, validator, now);
            if let Action::Done(outcome) = action {
                assert!(answers.next().is_none(), "unused answers");
                return (outcome, seen);
            }
            seen.push(action);
            input = match answers.next().unwrap_or_else(|| panic!("no answer for {:?}", seen.last())) {
                Canned::Doc(status, body, cc) => Input::Fetched(Ok(Fetched { status: *status, body: body.as_bytes(), cache_control: *cc })),
                Canned::Error(e) => Input::Fetched(Err(e)),
                Canned::Cache(v) => Input::Cache(*v),
                Canned::Written => Input::Written,
            };
        }
    }

    fn fetch(url: &str) -> Action {
        Action::Io(Io::Fetch { url: url.into(), timeout_ms: 5000, max_bytes: MAX_DOCUMENT_BYTES })
    }

    #[test]
    fn fresh_keys_are_used_and_stale_ones_fetched_again() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        let (outcome, seen) = run(&mut r, &mut v, Need::Keys, false, T0, &[Canned::Doc(200, &keys, Some("max-age=600"))]);
        assert_eq!((outcome, seen), (Ok(true), vec![fetch("https://auth.example.com/jwks")]));
        assert!(v.has_jwks(ISS));
        // Fresh for 600 s: no I/O at all, and a host may ask without a job.
        assert!(r.fresh(ISS, T0 + 599_000));
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, T0 + 599_000, &[]), (Ok(false), vec![]));
        assert!(!r.fresh(ISS, T0 + 600_000));
        assert!(!r.fresh("https://other.example.com", T0));
        // Stale: fetched again, same keys, so nothing changed.
        let (outcome, seen) = run(&mut r, &mut v, Need::Keys, false, T0 + 600_000, &[Canned::Doc(200, &keys, None)]);
        assert_eq!((outcome, seen.len()), (Ok(false), 1));
    }

    #[test]
    fn an_outage_serves_the_last_keys_until_the_stale_window_ends_then_503() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, T0, &[Canned::Doc(200, &keys, Some("max-age=60"))]).0, Ok(true));
        // Past freshness, the fetch fails: the old keys still serve.
        let (outcome, _) = run(&mut r, &mut v, Need::Keys, false, T0 + 61_000, &[Canned::Doc(500, "", None)]);
        assert_eq!(outcome, Ok(false));
        // Within the cooldown nothing is fetched; still within the stale window.
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, T0 + 70_000, &[]).0, Ok(false));
        // Past freshness + maxStaleSeconds: 503, Retry-After until the next allowed fetch.
        let late = T0 + 60_000 + 3_600_000 + 1;
        let (outcome, _) = run(&mut r, &mut v, Need::Keys, false, late, &[Canned::Error("timed out")]);
        assert_eq!(outcome, Err(Unavailable { retry_after: 30, reason: "key set: timed out".into() }));
        let (outcome, seen) = run(&mut r, &mut v, Need::Keys, false, late + 10_500, &[]);
        assert!(seen.is_empty());
        assert_eq!(outcome.unwrap_err().retry_after, 20);
        // Recovery after the cooldown.
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, late + 30_000, &[Canned::Doc(200, &keys, None)]).0, Ok(false));
    }

    #[test]
    fn broken_documents_never_replace_good_keys() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        let huge = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(MAX_DOCUMENT_BYTES));
        for (i, bad) in
            [Canned::Doc(200, "{\"keys\": [", None), Canned::Doc(200, "{\"keys\": []}", None), Canned::Doc(200, &huge, None), Canned::Doc(302, "", None)]
                .into_iter()
                .enumerate()
        {
            let (outcome, _) = run(&mut r, &mut v, Need::Keys, false, T0 + 31_000 * i as u64, &[bad]);
            assert!(outcome.is_err(), "{i}: no keys yet");
        }
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, T0 + 200_000, &[Canned::Doc(200, &keys, Some("max-age=60"))]).0, Ok(true));
        let (outcome, _) = run(&mut r, &mut v, Need::Keys, false, T0 + 300_000, &[Canned::Doc(200, "{\"keys\": []}", None)]);
        assert_eq!(outcome, Ok(false), "the empty set did not replace the good one");
        assert!(v.has_jwks(ISS));
    }

    #[test]
    fn an_unknown_kid_fetches_again_only_after_the_cooldown() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        assert_eq!(run(&mut r, &mut v, Need::Keys, false, T0, &[Canned::Doc(200, &keys, Some("max-age=600"))]).0, Ok(true));
        assert_eq!(run(&mut r, &mut v, Need::UnknownKey, false, T0 + 29_999, &[]), (Ok(false), vec![]), "within the cooldown");
        let rotated = keys.replace("\"k1\"", "\"k2\"");
        assert_eq!(run(&mut r, &mut v, Need::UnknownKey, false, T0 + 30_000, &[Canned::Doc(200, &rotated, None)]).0, Ok(true));
        assert_eq!(run(&mut r, &mut v, Need::UnknownKey, false, T0 + 31_000, &[]).0, Ok(false), "a fetch storm of unknown kids is one fetch per cooldown");
    }

    #[test]
    fn concurrent_requests_wait_for_the_one_fetch_on_their_own_timers() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        let mut first = r.job(ISS, Need::Keys, false);
        let mut second = r.job(ISS, Need::Keys, false);
        assert_eq!(r.step(&mut first, Input::Start, &mut v, T0), fetch("https://auth.example.com/jwks"));
        assert_eq!(r.step(&mut second, Input::Start, &mut v, T0 + 5), Action::Io(Io::Wait { ms: 20 }));
        assert_eq!(r.step(&mut second, Input::Waited, &mut v, T0 + 25), Action::Io(Io::Wait { ms: 20 }));
        let done = r.step(&mut first, Input::Fetched(Ok(Fetched { status: 200, body: keys.as_bytes(), cache_control: None })), &mut v, T0 + 30);
        assert_eq!(done, Action::Done(Ok(true)));
        assert_eq!(r.step(&mut second, Input::Waited, &mut v, T0 + 45), Action::Done(Ok(true)), "the waiter sees the loaded keys");
        // A fetcher that went away is released after its timeout (+1 s): the next request fetches.
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let mut lost = r.job(ISS, Need::Keys, false);
        assert!(matches!(r.step(&mut lost, Input::Start, &mut v, T0), Action::Io(Io::Fetch { .. })));
        let mut waiter = r.job(ISS, Need::Keys, false);
        assert_eq!(r.step(&mut waiter, Input::Start, &mut v, T0 + 100), Action::Io(Io::Wait { ms: 20 }));
        let out = r.step(&mut waiter, Input::Waited, &mut v, T0 + 6_001);
        assert_eq!(
            out,
            Action::Done(Err(Unavailable { retry_after: 24, reason: "no key set".into() })),
            "released, but the cooldown from the lost attempt holds"
        );
    }

    #[test]
    fn the_shared_cache_holds_the_keys_and_the_cooldown_across_isolates() {
        let (mut r, mut v) = setup(Some("https://auth.example.com/jwks"));
        let keys = jwks();
        let (outcome, seen) = run(
            &mut r,
            &mut v,
            Need::Keys,
            true,
            T0,
            &[Canned::Cache(None), Canned::Cache(None), Canned::Written, Canned::Doc(200, &keys, Some("max-age=600")), Canned::Written],
        );
        assert_eq!(outcome, Ok(true));
        let record = CacheRecord { jwks: keys.clone(), fetched_at: T0, fresh_until: T0 + 600_000 };
        assert_eq!(
            seen,
            vec![
                Action::Io(Io::ReadCache { key: record_key(ISS) }),
                Action::Io(Io::ReadCache { key: attempt_key(ISS) }),
                Action::Io(Io::WriteCache { key: attempt_key(ISS), value: T0.to_string(), ttl_seconds: 60 }),
                fetch("https://auth.example.com/jwks"),
                Action::Io(Io::WriteCache { key: record_key(ISS), value: serde_json::to_string(&record).unwrap(), ttl_seconds: 600 + 3600 }),
            ]
        );
        // Another isolate, later: the record serves it without a fetch.
        let (mut r2, mut v2) = setup(Some("https://auth.example.com/jwks"));
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(
            run(&mut r2, &mut v2, Need::Keys, true, T0 + 1_000, &[Canned::Cache(Some(&text))]),
            (Ok(false), vec![Action::Io(Io::ReadCache { key: record_key(ISS) })])
        );
        // An unknown kid there, within the cooldown another isolate recorded: no fetch.
        let (outcome, seen) = run(&mut r2, &mut v2, Need::UnknownKey, true, T0 + 2_000, &[Canned::Cache(Some(&T0.to_string()))]);
        assert_eq!((outcome, seen.len()), (Ok(false), 1));
    }

    #[test]
    fn discovery_tries_rfc8414_then_openid_and_the_issuer_must_match() {
        let (mut r, mut v) = setup(None);
        let keys = jwks();
        let oidc = json!({"issuer": ISS, "jwks_uri": "https://auth.example.com/keys"}).to_string();
        let (outcome, seen) = run(
            &mut r,
            &mut v,
            Need::Keys,
            false,
            T0,
            &[Canned::Doc(200, "<html>not here</html>", None), Canned::Doc(200, &oidc, None), Canned::Doc(200, &keys, None)],
        );
        assert_eq!(outcome, Ok(true));
        assert_eq!(
            seen,
            vec![
                fetch("https://auth.example.com/.well-known/oauth-authorization-server"),
                fetch("https://auth.example.com/.well-known/openid-configuration"),
                fetch("https://auth.example.com/keys")
            ]
        );
        // Another issuer's document stops discovery; an http jwks_uri off loopback too.
        for doc in
            [json!({"issuer": "https://evil.example", "jwks_uri": "https://evil.example/k"}), json!({"issuer": ISS, "jwks_uri": "http://auth.example.com/k"})]
        {
            let (mut r, mut v) = setup(None);
            let text = doc.to_string();
            let (outcome, seen) = run(&mut r, &mut v, Need::Keys, false, T0, &[Canned::Doc(200, &text, None)]);
            assert!(outcome.is_err() && seen.len() == 1, "{doc}");
        }
    }

    #[test]
    fn settings_come_from_the_same_fields_as_the_gateways() {
        assert_eq!(RefreshSettings::from_json(json!({})).unwrap(), RefreshSettings::default());
        let s = RefreshSettings::from_json(json!({"jwksCooldownSeconds": 1, "maxStaleSeconds": 2})).unwrap();
        assert_eq!((s.cooldown_ms, s.max_stale_ms, s.timeout_ms), (1000, 2000, 5000));
        for (bad, field) in [
            (json!({"jwksTimeoutMs": 0}), "jwksTimeoutMs"),
            (json!({"jwksMinTtlSeconds": 9, "jwksMaxTtlSeconds": 1}), "jwksMinTtlSeconds"),
            (json!({"fetch": 1}), "fetch"),
            (json!({"maxStaleSeconds": -1}), "maxStaleSeconds"),
        ] {
            assert_eq!(RefreshSettings::from_json(bad).unwrap_err().field, field);
        }
    }

    #[test]
    fn freshness_follows_cache_control_within_bounds() {
        assert_eq!(freshness_seconds(Some("public, max-age=600"), 60, 86400), 600);
        assert_eq!(freshness_seconds(Some("max-age=5"), 60, 86400), 60);
        assert_eq!(freshness_seconds(Some("max-age=999999"), 60, 86400), 86400);
        assert_eq!(freshness_seconds(Some("no-store"), 60, 86400), 60);
        assert_eq!(freshness_seconds(None, 60, 86400), 300);
        assert_eq!(freshness_seconds(Some("max-age=junk"), 60, 86400), 300);
    }
}
