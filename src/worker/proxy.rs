//! Forwarding an authorized request to the origin MCP server.
//!
//! The body goes on unchanged, the response comes back as a stream
//! (including `text/event-stream`), the client's token stays at the gateway
//! unless `forwardToken` is set, and the verified identity travels in
//! `X-MCP-Auth-*` headers — which a client can never set, because every
//! incoming one is dropped first — signed when a secret is configured.

use std::time::Duration;

use futures_util::future::{select, Either};
use serde_json::json;
use worker::js_sys::Uint8Array;
use worker::{AbortController, Date, Delay, Fetch, Headers, Request, RequestInit, RequestRedirect, Response, Result};

use super::url::Url;
use super::{json_response, Gateway};
use crate::gateway::{self, canonical_string, identity_headers, sign};
use crate::AuthInfo;

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus ones fetch sets itself.
const HOP_BY_HOP: [&str; 10] =
    ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"];

/// Sends the request for `path` (under the resource) with `search` (`""` or
/// `"?…"`) on to the origin.
pub(super) async fn forward(gw: &Gateway, req: &Request, path: &str, search: &str, body: Option<Vec<u8>>, info: &AuthInfo, cors: &Headers) -> Result<Response> {
    let suffix = &path[gw.resource_path.len().min(path.len())..];
    let mut target = format!("{}{}", gw.upstream.trim_end_matches('/'), suffix);
    if gw.upstream.ends_with('/') && suffix.is_empty() {
        target.push('/');
    }
    target.push_str(search);

    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        let lower = name.to_ascii_lowercase();
        if HOP_BY_HOP.contains(&lower.as_str()) || gateway::is_identity_header(&lower) || (lower == "authorization" && !gw.settings.forward_token) {
            continue;
        }
        headers.append(&name, &value)?;
    }
    let identity = identity_headers(info);
    for (name, value) in &identity {
        headers.set(name, value)?;
    }
    if let Some(secret) = &gw.secret {
        let timestamp = Date::now().as_millis() / 1000;
        // Signed as the origin will see it: the platform's normalization of the target.
        let target_url = Url::parse(&target).ok_or_else(|| worker::Error::RustError("the origin URL for this request is not valid".into()))?;
        let path_and_query = format!("{}{}", target_url.pathname(), target_url.search());
        let method = req.method().to_string();
        headers.set(gateway::TIMESTAMP, &timestamp.to_string())?;
        headers.set(gateway::SIGNATURE, &sign(secret, &canonical_string(timestamp, &method, &path_and_query, &identity)))?;
    }

    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers).with_redirect(RequestRedirect::Manual);
    if let Some(b) = body {
        init.with_body(Some(Uint8Array::from(b.as_slice()).into()));
    }
    let upstream = Request::new_with_init(&target, &init)?;

    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(upstream);
    let send = fetch.send_with_signal(&signal);
    let delay = Delay::from(Duration::from_millis(gw.settings.upstream_timeout_ms));
    futures_util::pin_mut!(send, delay);
    match select(send, delay).await {
        Either::Left((Ok(response), _)) => {
            // Copy the headers (a fetched response's are immutable) and keep the body a stream.
            let out = Headers::new();
            for (name, value) in response.headers().entries() {
                out.append(&name, &value)?;
            }
            for (name, value) in cors.entries() {
                out.set(&name, &value)?;
            }
            Ok(response.with_headers(out))
        }
        Either::Left((Err(e), _)) => {
            worker::console_warn!("{}", json!({ "event": "upstream_error", "reason": e.to_string() }));
            json_response(502, &json!({ "error": "upstream_unavailable", "error_description": "The MCP server could not be reached" }), cors)
        }
        Either::Right(_) => {
            controller.abort();
            json_response(504, &json!({ "error": "upstream_timeout", "error_description": "The MCP server did not answer in time" }), cors)
        }
    }
}
