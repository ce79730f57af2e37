//! What the two JS hosts share (features `wasm` and `worker`): the loop that
//! carries out a [`Decision`]'s actions with the platform's I/O and crypto,
//! WebCrypto as a signature backend, and the keys a host's crypto imported.
//! The only room besides the two adapters (`wasm/`, `worker/`) that names
//! wasm-bindgen; nothing here decides anything.

pub(crate) mod imported;
pub(crate) mod webcrypto;

use std::cell::RefCell;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use crate::crypto::SignatureVerifier;
use crate::decision::{Action, Decision, Fetched, Gate, Input, Io as Asked, Verdict};
use crate::jwks::refresh::KeyEvent;
use crate::SignatureCheck;

/// A fetched document: `(status, body as read, Cache-Control)`, or why there is none.
pub(crate) type Document = Result<(u16, Vec<u8>, Option<String>), String>;

/// The platform's I/O, as a decision asks for it.
#[allow(async_fn_in_trait)]
pub(crate) trait Io {
    /// The shared cache's value for `key` (`None` also when the cache failed or there is none).
    async fn read_cache(&self, key: &str) -> Option<String>;
    /// Writes `value` under `key` for `ttl_seconds`; a failed write changes nothing.
    async fn write_cache(&self, key: &str, value: &str, ttl_seconds: u64);
    /// GETs `url` within `timeout_ms` for the headers and the body, reading at most `limit` bytes.
    async fn fetch(&self, url: &str, timeout_ms: u64, limit: usize) -> Document;
    /// Sleeps `ms` on this request's own timer.
    async fn wait(&self, ms: u64);
    /// The clock, in ms since the epoch.
    fn now_ms(&self) -> u64;
    /// Something worth logging about `issuer`'s keys.
    fn log(&self, issuer: &str, event: &KeyEvent);
}

/// The platform's signature backend.
#[allow(async_fn_in_trait)]
pub(crate) trait Crypto {
    /// Does `check` verify? `None` when this backend cannot take the key or
    /// algorithm (the validator's own backend then answers). `gate` holds the
    /// key sets, for a key not imported yet; no borrow of it is held across an await.
    async fn verify<V: SignatureVerifier>(&self, gate: &RefCell<Gate<V>>, check: SignatureCheck<'_>) -> Option<bool>;
}

/// Carries out `decision`'s actions until it is decided.
pub(crate) async fn drive<V: SignatureVerifier>(gate: &RefCell<Gate<V>>, decision: &mut Decision, host: &impl Io, crypto: &impl Crypto) -> Verdict {
    // What the last action produced, kept alive for the input that borrows it.
    let mut cached: Option<String>;
    let mut fetched: Document;
    let mut input = Input::Start;
    loop {
        let action = gate.borrow_mut().step(decision, input, host.now_ms());
        input = match action {
            Action::Verify(check) => Input::Verified(crypto.verify(gate, check).await),
            Action::Done(verdict) => {
                log_events(decision, host);
                return verdict;
            }
            Action::Io(asked) => {
                log_events(decision, host);
                match asked {
                    Asked::ReadCache { key } => {
                        cached = host.read_cache(&key).await;
                        Input::Cache(cached.as_deref())
                    }
                    Asked::WriteCache { key, value, ttl_seconds } => {
                        host.write_cache(&key, &value, ttl_seconds).await;
                        Input::Written
                    }
                    Asked::Fetch { url, timeout_ms, max_bytes } => {
                        fetched = host.fetch(&url, timeout_ms, max_bytes + 1).await;
                        Input::Fetched(match &fetched {
                            Ok((status, body, cache_control)) => Ok(Fetched { status: *status, body, cache_control: cache_control.as_deref() }),
                            Err(reason) => Err(reason.as_str()),
                        })
                    }
                    Asked::Wait { ms } => {
                        host.wait(ms).await;
                        Input::Waited
                    }
                }
            }
        };
    }
}

fn log_events(decision: &mut Decision, io: &impl Io) {
    if decision.events.is_empty() {
        return;
    }
    let issuer = decision.issuer().unwrap_or_default().to_owned();
    for event in decision.events.drain(..) {
        io.log(&issuer, &event);
    }
}

/// `work`'s value if it completes without waiting, else `wait(work)`.
///
/// Polling once with a no-op waker is sound because every future these hosts
/// await is a `JsFuture`, which takes the waker of its latest poll (the
/// executor's, from its second poll on) and keeps a result that arrived in
/// between. So a decision that waits on nothing (a remembered token with
/// fresh keys, a refusal, a synchronous backend) costs no promise, closure
/// or microtask.
pub(crate) fn settle<T, F: Future<Output = T>>(work: F, wait: impl FnOnce(std::pin::Pin<Box<F>>) -> T) -> T {
    let mut work = Box::pin(work);
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => wait(work),
    }
}
