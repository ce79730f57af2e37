//! Responses, the forward to the origin and the decision log line, each
//! carried out by http.js in one call.
//!
//! Through workers-rs types, a forwarded request cost a wasm↔JS crossing for
//! every header read and written (twice: request and response), for every
//! `RequestInit`/`ResponseInit` field, and a conversion of the request and the
//! response each way; measured with a CPU profile of the Worker under load,
//! that plumbing was a larger share of its time than the token check. Rust
//! still decides every name and value; JavaScript only assembles them.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{ArrayBuffer, Error as JsError, Promise, Uint8Array};
use worker::web_sys::{Request, Response};

use crate::responses::Answer;

#[wasm_bindgen(module = "/src/worker/http.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn respond(status: u16, headers: Vec<String>, body: Option<String>) -> Result<Response, JsValue>;

    #[wasm_bindgen(js_name = logAfterResponse)]
    fn log_after_response_js(ctx: &JsValue, line: &str);

    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(catch)]
    fn forward(
        request: &Request,
        target: &str,
        body: Option<ArrayBuffer>,
        drop: &JsValue,
        drop_also: Vec<String>,
        drop_prefixes: &JsValue,
        add: Vec<String>,
        timeout_ms: f64,
        response_set: Vec<String>,
        response_append: Vec<String>,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = readUpTo, catch)]
    fn read_up_to_js(message: &JsValue, limit: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = fetchDocument, catch)]
    fn fetch_document_js(url: &str, timeout_ms: f64, limit: f64) -> Result<Promise, JsValue>;

    /// The result of fetchDocument: `{status, body, cacheControl}`.
    type Document;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Document) -> u16;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Document) -> ArrayBuffer;
    #[wasm_bindgen(method, getter, js_name = cacheControl)]
    fn cache_control(this: &Document) -> Option<String>;

    #[wasm_bindgen(js_name = requestId)]
    fn request_id_js() -> String;
}

/// At most the first `limit` bytes of a request's body, read as a counted
/// stream (the rest is never read), whatever `Content-Length` claimed: a
/// hostile body costs at most `limit` bytes of memory. Whoever asked decides
/// what more than they allow means.
pub(super) async fn read_up_to(request: &Request, limit: usize) -> worker::Result<ArrayBuffer> {
    Ok(JsFuture::from(read_up_to_js(request, limit as f64)?).await?.unchecked_into::<ArrayBuffer>())
}

/// GETs `url` within `timeout_ms` for the headers and the body, reading at
/// most `limit` bytes of the body: `(status, body, Cache-Control)`, or why not.
pub(super) async fn fetch_document(url: &str, timeout_ms: u64, limit: usize) -> Result<(u16, Vec<u8>, Option<String>), String> {
    let reason = |e: JsValue| e.dyn_ref::<JsError>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{url}: fetch failed"));
    let promise = fetch_document_js(url, timeout_ms as f64, limit as f64).map_err(reason)?;
    let document = JsFuture::from(promise).await.map_err(reason)?.unchecked_into::<Document>();
    Ok((document.status(), Uint8Array::new(&document.body()).to_vec(), document.cache_control()))
}

/// A fresh request id (a random UUID from the platform's CSPRNG) for the v2 identity signature.
pub(super) fn request_id() -> String {
    request_id_js()
}

/// Writes `line` to the log (`console.info`: the decision log is
/// informational, and tools that sort logs by level treat it so) after the
/// response has gone back, within the request's lifetime (`waitUntil`).
pub(super) fn log_after_response(ctx: &worker::Context, line: &str) {
    let ctx: &worker::worker_sys::Context = ctx.as_ref();
    log_after_response_js(ctx, line);
}

/// Response headers, in order; setting a name again replaces its value.
#[derive(Default, Clone)]
pub(super) struct HeaderList(Vec<String>);

impl HeaderList {
    pub(super) fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.0.chunks_exact(2).position(|pair| pair[0].eq_ignore_ascii_case(name)) {
            Some(i) => self.0[2 * i + 1] = value,
            None => self.0.extend([name.to_owned(), value]),
        }
        self
    }

    /// Splits off the list-valued fields (RFC 9110 §5.3: their values combine
    /// with a comma): those are appended to what another response already
    /// says, so an origin's own `Access-Control-Expose-Headers` or `Vary`
    /// survives; the rest replace.
    pub(super) fn split_list_fields(fields: &[(&'static str, String)]) -> (HeaderList, HeaderList) {
        const LISTS: [&str; 2] = ["Vary", "Access-Control-Expose-Headers"];
        let (mut set, mut append) = (HeaderList::default(), HeaderList::default());
        for (name, value) in fields {
            let to = if LISTS.iter().any(|l| l.eq_ignore_ascii_case(name)) { &mut append } else { &mut set };
            to.0.extend([(*name).to_owned(), value.clone()]);
        }
        (set, append)
    }
}

/// The platform's response for one of the gateway's own answers.
pub(super) fn answer(answer: Answer) -> worker::Result<Response> {
    let headers = answer.headers.into_iter().flat_map(|(name, value)| [name.to_owned(), value]).collect();
    Ok(respond(answer.status, headers, answer.body)?)
}

/// What the origin did with a forwarded request.
pub(super) enum Forwarded {
    Response(Response),
    /// No response within the timeout; the request was aborted.
    TimedOut,
    /// The origin could not be reached; the reason is for the log only.
    Unreachable(String),
}

/// The request to the origin, as the gateway decided it.
pub(super) struct Outgoing<'a> {
    pub target: &'a str,
    pub body: Option<ArrayBuffer>,
    /// Lower-case names never forwarded (a JS Set built once per isolate).
    pub drop: &'a JsValue,
    /// Lower-case names not forwarded this time (the `Connection` header's options).
    pub drop_also: Vec<String>,
    /// Lower-case prefixes of names never forwarded (a JS array built once per isolate).
    pub drop_prefixes: &'a JsValue,
    pub add: HeaderList,
    pub timeout_ms: u64,
    /// Set on the origin's response, replacing what it says.
    pub response_set: HeaderList,
    /// Added to the origin's response after what it says (list-valued fields).
    pub response_append: HeaderList,
}

/// Sends `incoming` on to the origin as `out` says.
pub(super) async fn send(incoming: &Request, out: Outgoing<'_>) -> worker::Result<Forwarded> {
    let promise = forward(
        incoming,
        out.target,
        out.body,
        out.drop,
        out.drop_also,
        out.drop_prefixes,
        out.add.0,
        out.timeout_ms as f64,
        out.response_set.0,
        out.response_append.0,
    )?;
    Ok(match JsFuture::from(promise).await {
        Ok(value) => match value.dyn_into::<Response>() {
            Ok(response) => Forwarded::Response(response),
            Err(_) => Forwarded::TimedOut,
        },
        Err(e) => Forwarded::Unreachable(e.dyn_ref::<JsError>().map(|e| String::from(e.message())).unwrap_or_else(|| "fetch failed".into())),
    })
}
