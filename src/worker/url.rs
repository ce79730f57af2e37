//! URLs parsed by the platform: workerd's own WHATWG URL parser, the one its
//! `fetch` uses, so the origin URL the gateway signs is the URL `fetch` sends
//! (the core's `url` crate has no IDNA tables and refuses names workerd maps).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A parsed absolute URL (WHATWG URL Standard, the `URL` class).
    #[wasm_bindgen(js_name = URL)]
    pub(super) type Url;

    #[wasm_bindgen(constructor, js_class = URL, catch)]
    fn construct(url: &str) -> Result<Url, JsValue>;

    /// The scheme with its colon: `"https:"`.
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn protocol(this: &Url) -> String;

    /// The host and, unless it is the scheme's default, the port (`"mcp.example.com:8443"`).
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn host(this: &Url) -> String;

    /// The host without the port (`"[::1]"` for IPv6); `""` if none.
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn hostname(this: &Url) -> String;

    /// The path, percent-encoded, starting with `/` for http(s).
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn pathname(this: &Url) -> String;

    /// `"?"` and the query, or `""` when there is none (or it is empty).
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn search(this: &Url) -> String;

    /// The ASCII serialization of the origin (RFC 6454 §6.2): scheme, host, port.
    #[wasm_bindgen(method, getter, js_class = URL)]
    pub(super) fn origin(this: &Url) -> String;
}

impl Url {
    /// Parses an absolute URL; `None` if it is not one.
    pub(super) fn parse(url: &str) -> Option<Url> {
        Url::construct(url).ok()
    }

    /// The scheme without its colon.
    pub(super) fn scheme(&self) -> String {
        self.protocol().trim_end_matches(':').to_owned()
    }
}
