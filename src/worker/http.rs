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

use crate::event_stream::EventStreamRewriter;
use crate::responses::Answer;

#[wasm_bindgen(module = "/src/worker/http.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn respond(status: u16, headers: Vec<String>, body: Option<String>) -> Result<Response, JsValue>;

    #[wasm_bindgen(js_name = fieldsOf)]
    fn fields_of_js(message: &JsValue, names: &str) -> String;

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

    #[wasm_bindgen(js_name = sleep)]
    fn sleep_js(ms: f64) -> Promise;

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

    #[wasm_bindgen(js_name = pipeEvents, catch)]
    fn pipe_events_js(response: &Response, rewriter: StreamRewriter, deadline_ms: Option<f64>, grace_ms: f64) -> Result<Response, JsValue>;

    #[wasm_bindgen(js_name = withBody, catch)]
    fn with_body_js(response: &Response, body: &[u8]) -> Result<Response, JsValue>;

    #[wasm_bindgen(js_name = withinLimit, catch)]
    fn within_limit_js(env: &JsValue, name: &str, key: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = varAsJson)]
    fn var_as_json_js(env: &JsValue, name: &str) -> Option<String>;

    #[wasm_bindgen(js_name = kvPut, catch)]
    fn kv_put_js(env: &JsValue, binding: &str, key: &str, value: &str, ttl_seconds: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = hasRateLimiter)]
    fn has_rate_limiter_js(env: &JsValue, name: &str) -> bool;
}

/// The core's [`EventStreamRewriter`] as the object http.js drives, chunk by chunk.
#[wasm_bindgen]
pub struct StreamRewriter(EventStreamRewriter);

#[wasm_bindgen]
impl StreamRewriter {
    /// The bytes to send for the origin's next chunk.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.0.push(chunk)
    }

    /// What is left when the origin's stream ends.
    pub fn finish(&mut self) -> Vec<u8> {
        self.0.finish()
    }

    /// The token expired: end at the next event boundary.
    #[wasm_bindgen(js_name = closeAtBoundary)]
    pub fn close_at_boundary(&mut self) {
        self.0.close_at_boundary();
    }

    /// True once the stream is to end.
    pub fn ended(&self) -> bool {
        self.0.ended()
    }
}

/// How long a stream may run past the token's expiry waiting for an event
/// boundary before it is cut anyway (an incomplete event is then dropped by
/// the client, HTML §9.2.6).
const GRACE_MS: f64 = 5_000.0;

/// `response` with its event stream passed through `rewriter`, ended at
/// `deadline_ms` (epoch milliseconds) at an event boundary when given.
pub(super) fn pipe_events(response: &Response, rewriter: EventStreamRewriter, deadline_ms: Option<u64>) -> worker::Result<Response> {
    Ok(pipe_events_js(response, StreamRewriter(rewriter), deadline_ms.map(|d| d as f64), GRACE_MS)?)
}

