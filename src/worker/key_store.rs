//! The I/O of key refresh in the Worker: Workers KV as the shared cache, the
//! platform's `fetch`, and timers. Every decision — freshness, single
//! flight, cooldown, the stale window, Retry-After, discovery, the size
//! limit, the KV record — is the core's ([`crate::jwks::refresh`]); this
//! only carries out what it asks.

use std::cell::RefCell;
use std::rc::Rc;
use worker::{Date, Env};

use super::http;
use super::GatewayValidator as Validator;
use crate::jwks::refresh::{Action, Fetched, Input, KeyEvent, KeyRefresh, Need, RefreshSettings, Unavailable};

/// The KV namespace binding.
pub(crate) const KV_BINDING: &str = "JWKS_CACHE";

pub(crate) struct KeyStore {
    validator: Rc<RefCell<Validator>>,
    refresh: RefCell<KeyRefresh>,
    /// Whether the Worker has the KV binding: its bindings are fixed for the
    /// isolate's life, so this is looked up once, and the binding itself only
    /// when a job reads or writes it (not on every request whose keys are fresh).
    has_kv: std::cell::OnceCell<bool>,
}

impl KeyStore {
    pub(crate) fn new(validator: Rc<RefCell<Validator>>, settings: RefreshSettings) -> Self {
        let refresh = RefCell::new(KeyRefresh::new(validator.borrow().policy(), settings));
        Self { validator, refresh, has_kv: std::cell::OnceCell::new() }
    }

    /// Runs one refresh job for `issuer`: `Ok(changed)`, or the 503's `Retry-After`.
    pub(crate) async fn run(&self, env: &Env, issuer: &str, need: Need) -> Result<bool, Unavailable> {
        if need == Need::Keys && self.refresh.borrow().fresh(issuer, Date::now().as_millis()) {
            return Ok(false);
        }
        let has_kv = *self.has_kv.get_or_init(|| env.kv(KV_BINDING).is_ok());
        let kv = || env.kv(KV_BINDING).ok();
        let mut job = self.refresh.borrow().job(issuer, need, has_kv);
        // What the last action produced, kept alive for the input that borrows it.
        let mut cached: Option<String>;
        let mut fetched: Result<(u16, Vec<u8>, Option<String>), String>;
        let mut input = Input::Start;
        loop {
            let action = self.refresh.borrow_mut().step(&mut job, input, &mut self.validator.borrow_mut(), Date::now().as_millis());
            for event in job.events.drain(..) {
                log(issuer, &event);
            }
            input = match action {
                Action::Done(outcome) => return outcome,
                Action::ReadCache { key } => {
                    cached = match kv() {
                        Some(kv) => kv.get(&key).text().await.ok().flatten(),
                        None => None,
                    };
                    Input::Cache(cached.as_deref())
                }
                Action::WriteCache { key, value, ttl_seconds } => {
                    if has_kv {
                        // A failed write only costs another isolate a fetch.
                        let _ = http::kv_put(env, KV_BINDING, &key, &value, ttl_seconds).await;
                    }
                    Input::Written
                }
                Action::Fetch { url, timeout_ms, max_bytes } => {
                    fetched = http::fetch_document(&url, timeout_ms, max_bytes + 1).await;
                    Input::Fetched(match &fetched {
                        Ok((status, body, cache_control)) => Ok(Fetched { status: *status, body, cache_control: cache_control.as_deref() }),
                        Err(reason) => Err(reason.as_str()),
                    })
                }
                Action::Wait { ms } => {
                    http::sleep(ms).await;
                    Input::Waited
                }
            };
        }
    }
}

fn log(issuer: &str, event: &KeyEvent) {
    let line = match event {
        KeyEvent::FetchFailed { reason } => serde_json::json!({ "event": "jwks_fetch_failed", "issuer": issuer, "reason": reason }),
        KeyEvent::KeySkipped { kid, reason } => serde_json::json!({ "event": "key_skipped", "issuer": issuer, "kid": kid, "reason": reason }),
    };
    worker::console_warn!("{line}");
}
