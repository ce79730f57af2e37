//! The JS-facing API (feature `wasm`), used by the npm package's TypeScript
//! wrapper. Values cross the boundary as JSON text: one well-tested encoder on
//! each side, and errors arrive as data (`{status, error, code, …}`), never as
//! exceptions, except configuration errors, which are thrown once at start-up
//! as JSON `{field, message}`.
//!
//! - `validator.rs`: [`validator::WasmValidator`], a gate whose decisions are
//!   driven here ([`crate::host::drive`]) with the wrapper's key host
//!   (`key_host.rs`) and the chosen signature backend (`node.rs`, WebCrypto, Rust).
//! - `lists.rs`: list answers filtered by the token that asked.
//! - `doctor.rs`: a `doctor` run, probe by probe.
//! - `signatures.rs`: one detached signature by each backend (primitive vectors);
//!   `config.rs`: a gateway config checked as the Worker will.

mod config;
mod doctor;
mod key_host;
mod lists;
mod node;
mod signatures;
mod validator;

use crate::crypto::SignatureVerifier;
use crate::decision::{Gate, Verdict};
use crate::responses;
use crate::Refusal;
use wasm_bindgen::JsValue;

/// A configuration error as the wrapper throws it: `{field, message}` JSON.
pub(crate) fn config_error(e: crate::ConfigError) -> JsValue {
    JsValue::from_str(&serde_json::json!({ "field": e.field, "message": e.to_string() }).to_string())
}

/// A decision for the wrapper, as JSON text. A refusal is the refusal
/// object. An acceptance is an array of what the wrapper cannot read from the
/// token itself — `[tokenStart, tokenEnd, expiresAt, validFrom, validUntil,
/// clientId, subject, issuer, audience, scopes]` — where `tokenStart..tokenEnd`
/// locates the token in `input` and `[validFrom, validUntil)` is the window
/// of whole seconds within which the wrapper may reuse the acceptance
/// ([`Gate::acceptance_window`]); the claims the wrapper decodes from the
/// token's payload when asked for them. No `claims` object crosses per call.
pub(crate) fn result_json<V: SignatureVerifier>(gate: &Gate<V>, input: Option<&str>, verdict: Verdict) -> String {
    match verdict {
        Ok(accepted) => {
            let info = accepted.info();
            let (start, end) = input.map_or((0, 0), |i| crate::bearer::token_span(i, &info.token));
            let (from, until) = gate.acceptance_window(&accepted);
            serde_json::to_string(&(start, end, info.expires_at, from, until, &info.client_id, &info.subject, &info.issuer, &info.audience, &info.scopes))
                .unwrap_or_default()
        }
        Err(refusal) => refusal_json(&refusal).to_string(),
    }
}

/// The refusal object, with `answer`: the HTTP response the package sends
/// for it (`{status, headers, body}`, [`crate::responses::refusal`]; any
/// origin may read it, as the package has no origin allowlist).
pub(crate) fn refusal_json(refusal: &Refusal) -> serde_json::Value {
    let mut json = refusal.to_json();
    json["answer"] = responses::refusal(refusal, responses::cors(&[], None)).to_json();
    json
}

/// An `Authorization` value as the wrapper passes it: UTF-8 bytes, encoded
/// at once by `TextEncoder.encodeInto`, where a string argument would be
/// copied in by wasm-bindgen one UTF-16 unit at a time (about 3 ns each, some
/// 2 µs for a token, paid on every call that reads it). A byte that is not
/// UTF-8 becomes U+FFFD, which no bearer token holds (RFC 6750 §2.1
/// `b64token`): such a value is refused like any other malformed one.
pub(crate) fn header_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Times before 1970 or non-finite clocks are clamped; the JS side passes Date.now() / 1000.
pub(crate) fn seconds(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}
