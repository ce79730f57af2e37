//! Key sets in Workers KV with an isolate memory cache in front.
//!
//! Per issuer, KV holds the key set with when it was fetched and until when it
//! is fresh (Cache-Control within the configured bounds), and the time of the
//! last fetch attempt, so the unknown-`kid` cooldown holds across isolates.
//! Within an isolate, one request fetches while concurrent ones wait for it.
//! They wait on their own timers and read the shared state, never on the
//! fetching request's promise: workerd cancels a continuation resumed from
//! another request's I/O context. When the
//! authorization server is down, the last good keys serve up to
//! `maxStaleSeconds` past their freshness; then the caller answers 503.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use serde::{Deserialize, Serialize};
use worker::{AbortController, Date, Delay, Env, Fetch, Headers, Method, Request, RequestInit};

use super::url::Url;
use super::GatewayValidator as Validator;
use crate::gateway::GatewaySettings;
use crate::jwks::refresh::freshness_seconds;

/// The largest key set or discovery document read (bytes).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// The KV namespace binding.
const KV_BINDING: &str = "JWKS_CACHE";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    jwks: String,
    fetched_at: u64,
    fresh_until: u64,
}

#[derive(Default)]
struct IssuerState {
    stored: Option<Stored>,
    jwks_uri: Option<String>,
    last_attempt: Option<u64>,
    /// When the fetch in progress (if any) started, in ms.
    fetching_since: Option<u64>,
    /// Bumped each time a fetch loads a changed key set.
    generation: u64,
}

#[derive(Clone, Copy)]
struct Limits {
    cooldown_ms: u64,
    timeout_ms: u64,
    max_stale_ms: u64,
    min_ttl: u64,
    max_ttl: u64,
}

pub(crate) struct KeyStore {
    validator: Rc<RefCell<Validator>>,
    state: RefCell<HashMap<String, IssuerState>>,
    limits: Limits,
}

fn jwks_key(issuer: &str) -> String {
    format!("mcp-edge-auth:jwks:{issuer}")
}

fn attempt_key(issuer: &str) -> String {
    format!("mcp-edge-auth:jwks-fetch:{issuer}")
}

impl KeyStore {
    pub(crate) fn new(validator: Rc<RefCell<Validator>>, s: &GatewaySettings) -> Self {
        let mut state = HashMap::new();
        for i in &validator.borrow().policy().issuers {
            state.insert(i.issuer.clone(), IssuerState { jwks_uri: i.jwks_uri.clone(), ..IssuerState::default() });
        }
        let limits = Limits {
            cooldown_ms: s.jwks_cooldown_seconds * 1000,
            timeout_ms: s.jwks_timeout_ms,
            max_stale_ms: s.max_stale_seconds * 1000,
            min_ttl: s.jwks_min_ttl_seconds,
            max_ttl: s.jwks_max_ttl_seconds,
        };
        Self { validator, state: RefCell::new(state), limits }
    }

    fn fresh(&self, issuer: &str, now: u64) -> bool {
        self.state.borrow().get(issuer).and_then(|s| s.stored.as_ref()).is_some_and(|s| now < s.fresh_until)
    }

    /// Usable keys for `issuer` are loaded, or `Err(retry_after_seconds)`.
    pub(crate) async fn ensure(&self, env: &Env, issuer: &str) -> Result<(), u64> {
        if self.fresh(issuer, Date::now().as_millis()) {
            return Ok(());
        }
        let has_keys = self.state.borrow().get(issuer).is_some_and(|s| s.stored.is_some());
        if !has_keys {
            self.load_from_kv(env, issuer).await;
            if self.fresh(issuer, Date::now().as_millis()) {
                return Ok(());
            }
        }
        self.refetch_if_allowed(env, issuer).await;
        let now = Date::now().as_millis();
        let state = self.state.borrow();
        let s = state.get(issuer).ok_or(1u64)?;
        match &s.stored {
            Some(stored) if now <= stored.fresh_until + self.limits.max_stale_ms => Ok(()),
            _ => {
                let next = s.last_attempt.unwrap_or(now) + self.limits.cooldown_ms;
                Err(next.saturating_sub(now).div_ceil(1000).max(1))
            }
        }
    }

