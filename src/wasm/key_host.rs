//! The wrapper's I/O for key refresh (js/src/jwks.ts, `RemoteKeys`): its
//! `fetch`, an optional KV-shaped cache and its timers, as a decision asks
//! for them ([`crate::host::Io`]). The wrapper only performs; the policy is
//! the core's.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::host::{Document, Io};
use crate::jwks::refresh::KeyEvent;

#[wasm_bindgen]
extern "C" {
    /// The wrapper's key host. Every method returns a promise that settles;
    /// `fetchDocument` rejects with the reason (a string) when there is no document.
    #[derive(Clone)]
    pub type KeyHost;

    #[wasm_bindgen(method, js_name = readCache, catch)]
    fn read_cache(this: &KeyHost, key: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, js_name = writeCache, catch)]
    fn write_cache(this: &KeyHost, key: &str, value: &str, ttl_seconds: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, js_name = fetchDocument, catch)]
    fn fetch_document(this: &KeyHost, url: &str, timeout_ms: f64, limit: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn wait(this: &KeyHost, ms: f64) -> Result<Promise, JsValue>;

    /// The wrapper's clock, in ms since the epoch.
    #[wasm_bindgen(method)]
    fn now(this: &KeyHost) -> f64;

    /// What `fetchDocument` resolves to.
    type Fetched;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Fetched) -> u16;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Fetched) -> Uint8Array;
    #[wasm_bindgen(method, getter, js_name = cacheControl)]
    fn cache_control(this: &Fetched) -> Option<String>;
}

/// The I/O of one decision: the key host, if the wrapper gave one, and the
/// time of the decision when the caller fixed it.
pub(super) struct HostIo {
    pub(super) host: Option<KeyHost>,
    pub(super) now_ms: Option<u64>,
}

impl HostIo {
    async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
        JsFuture::from(promise?).await
    }
}

impl Io for HostIo {
    async fn read_cache(&self, key: &str) -> Option<String> {
        let host = self.host.as_ref()?;
        Self::settle(host.read_cache(key)).await.ok()?.as_string()
    }

    async fn write_cache(&self, key: &str, value: &str, ttl_seconds: u64) {
        if let Some(host) = &self.host {
            // The cache is an optimisation: a failed write changes nothing.
            let _ = Self::settle(host.write_cache(key, value, ttl_seconds as f64)).await;
        }
    }

    async fn fetch(&self, url: &str, timeout_ms: u64, limit: usize) -> Document {
        let host = self.host.as_ref().ok_or_else(|| format!("{url}: no key host"))?;
        match Self::settle(host.fetch_document(url, timeout_ms as f64, limit as f64)).await {
            Ok(value) => {
                let fetched: Fetched = value.unchecked_into();
                Ok((fetched.status(), fetched.body().to_vec(), fetched.cache_control()))
            }
            Err(reason) => Err(reason.as_string().unwrap_or_else(|| format!("{url}: fetch failed"))),
        }
    }

    async fn wait(&self, ms: u64) {
        if let Some(host) = &self.host {
            let _ = Self::settle(host.wait(ms as f64)).await;
        }
    }

    fn now_ms(&self) -> u64 {
        if let Some(fixed) = self.now_ms {
            return fixed;
        }
        let now = self.host.as_ref().map_or_else(js_sys::Date::now, KeyHost::now);
        if now.is_finite() && now > 0.0 {
            now as u64
        } else {
            0
        }
    }

    /// The package logs nothing of its own: a failed fetch shows as the 503 it leads to.
    fn log(&self, _: &str, _: &KeyEvent) {}
}
