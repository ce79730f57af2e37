//! Forwarding an authorized request to the origin MCP server.
//!
//! The body goes on as the bytes that were inspected, labelled
//! `application/json` with no content coding; the response comes back as a
//! stream (including `text/event-stream`), the client's token stays at the
//! gateway unless `forwardToken` is set, and the verified identity travels
//! in `X-MCP-Auth-*` headers — which a client can never set, because every
//! incoming one is dropped first, in any spelling — signed when a secret is
//! configured, over the request as the origin receives it (v2).

use serde_json::json;
use wasm_bindgen::JsValue;
use worker::js_sys::{Array, ArrayBuffer, Date, Promise, Set};
use worker::web_sys::{Request, Response};

use super::http::{self, Forwarded, HeaderList, Outgoing, RequestHead};
use super::url::Url;
use super::{Cors, GatewayWorker};
use crate::content::FORWARDED_CONTENT_TYPE;
use crate::gateway::{self, canonical_string, canonical_string_v2, identity_headers, sign, SignatureVersion, SignedRequest};
use crate::responses;
use crate::AuthInfo;

/// The lower-case names never forwarded, as the JS Set http.js takes: the
/// hop-by-hop ones, and `authorization` unless `forwardToken` is set. Built
/// once per isolate.
pub(super) fn dropped_headers(forward_token: bool) -> Set {
    let names: Array = gateway::dropped_fields(forward_token).map(wasm_bindgen::JsValue::from_str).collect();
    Set::new(&names)
}

/// Sends the request (`req`, read as `head`) on to `target` (from
/// [`target`]) with `body` (the buffer read and its bytes, for a POST): a
/// promise of the origin's answer, for [`received`]. `cors` goes on the
/// origin's response when the request came from a browser (it carried an
/// Origin).
pub(super) fn send(
    gw: &GatewayWorker,
    req: &Request,
    head: &RequestHead,
    target: &str,
    body: Option<(ArrayBuffer, Vec<u8>)>,
    info: &AuthInfo,
    cors: &Cors,
) -> worker::Result<Promise> {
    let from_browser = head.origin.is_some();
    let identity = identity_headers(info);
    let mut add = HeaderList::default();
    for (name, value) in &identity {
        add.set(name, value.as_str());
    }
    let (buffer, bytes) = body.unzip();
    if buffer.is_some() {
        add.set("Content-Type", FORWARDED_CONTENT_TYPE);
    }
    if let Some(secret) = &gw.secret {
        let timestamp = (Date::now() / 1000.0) as u64;
        // Signed as the origin will see it: the platform's normalization of the target.
        let target_url = Url::parse(target).ok_or_else(|| worker::Error::RustError("the origin URL for this request is not valid".into()))?;
        let path_and_query = format!("{}{}", target_url.pathname(), target_url.search());
        let method = &head.method;
        add.set(gateway::TIMESTAMP, timestamp.to_string());
        let signature = match gw.settings.identity_signature {
            SignatureVersion::V1 => sign(secret, &canonical_string(timestamp, method, &path_and_query, &identity)),
            SignatureVersion::V2 => {
                let request_id = http::request_id();
                let session_id = head.session_id.as_deref().unwrap_or_default();
                let signed = SignedRequest {
                    timestamp,
                    request_id: &request_id,
                    method,
                    path_and_query: &path_and_query,
                    content_type: if buffer.is_some() { FORWARDED_CONTENT_TYPE } else { "" },
                    body: bytes.as_deref().unwrap_or_default(),
                    session_id,
                };
                add.set(gateway::REQUEST_ID, request_id.as_str());
                sign(secret, &canonical_string_v2(&signed, &identity))
            }
        };
        add.set(gateway::SIGNATURE, signature);
    }

    let mut drop_also = head.connection.as_deref().map(gateway::connection_options).unwrap_or_default();
    if buffer.is_none() {
        // No body goes on, so no label for one: the origin sees what was signed.
        drop_also.push("content-type".to_owned());
    }
    // The origin's own CORS answer is kept where it lists things (its exposed
    // headers, e.g. Last-Event-ID for resumption); the gateway's policy on
    // who may read the response replaces its Allow-Origin.
    let (response_set, response_append) = if from_browser { HeaderList::split_list_fields(cors) } else { Default::default() };
    let out = Outgoing {
        target,
        body: buffer,
        drop: &gw.dropped_headers,
        drop_also,
        drop_prefixes: &gw.dropped_prefixes,
        add,
        timeout_ms: gw.settings.upstream_timeout_ms,
        // CORS headers are for browsers, which always send Origin on a
        // cross-origin request. Without one, the origin's response goes back
        // as it came, and the runtime streams its body straight through
        // instead of through a JS copy of the response (measured: ~7 % of the
        // Worker's CPU per request). Authorized responses are not
        // shared-cache material (RFC 9111 §3.5), so no Vary is needed.
        response_set,
        response_append,
    };
    http::send(req, out)
}

/// The response for what the promise from [`send`] resolved to: the
/// origin's, or the gateway's 502 or 504 (with `cors`).
pub(super) fn received(value: JsValue, cors: Cors) -> worker::Result<Response> {
    match http::received(value) {
        Forwarded::Response(response) => Ok(response),
        Forwarded::Unreachable(reason) => {
            worker::console_warn!("{}", json!({ "event": "upstream_error", "reason": reason }));
            http::answer(responses::upstream_failure(false, cors))
        }
        Forwarded::TimedOut => http::answer(responses::upstream_failure(true, cors)),
    }
}