    /// A token named a key we do not have: refetch unless any isolate fetched
    /// within the cooldown. True if new keys were loaded.
    pub(crate) async fn refresh_for_unknown_key(&self, env: &Env, issuer: &str) -> bool {
        self.refetch_if_allowed(env, issuer).await
    }

    /// Waits for the fetch in progress, or starts one if the shared cooldown
    /// allows. True if a changed key set was loaded meanwhile.
    async fn refetch_if_allowed(&self, env: &Env, issuer: &str) -> bool {
        let generation = |s: &Self| s.state.borrow().get(issuer).map_or(0, |st| st.generation);
        let before = generation(self);
        if self.wait_for_fetch_in_progress(issuer).await {
            return generation(self) != before;
        }
        let now = Date::now().as_millis();
        let local = self.state.borrow().get(issuer).and_then(|s| s.last_attempt);
        let kv = env.kv(KV_BINDING).ok();
        let shared = match &kv {
            Some(kv) => kv.get(&attempt_key(issuer)).text().await.ok().flatten().and_then(|t| t.parse::<u64>().ok()),
            None => None,
        };
        if [local, shared].into_iter().flatten().any(|t| now.saturating_sub(t) < self.limits.cooldown_ms) {
            return false;
        }
        // Another request may have started a fetch while we read KV.
        if self.wait_for_fetch_in_progress(issuer).await {
            return generation(self) != before;
        }
        if let Some(s) = self.state.borrow_mut().get_mut(issuer) {
            s.last_attempt = Some(now);
            s.fetching_since = Some(now);
        }
        if let Some(kv) = &kv {
            let ttl = (self.limits.cooldown_ms / 1000).max(60);
            if let Ok(put) = kv.put(&attempt_key(issuer), now.to_string()) {
                let _ = put.expiration_ttl(ttl).execute().await;
            }
        }
        let changed = fetch_and_adopt(&self.validator, &self.state, env, issuer, self.limits).await;
        if let Some(s) = self.state.borrow_mut().get_mut(issuer) {
            s.fetching_since = None;
            if changed {
                s.generation += 1;
            }
        }
        changed
    }

    /// If a fetch for `issuer` is in progress in this isolate, waits (on this
    /// request's own timer) until it ends or could no longer be running.
    /// True if there was one.
    async fn wait_for_fetch_in_progress(&self, issuer: &str) -> bool {
        let deadline = |s: &Self| s.state.borrow().get(issuer).and_then(|st| st.fetching_since).map(|t| t + s.limits.timeout_ms + 1000);
        let Some(until) = deadline(self) else { return false };
        while deadline(self).is_some() && Date::now().as_millis() < until {
            Delay::from(Duration::from_millis(20)).await;
        }
        if deadline(self).is_some() {
            // The fetching request went away (e.g. its client disconnected): release it.
            if let Some(s) = self.state.borrow_mut().get_mut(issuer) {
                s.fetching_since = None;
            }
        }
        true
    }

    async fn load_from_kv(&self, env: &Env, issuer: &str) {
        let Ok(kv) = env.kv(KV_BINDING) else { return };
        let Ok(Some(text)) = kv.get(&jwks_key(issuer)).text().await else { return };
        if let Ok(stored) = serde_json::from_str::<Stored>(&text) {
            let _ = adopt(&self.validator, &self.state, issuer, stored);
        }
    }
}

/// Loads a key set into the validator; a set with no usable key changes nothing.
fn adopt(validator: &RefCell<Validator>, state: &RefCell<HashMap<String, IssuerState>>, issuer: &str, stored: Stored) -> Result<(), String> {
    let mut v = validator.borrow_mut();
    let report = v.set_jwks(issuer, stored.jwks.as_bytes()).map_err(|e| e.to_string())?;
    if report.usable == 0 {
        let previous = state.borrow().get(issuer).and_then(|s| s.stored.as_ref().map(|p| p.jwks.clone()));
        if let Some(previous) = previous {
            let _ = v.set_jwks(issuer, previous.as_bytes());
        }
        return Err("key set has no usable keys".into());
    }
    for skipped in &report.skipped {
        worker::console_warn!("{}", serde_json::json!({ "event": "key_skipped", "issuer": issuer, "kid": skipped.kid, "reason": skipped.reason }));
    }
    if let Some(s) = state.borrow_mut().get_mut(issuer) {
        s.stored = Some(stored);
    }
    Ok(())
}