/// The whole body of `response` (an origin's JSON answer to a list request).
pub(super) async fn body_bytes(response: &Response) -> worker::Result<Vec<u8>> {
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// `response` with `body` in place of its own.
pub(super) fn with_body(response: &Response, body: &[u8]) -> worker::Result<Response> {
    Ok(with_body_js(response, body)?)
}

/// True if the Rate Limiting binding `name` lets a request counted as `key` through.
pub(super) async fn within_limit(env: &worker::Env, name: &str, key: &str) -> worker::Result<bool> {
    let value = JsFuture::from(within_limit_js(env.as_ref(), name, key)?).await?;
    Ok(value.as_bool().unwrap_or(false))
}

/// The var `name` as JSON text (a JSON var serialized), if it is set: one
/// parse, by serde_json, for both kinds.
pub(super) fn var_as_json(env: &worker::Env, name: &str) -> Option<String> {
    var_as_json_js(env.as_ref(), name)
}

/// Writes `value` under `key` in the KV namespace `binding`, to expire
/// after `ttl_seconds`; the error is the platform's message. (One call into
/// http.js rather than workers-rs's builder, whose value conversion brings
/// float formatting into the Worker's wasm.)
pub(super) async fn kv_put(env: &worker::Env, binding: &str, key: &str, value: &str, ttl_seconds: u64) -> Result<(), String> {
    let message = |e: JsValue| e.dyn_ref::<JsError>().map(|e| String::from(e.message())).unwrap_or_else(|| "KV put failed".into());
    let promise = kv_put_js(env.as_ref(), binding, key, value, ttl_seconds as f64).map_err(message)?;
    JsFuture::from(promise).await.map(drop).map_err(message)
}

/// True if `env` has a Rate Limiting binding called `name`.
pub(super) fn has_rate_limiter(env: &worker::Env, name: &str) -> bool {
    has_rate_limiter_js(env.as_ref(), name)
}

/// What the gateway reads of a request before its body, fetched in one call.
pub(super) struct RequestHead {
    pub method: String,
    /// Absolute: the runtime serialized it.
    pub url: String,
    pub origin: Option<String>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub session_id: Option<String>,
    pub connection: Option<String>,
}

/// The header fields of [`RequestHead`], in its order: what http.js's
/// `serve` reads of every request, once.
pub(super) const HEAD_FIELDS: &str = "origin\nauthorization\ncontent-type\ncontent-encoding\nmcp-session-id\nconnection";

/// The method, URL and the header fields the gateway reads (combined as
/// `Headers.get` combines repeated fields), from http.js's `requestHead`:
/// "\n"-separated, with "\0" for an absent field.
pub(super) fn request_head(text: &str) -> RequestHead {
    let mut fields = Fields(text.split('\n'));
    let (method, url) = (fields.text(), fields.text());
    RequestHead {
        method,
        url,
        origin: fields.next(),
        authorization: fields.next(),
        content_type: fields.next(),
        content_encoding: fields.next(),
        session_id: fields.next(),
        connection: fields.next(),
    }
}

/// What the gateway reads of the origin's response headers.
pub(super) struct ResponseHead {
    pub content_type: Option<String>,
    pub session_id: Option<String>,
}

/// The header fields of [`ResponseHead`], in its order.
const RESPONSE_FIELDS: &str = "content-type\nmcp-session-id";

/// The origin's response header fields the gateway reads, fetched in one call.
pub(super) fn response_head(response: &Response) -> ResponseHead {
    let text = fields_of_js(response, RESPONSE_FIELDS);
    let mut fields = Fields(text.split('\n'));
    ResponseHead { content_type: fields.next(), session_id: fields.next() }
}

/// Header fields as http.js's `fieldsOf` lists them: "\n"-separated, "\0" for an absent one.
struct Fields<'a>(std::str::Split<'a, char>);

impl Fields<'_> {
    fn next(&mut self) -> Option<String> {
        self.0.next().filter(|v| *v != "\0").map(str::to_owned)
    }

    fn text(&mut self) -> String {
        self.next().unwrap_or_default()
    }
}

/// Waits `ms` milliseconds on a timer of the request being handled (workerd
/// cancels a continuation resumed from another request's context). A
/// promise, not workers-rs's `Delay`: that keeps the waker of its first poll,
/// and the gateway's first poll has none (entry.rs).
pub(super) async fn sleep(ms: u64) {
    let _ = JsFuture::from(sleep_js(ms as f64)).await;
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

    /// Splits off the list-valued fields ([`crate::gateway::is_list_field`]):
    /// those are appended to what another response already says; the rest replace.
    pub(super) fn split_list_fields(fields: &[(&'static str, String)]) -> (HeaderList, HeaderList) {
        let (mut set, mut append) = (HeaderList::default(), HeaderList::default());
        for (name, value) in fields {
            let to = if crate::gateway::is_list_field(name) { &mut append } else { &mut set };
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

/// Sends `incoming` on to the origin as `out` says: a promise of what
/// [`received`] reads.
pub(super) fn send(incoming: &Request, out: Outgoing<'_>) -> worker::Result<Promise> {
    Ok(forward(
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
    )?)
}

/// What the promise from [`send`] resolved to.
pub(super) fn received(value: JsValue) -> Forwarded {
    if value.is_string() {
        return Forwarded::TimedOut;
    }
    match value.dyn_into::<Response>() {
        Ok(response) => Forwarded::Response(response),
        Err(e) => Forwarded::Unreachable(e.dyn_ref::<JsError>().map(|e| String::from(e.message())).unwrap_or_else(|| "fetch failed".into())),
    }
}
