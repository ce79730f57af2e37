//! The Worker's entry points, called by http.js's `serve` (the module's
//! `fetch`, written by scripts/build-worker.sh).
//!
//! A request is decided by one Rust future per step ([`handle`], then
//! [`Sending::arrived`]), and each is polled once before anything of
//! wasm-bindgen's executor is made: when nothing it awaits is pending — a
//! token from the verified-token cache with fresh keys, a refusal, the
//! metadata — the step's value goes straight back to JavaScript, and no
//! promise, closure or microtask is spent on it. Only a step that waits
//! (a key fetch, a WebCrypto verification, KV, a rate limiter) becomes a
//! promise. The origin's answer is awaited by http.js, not by a Rust future:
//! a forward in flight goes back as a [`Sending`], handed the answer when it
//! arrives.
//!
//! Polling once with a no-op waker is sound ([`crate::host::settle`]):
//! workers-rs's `Delay`, which keeps its first waker, is not used (http.rs
//! `sleep`).

use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use worker::js_sys::{ArrayBuffer, Promise};
use worker::web_sys::Request;
use worker::{Context, Env};

use super::{gateway, http, Exchange, Forward, GatewayWorker, Outcome, Step};
use crate::responses;

/// The header fields http.js reads of every request, in the order [`handle`] takes them.
#[wasm_bindgen(js_name = headFields)]
pub fn head_fields() -> String {
    http::HEAD_FIELDS.to_owned()
}

/// Decides a request, read by http.js as `head` (its method, URL and the
/// fields of [`head_fields`], as UTF-8 bytes from `TextEncoder`: a string
/// argument is copied in by wasm-bindgen one UTF-16 unit at a time, some 2 µs
/// for a head that carries a token): the response, a number (read at most
/// that many bytes of the body, then call again with them as `body`), a
/// [`Sending`], or a promise of one of those. `started` is when it arrived
/// (epoch ms).
#[wasm_bindgen]
pub fn handle(head: &[u8], request: Request, env: Env, ctx: worker::worker_sys::Context, started: f64, body: Option<ArrayBuffer>) -> Result<JsValue, JsValue> {
    let gw = match gateway(&env) {
        Ok(gw) => gw,
        // Never an open gate: a bad configuration refuses everything, naming the field.
        Err(e) => return Ok(http::answer(responses::config_error(&e.field, &e.to_string()))?.into()),
    };
    let head = http::request_head(&String::from_utf8_lossy(head));
    let exchange = Exchange { ctx: Context::new(ctx), started: started as u64 };
    settle(async move {
        let step = gw.handle(&head, &request, &env, body).await.unwrap_or_else(|e| Step::Done(internal(e)));
        Ok(match step {
            Step::ReadBody(limit) => JsValue::from_f64(limit as f64),
            Step::Sent(forward) => Sending { gw, env, exchange, forward }.into(),
            Step::Done(outcome) => gw.respond(outcome, &exchange)?.into(),
        })
    })
}

/// A request on its way to the origin.
#[wasm_bindgen]
pub struct Sending {
    gw: Rc<GatewayWorker>,
    env: Env,
    exchange: Exchange,
    forward: Box<Forward>,
}

#[wasm_bindgen]
impl Sending {
    /// Resolves to what the origin answered (http.js `forward`: a Response,
    /// "timeout" or an Error; it never rejects).
    #[wasm_bindgen(getter)]
    pub fn response(&self) -> Promise {
        self.forward.response.clone()
    }

    /// The response for what [`Sending::response`] resolved to, or a promise of it.
    pub fn arrived(self, value: JsValue) -> Result<JsValue, JsValue> {
        let Sending { gw, env, exchange, forward } = self;
        settle(async move {
            let outcome = gw.arrive(&env, forward, value).await.unwrap_or_else(internal);
            Ok(gw.respond(outcome, &exchange)?.into())
        })
    }
}

/// An error of the Worker's own: logged, answered as a JSON 500.
fn internal(e: worker::Error) -> Outcome {
    Outcome::Internal { reason: e.to_string(), cors: Vec::new() }
}

/// `work`'s value if it completes without waiting, else a promise of it.
fn settle(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Result<JsValue, JsValue> {
    crate::host::settle(work, |work| Ok(future_to_promise(work).into()))
}