async fn fetch_and_adopt(validator: &RefCell<Validator>, state: &RefCell<HashMap<String, IssuerState>>, env: &Env, issuer: &str, limits: Limits) -> bool {
    let result = async {
        let uri = state.borrow().get(issuer).and_then(|s| s.jwks_uri.clone());
        let uri = match uri {
            Some(u) => u,
            None => {
                let u = discover(issuer, limits.timeout_ms).await?;
                if let Some(s) = state.borrow_mut().get_mut(issuer) {
                    s.jwks_uri = Some(u.clone());
                }
                u
            }
        };
        let (jwks, cache_control) = get(&uri, limits.timeout_ms).await?;
        let now = Date::now().as_millis();
        let fresh_until = now + 1000 * freshness_seconds(cache_control.as_deref(), limits.min_ttl, limits.max_ttl);
        let before = state.borrow().get(issuer).and_then(|s| s.stored.as_ref().map(|p| p.jwks.clone()));
        let stored = Stored { jwks, fetched_at: now, fresh_until };
        adopt(validator, state, issuer, stored.clone())?;
        if let Ok(kv) = env.kv(KV_BINDING) {
            let ttl = (fresh_until - now + limits.max_stale_ms) / 1000;
            if let Ok(put) = kv.put(&jwks_key(issuer), serde_json::to_string(&stored).unwrap_or_default()) {
                let _ = put.expiration_ttl(ttl.max(60)).execute().await;
            }
        }
        Ok::<bool, String>(before.as_deref() != Some(stored.jwks.as_str()))
    }
    .await;
    match result {
        Ok(changed) => changed,
        Err(e) => {
            worker::console_warn!("{}", serde_json::json!({ "event": "jwks_fetch_failed", "issuer": issuer, "reason": e }));
            false
        }
    }
}

/// RFC 8414 §3.1 then OpenID Connect Discovery; the document must name exactly this issuer.
async fn discover(issuer: &str, timeout_ms: u64) -> Result<String, String> {
    let base = Url::parse(issuer).ok_or_else(|| "issuer is not a URL".to_owned())?;
    let path = base.pathname();
    let path = path.trim_end_matches('/');
    let origin = base.origin();
    let mut last = String::from("no discovery document");
    for url in [format!("{origin}/.well-known/oauth-authorization-server{path}"), format!("{origin}{path}/.well-known/openid-configuration")] {
        let text = match get(&url, timeout_ms).await {
            Ok((t, _)) => t,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|_| format!("{url} is not JSON"))?;
        if doc.get("issuer").and_then(|i| i.as_str()) != Some(issuer) {
            return Err(format!("{url} names another issuer"));
        }
        let uri = doc.get("jwks_uri").and_then(|u| u.as_str()).ok_or_else(|| format!("{url} has no jwks_uri"))?;
        let parsed = Url::parse(uri).ok_or_else(|| format!("{url} has an invalid jwks_uri"))?;
        let loopback = matches!(parsed.hostname().as_str(), "localhost" | "127.0.0.1" | "[::1]");
        let scheme = parsed.scheme();
        if scheme != "https" && !(scheme == "http" && loopback) {
            return Err(format!("{url} has a jwks_uri that is not https"));
        }
        return Ok(uri.to_owned());
    }
    Err(last)
}

/// GET with a timeout covering headers and body; at most MAX_DOCUMENT_BYTES.
async fn get(url: &str, timeout_ms: u64) -> Result<(String, Option<String>), String> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let work = async {
        let headers = Headers::new();
        let _ = headers.set("Accept", "application/json");
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
        let mut res = Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| format!("{url}: {e}"))?;
        if res.status_code() != 200 {
            return Err(format!("{url} answered {}", res.status_code()));
        }
        if res.headers().get("Content-Length").ok().flatten().and_then(|l| l.parse::<usize>().ok()).is_some_and(|l| l > MAX_DOCUMENT_BYTES) {
            return Err(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        let bytes = res.bytes().await.map_err(|e| e.to_string())?;
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        let cache_control = res.headers().get("Cache-Control").ok().flatten();
        Ok((String::from_utf8(bytes).map_err(|_| format!("{url} is not UTF-8"))?, cache_control))
    };
    let delay = Delay::from(Duration::from_millis(timeout_ms));
    futures_util::pin_mut!(work, delay);
    match select(work, delay).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(format!("{url} timed out after {timeout_ms} ms"))
        }
    }
}
