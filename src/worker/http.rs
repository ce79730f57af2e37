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
use worker::js_sys::{ArrayBuffer, Error as JsError, Promise};
use worker::web_sys::{Request, Response};

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

    #[wasm_bindgen(js_name = readBody, catch)]
    fn read_body_js(request: &Request, max_bytes: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = requestId)]
    fn request_id_js() -> String;
}

/// The request's body, read as a counted stream: `None` as soon as more than
/// `max_bytes` arrived (the rest is never read), whatever `Content-Length`
/// claimed, so a hostile body costs at most `max_bytes` of memory.
pub(super) async fn read_body(request: &Request, max_bytes: usize) -> worker::Result<Option<ArrayBuffer>> {
    let value = JsFuture::from(read_body_js(request, max_bytes as f64)?).await?;
    Ok(value.dyn_into::<ArrayBuffer>().ok())
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

    pub(super) fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Splits off the list-valued fields (RFC 9110 §5.3: their values combine
    /// with a comma): those are appended to what another response already
    /// says, so an origin's own `Access-Control-Expose-Headers` or `Vary`
    /// survives; the rest replace.
    pub(super) fn split_list_fields(self) -> (HeaderList, HeaderList) {
        const LISTS: [&str; 2] = ["Vary", "Access-Control-Expose-Headers"];
        let (mut set, mut append) = (HeaderList::default(), HeaderList::default());
        for pair in self.0.chunks_exact(2) {
            let to = if LISTS.iter().any(|l| l.eq_ignore_ascii_case(&pair[0])) { &mut append } else { &mut set };
            to.0.extend([pair[0].clone(), pair[1].clone()]);
        }
        (set, append)
    }
}

/// A response with `status`, `headers` and `body` (none for 204 and HEAD).
pub(super) fn response(status: u16, headers: HeaderList, body: Option<String>) -> worker::Result<Response> {
    Ok(respond(status, headers.0, body)?)
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
