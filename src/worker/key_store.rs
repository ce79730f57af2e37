//! The I/O a decision asks of the Worker: Workers KV as the shared cache,
//! the platform's `fetch`, and timers. Every decision — freshness, single
//! flight, cooldown, the stale window, Retry-After, discovery, the size
//! limit, the KV record — is the core's ([`crate::decision`],
//! [`crate::jwks::refresh`]); this only carries out what it asks.

use worker::{Date, Env};

use super::http;
use crate::host::{Document, Io};
use crate::jwks::refresh::KeyEvent;

/// The KV namespace binding.
pub(crate) const KV_BINDING: &str = "JWKS_CACHE";

/// The Worker's I/O for one request.
pub(crate) struct KeyIo<'a> {
    pub(crate) env: &'a Env,
    /// Whether the Worker has the KV binding: looked up once per isolate, and
    /// the binding itself only when a job reads or writes it.
    pub(crate) has_kv: bool,
}

impl Io for KeyIo<'_> {
    async fn read_cache(&self, key: &str) -> Option<String> {
        let kv = self.env.kv(KV_BINDING).ok()?;
        kv.get(key).text().await.ok().flatten()
    }

    async fn write_cache(&self, key: &str, value: &str, ttl_seconds: u64) {
        if self.has_kv {
            // A failed write only costs another isolate a fetch.
            let _ = http::kv_put(self.env, KV_BINDING, key, value, ttl_seconds).await;
        }
    }

    async fn fetch(&self, url: &str, timeout_ms: u64, limit: usize) -> Document {
        http::fetch_document(url, timeout_ms, limit).await
    }

    async fn wait(&self, ms: u64) {
        http::sleep(ms).await;
    }

    fn now_ms(&self) -> u64 {
        Date::now().as_millis()
    }

    fn log(&self, issuer: &str, event: &KeyEvent) {
        let line = match event {
            KeyEvent::FetchFailed { reason } => serde_json::json!({ "event": "jwks_fetch_failed", "issuer": issuer, "reason": reason }),
            KeyEvent::KeySkipped { kid, reason } => serde_json::json!({ "event": "key_skipped", "issuer": issuer, "kid": kid, "reason": reason }),
        };
        worker::console_warn!("{line}");
    }
}
