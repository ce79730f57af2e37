//! The Cloudflare Worker gateway (feature `worker`): validates at the edge,
//! answers the RFC 9728 metadata, caches key sets in Workers KV, and forwards
//! authorized requests to the origin MCP server.
//!
//! The entry (entry.rs, driven by http.js's `serve`) checks the transport,
//! picks a [`Route`], calls the core, and turns every [`Outcome`] into a
//! response and a log line in one place ([`GatewayWorker::respond`]);
//! internal errors never reach the client as details.

mod entry;
mod http;
mod key_store;
mod proxy;
mod session_store;
mod url;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use worker::js_sys::{self, ArrayBuffer, Promise, Uint8Array};
use worker::web_sys::{Request, Response};
use worker::{console_error, Context, Env, Result};

use crate::body_gate::BodyGate;
use crate::content;
use crate::crypto::NoSyncVerifier;
use crate::decision::{Decision, Gate, Verdict};
use crate::event_stream::EventStreamRewriter;
use crate::gateway::{self, sessions, GatewaySettings, RequestRefusal, Route, TransportRefusal};
use crate::host::webcrypto::WebCrypto;
use crate::list_filter::ListFilter;
use crate::mcp::Operation;
use crate::responses::{self, Answer};
use crate::token_cache::Accepted;
use crate::{AuthError, AuthInfo, ConfigError, Refusal, Validator};

/// The Worker's gate: WebCrypto answers every signature check, so no
/// pure-Rust signature arithmetic is linked in (the bundle's size).
pub(crate) type GatewayGate = Gate<NoSyncVerifier>;

/// Everything derived from the Worker's configuration, built once per isolate.
pub(crate) struct GatewayWorker {
    /// The validator and key refresh every decision is stepped against.
    gate: RefCell<GatewayGate>,
    settings: GatewaySettings,
    upstream: String,
    /// The resource's host and port, as `Host` must name it (unless `allowedHosts` lists another).
    resource_authority: String,
    /// What each request is (gateway/routes.rs).
    routes: gateway::Routes,
    secret: Option<Vec<u8>>,
    /// The Worker has the KV binding (its bindings are fixed for the isolate's life).
    has_kv: bool,
    /// Who each session belongs to (`bindSessions`).
    sessions: session_store::SessionStore,
    /// The request headers never forwarded (proxy.rs), as a JS Set for http.js.
    dropped_headers: js_sys::Set,
    /// Prefixes of request header names never forwarded, as a JS array for http.js.
    dropped_prefixes: js_sys::Array,
    /// Signatures are checked by the platform's WebCrypto; keys are imported once per key-set load.
    crypto: WebCrypto,
}

thread_local! {
    static GATEWAY: RefCell<Option<std::result::Result<Rc<GatewayWorker>, ConfigError>>> = const { RefCell::new(None) };
}

/// Reads `MCP_AUTH` (a TOML table, which wrangler passes as an object, or the
/// same as JSON text), `UPSTREAM_URL` and the optional HMAC secret.
fn load(env: &Env) -> std::result::Result<GatewayWorker, ConfigError> {
    // A text var holds JSON; a TOML table arrives as an object, handed over as its JSON text.
    let text = http::var_as_json(env, "MCP_AUTH").ok_or_else(|| ConfigError::new("MCP_AUTH", "is not set: add it under [vars] in wrangler.toml"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| ConfigError::new("MCP_AUTH", format!("is not valid JSON: {e}")))?;
    let (policy, settings) = gateway::split_config(value)?;
    let upstream = env.var("UPSTREAM_URL").map(|v| v.to_string()).map_err(|_| ConfigError::new("UPSTREAM_URL", "is not set: the origin MCP server's URL"))?;
    let parsed = url::Url::parse(&upstream);
    gateway::settings::check_upstream(
        &upstream,
        &parsed.as_ref().map(|u| u.scheme()).unwrap_or_default(),
        &parsed.as_ref().map(|u| u.hostname()).unwrap_or_default(),
    )?;
    for (i, rule) in settings.rate_limits.iter().enumerate() {
        if !http::has_rate_limiter(env, &rule.binding) {
            return Err(ConfigError::new(
                format!("rateLimits[{i}].binding"),
                "names no Rate Limiting binding of this Worker: add it under [[ratelimits]] in wrangler.toml",
            ));
        }
    }
    if settings.bind_sessions && env.kv(key_store::KV_BINDING).is_err() {
        worker::console_warn!(
            "{}",
            json!({ "event": "config_warning", "field": "bindSessions", "message": "no JWKS_CACHE KV namespace: session bindings are kept per isolate, so a session may be refused (404) on another isolate and the client starts a new one" })
        );
    }
    let secret = env.secret("MCP_AUTH_HMAC_SECRET").ok().map(|s| s.to_string().into_bytes()).filter(|s| !s.is_empty());
    let resource = url::Url::parse(&policy.resource).ok_or_else(|| ConfigError::new("resource", "is not a URL"))?;
    let resource_authority = resource.host();
    let routes = gateway::Routes::new(&policy);
    let has_kv = env.kv(key_store::KV_BINDING).is_ok();
    let gate = RefCell::new(Gate::with_key_refresh(Validator::with_verifier(policy, NoSyncVerifier), settings.key_refresh, has_kv));
    let dropped_headers = proxy::dropped_headers(settings.forward_token);
    let dropped_prefixes = gateway::dropped_prefixes(settings.trust_forwarded_headers).iter().map(|p| wasm_bindgen::JsValue::from_str(p)).collect();
    Ok(GatewayWorker {
        gate,
        settings,
        upstream,
        resource_authority,
        routes,
        secret,
        has_kv,
        sessions: session_store::SessionStore::default(),
        dropped_headers,
        dropped_prefixes,
        crypto: WebCrypto::default(),
    })
}

/// The gateway of this isolate, loaded on its first request.
fn gateway(env: &Env) -> std::result::Result<Rc<GatewayWorker>, ConfigError> {
    GATEWAY.with(|g| {
        let mut slot = g.borrow_mut();
        if let Some(existing) = slot.as_ref() {
            return existing.clone();
        }
        let loaded = load(env).map(Rc::new);
        if let Err(e) = &loaded {
            console_error!("{}", json!({ "event": "config_error", "field": e.field, "message": e.to_string() }));
        }
        *slot = Some(loaded.clone());
        loaded
    })
}

/// Milliseconds since the epoch, from the platform clock.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The request being answered: its context, for work after the response,
/// and when it arrived, for the log line's duration.
struct Exchange {
    ctx: Context,
    started: u64,
}

/// How far [`GatewayWorker::handle`] got.
enum Step {
    /// The request ended here.
    Done(Outcome),
    /// The body is needed: read at most this many bytes of it, then handle the request again with them.
    ReadBody(usize),
    /// Authorized and on its way to the origin.
    Sent(Box<Forward>),
}

/// A request sent on to the origin, and what its answer still needs.
struct Forward {
    /// http.js's `forward`: resolves to the origin's response, "timeout" or an Error.
    response: Promise,
    accepted: Arc<Accepted>,
    tool: Option<String>,
    method: String,
    /// The session the request named.
    session: Option<String>,
    filter: Option<ListFilter>,
    cors: Cors,
    now: u64,
}

/// How a request ended.
enum Outcome {
    /// The gateway's own answer, not a decision (metadata, preflight, 404).
    Answer(Answer),
    /// `Host` or `Origin` refused, before anything else.
    Transport(TransportRefusal),
    /// A decision refused the request.
    Refused { refusal: Refusal, issuer: Option<String>, tool: Option<String>, cors: Cors },
    /// The token was accepted but the request is refused for what it does (a session, a rate limit).
    RequestRefused { refusal: RequestRefusal, stranger: bool, accepted: Arc<Accepted>, tool: Option<String>, session: Option<String>, cors: Cors },
    /// Authorized: the origin's response, or the gateway's 502/504 for it.
    Forwarded { response: Response, accepted: Arc<Accepted>, tool: Option<String>, session: Option<String> },
    /// Something failed inside the Worker; the reason goes to the log only.
    Internal { reason: String, cors: Cors },
}

/// CORS header fields for an answer.
type Cors = Vec<(&'static str, String)>;

/// The decision log line: one per decision, never the token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionLine<'a> {
    event: &'static str,
    status: u16,
    code: Option<&'a str>,
    issuer: Option<&'a str>,
    subject: Option<&'a str>,
    client_id: Option<&'a str>,
    tool: Option<&'a str>,
    /// The session (the start of its id's SHA-256; never the id), when the request names or starts one.
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
    /// `forwarded`, `refused`, `answered` (the gateway's own answer) or `error`.
    outcome: &'static str,
    /// Why a session was refused: `another identity` or `not recorded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
    /// For a verified caller refused for what it asked: the scopes the request needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    needed_scopes: Option<&'a [String]>,
    duration_ms: u64,
}

/// The first tool, prompt, resource or method a body names, for the decision log (bounded).
fn operation_name(operations: &std::result::Result<Vec<Operation>, AuthError>) -> Option<String> {
    operations.as_ref().ok()?.iter().find_map(|op| match op {
        Operation::Tool(n) | Operation::Prompt(n) | Operation::Resource(n) | Operation::Method(n) => Some(n.chars().take(64).collect()),
        Operation::Response => None,
    })
}

impl GatewayWorker {
    /// Decides the request read as `head`, as far as it can go before the
    /// origin answers. `body` is what was read of a POST body, once a
    /// [`Step::ReadBody`] asked for it (everything before is decided again,
    /// from the same head, the same way).
    async fn handle(&self, head: &http::RequestHead, req: &Request, env: &Env, body: Option<ArrayBuffer>) -> Result<Step> {
        // The runtime hands over an absolute URL it serialized itself.
        let (url, method, origin) = (&head.url, &head.method, &head.origin);
        let (path, search) = gateway::path_and_search(url).ok_or_else(|| worker::Error::RustError("request URL is not absolute".into()))?;

        // MCP transport security, before anything else: the request's Host
        // must name this server (DNS rebinding), a browser's Origin must be
        // allowed when a list is configured.
        let authority = gateway::authority(url).unwrap_or("");
        if let Err(refusal) = gateway::check_transport(&self.settings, &self.resource_authority, authority, origin.as_deref()) {
            return Ok(Step::Done(Outcome::Transport(refusal)));
        }
        let cors = responses::cors(&self.settings.allowed_origins, origin.as_deref());
        let route = self.routes.route(method, path);
        let answer = match route {
            Route::Preflight => responses::preflight(cors),
            Route::Metadata => responses::metadata(self.gate.borrow().validator().policy(), method, cors),
            Route::NotFound => responses::not_found(cors),
            Route::Protected => return self.protected(head, req, env, body, (path, search), cors).await,
        };
        Ok(Step::Done(Outcome::Answer(answer)))
    }

    /// A request to the resource: the token, then the origin.
    async fn protected(
        &self,
        head: &http::RequestHead,
        req: &Request,
        env: &Env,
        body: Option<ArrayBuffer>,
        (path, search): (&str, &str),
        cors: Cors,
    ) -> Result<Step> {
        let method = &head.method;

        // Credentials, then the body's one meaning, then a counted read
        // (src/body_gate.rs); a POST body is inspected and forwarded byte for
        // byte as `application/json`.
        let authorization = &head.authorization;
        let gate = self.gate.borrow().validator().body_gate(method, authorization.as_deref(), head.content_type.as_deref(), head.content_encoding.as_deref());
        let mut inspected = None;
        let operations = match (gate, body) {
            (BodyGate::Refused(refusal), _) => return Ok(Step::Done(Outcome::Refused { refusal, issuer: None, tool: None, cors })),
            (BodyGate::Decide(operations), _) => operations,
            // Read by the host (http.js readUpTo: counted, the rest never read).
            (BodyGate::Read { limit }, None) => return Ok(Step::ReadBody(limit)),
            (BodyGate::Read { .. }, Some(buffer)) => {
                let bytes = Uint8Array::new(&buffer).to_vec();
                let read = self.gate.borrow().validator().read_body(&bytes);
                match read {
                    Err(refusal) => return Ok(Step::Done(Outcome::Refused { refusal, issuer: None, tool: None, cors })),
                    Ok(operations) => {
                        inspected = Some((buffer, bytes));
                        operations
                    }
                }
            }
        };
        let tool = operation_name(&operations);
        let mut decision = Decision::new(authorization.as_deref(), operations);
        let verdict = self.decide(env, &mut decision).await;
        let operations = decision.operations();
        Ok(match verdict {
            Ok(accepted) => {
                let info = &accepted.info;
                let session = &head.session_id;
                let now = now_ms() / 1000;
                if let Err((refusal, stranger)) = self.request_checks(env, operations, session.as_deref(), info, now).await? {
                    let session = session.as_deref().map(sessions::log_name);
                    return Ok(Step::Done(Outcome::RequestRefused { refusal, stranger, accepted, tool, session, cors }));
                }
                let filter = match (&inspected, self.settings.filter_lists && lists_requested(operations)) {
                    (Some((_, bytes)), true) => {
                        let gate = self.gate.borrow();
                        ListFilter::new(gate.validator().policy(), accepted.held().to_vec(), bytes)
                    }
                    _ => None,
                };
                let target = self.routes.target(&self.upstream, path, search);
                let response = proxy::send(self, req, head, &target, inspected, info, &cors)?;
                Step::Sent(Box::new(Forward { response, accepted, tool, method: method.clone(), session: session.clone(), filter, cors, now }))
            }
            Err(refusal) => Step::Done(Outcome::Refused { refusal, issuer: decision.issuer().map(str::to_owned), tool, cors }),
        })
    }

    /// The origin's answer to a [`Forward`] (what its promise resolved to), on its way back.
    async fn arrive(&self, env: &Env, sent: Box<Forward>, value: wasm_bindgen::JsValue) -> Result<Outcome> {
        let Forward { accepted, tool, method, session, filter, cors, now, .. } = *sent;
        let response = proxy::received(value, cors)?;
        let (response, started) = self.after_forward(env, &method, session.as_deref(), filter, &accepted.info, response, now).await?;
        let session = started.or_else(|| session.as_deref().map(sessions::log_name));
        Ok(Outcome::Forwarded { response, accepted, tool, session })
    }

    /// Decides, with the claimed issuer's keys fetched from KV or the key
    /// server when the decision asks, and signatures checked by WebCrypto.
    async fn decide(&self, env: &Env, decision: &mut Decision) -> Verdict {
        let io = key_store::KeyIo { env, has_kv: self.has_kv };
        crate::host::drive(&self.gate, decision, &io, &self.crypto).await
    }

    /// What is checked once the token is accepted: the caller's rate limits,
    /// then that a session the request names is the caller's.
    async fn request_checks(
        &self,
        env: &Env,
        operations: &std::result::Result<Vec<Operation>, AuthError>,
        session: Option<&str>,
        info: &AuthInfo,
        now: u64,
    ) -> Result<std::result::Result<(), (RequestRefusal, bool)>> {
        let ops = operations.as_deref().unwrap_or_default();
        for (i, rule) in self.settings.rate_limits.iter().enumerate() {
            if rule.applies(ops) && !http::within_limit(env, &rule.binding, &rule.key(i, info)).await? {
                return Ok(Err((RequestRefusal::RateLimited { retry_after: rule.period_seconds }, false)));
            }
        }
        if let (true, Some(id)) = (self.settings.bind_sessions, session) {
            return Ok(self.sessions.check(env, id, info, now).await);
        }
        Ok(Ok(()))
    }

    /// The origin's response on its way back: a session it started is bound
    /// to the caller (before the client can use it) and one it ended is
    /// forgotten; an event stream is passed through the list filter and ends
    /// with the token; a JSON answer to a list request is filtered. Returns
    /// the response and the log name of a session it started.
    #[allow(clippy::too_many_arguments)]
    async fn after_forward(
        &self,
        env: &Env,
        method: &str,
        session: Option<&str>,
        filter: Option<ListFilter>,
        info: &AuthInfo,
        response: Response,
        now: u64,
    ) -> Result<(Response, Option<String>)> {
        let head = http::response_head(&response);
        let mut started = None;
        if self.settings.bind_sessions && (200..300).contains(&response.status()) {
            if let Some(new) = head.session_id {
                if session != Some(new.as_str()) {
                    self.sessions.bind(env, &new, info, now).await;
                    started = Some(sessions::log_name(&new));
                }
            }
            if let (Some(id), "DELETE") = (session, method) {
                self.sessions.forget(env, id).await;
            }
        }
        let media_type = head.content_type.map(|t| content::essence(&t)).unwrap_or_default();
        if media_type == "text/event-stream" {
            let leeway = self.gate.borrow().validator().policy().leeway_seconds;
            let deadline = self.settings.end_streams_at_expiry.then(|| info.expires_at.saturating_add(leeway).saturating_mul(1000));
            if filter.is_some() || deadline.is_some() {
                return Ok((http::pipe_events(&response, EventStreamRewriter::new(filter), deadline)?, started));
            }
        } else if let (Some(mut filter), "application/json") = (filter, media_type.as_str()) {
            let bytes = http::body_bytes(&response).await?;
            let filtered = filter.filter_message(&bytes);
            return Ok((http::with_body(&response, filtered.as_deref().unwrap_or(&bytes))?, started));
        }
        Ok((response, started))
    }

    /// The response for an outcome, and its log line (per `decisionLog`).
    fn respond(&self, outcome: Outcome, exchange: &Exchange) -> Result<Response> {
        let answer = match outcome {
            Outcome::Answer(answer) => return http::answer(answer),
            Outcome::Transport(refusal) => {
                let answer = responses::transport_refusal(refusal);
                self.log(answer.status, Some(refusal.wire().code), LogCaller::default(), None, exchange);
                answer
            }
            Outcome::RequestRefused { refusal, stranger, accepted, tool, session, cors } => {
                let caller = LogCaller {
                    detail: (refusal == RequestRefusal::SessionNotFound).then_some(if stranger { "another identity" } else { "not recorded" }),
                    ..LogCaller::accepted(&accepted.info, session.as_deref())
                };
                let answer = responses::request_refusal(refusal, cors);
                self.log(answer.status, Some(refusal.wire().code), caller, tool.as_deref(), exchange);
                answer
            }
            Outcome::Refused { refusal, issuer, tool, cors } => {
                // A verified caller refused for what it asked is named; an unverified one only by the issuer it claims.
                let caller = match &refusal.caller {
                    Some(c) => LogCaller {
                        issuer: Some(&c.issuer),
                        subject: c.subject.as_deref(),
                        client_id: c.client_id.as_deref(),
                        needed_scopes: Some(&c.needed),
                        ..LogCaller::default()
                    },
                    None => LogCaller { issuer: issuer.as_deref(), ..LogCaller::default() },
                };
                self.log(refusal.error.status(), Some(refusal.error.code()), caller, tool.as_deref(), exchange);
                responses::refusal(&refusal, cors)
            }
            Outcome::Forwarded { response, accepted, tool, session } => {
                let caller = LogCaller { outcome: "forwarded", ..LogCaller::accepted(&accepted.info, session.as_deref()) };
                self.log(response.status(), None, caller, tool.as_deref(), exchange);
                return Ok(response);
            }
            Outcome::Internal { reason, cors } => {
                worker::console_error!("{}", json!({ "event": "internal_error", "reason": reason }));
                let answer = responses::internal_error(cors);
                self.log(answer.status, None, LogCaller::default(), None, exchange);
                answer
            }
        };
        http::answer(answer)
    }

    /// One structured line per decision (per `decisionLog`); never the token.
    fn log(&self, status: u16, code: Option<&str>, caller: LogCaller<'_>, tool: Option<&str>, exchange: &Exchange) {
        if !self.settings.decision_log.logs(status) {
            return;
        }
        let outcome = match (caller.outcome, status) {
            ("", 500) => "error",
            ("", _) if code.is_some() => "refused",
            ("", _) => "answered",
            (o, _) => o,
        };
        let line = DecisionLine {
            event: "decision",
            status,
            code,
            issuer: caller.issuer,
            subject: caller.subject,
            client_id: caller.client_id,
            tool,
            session: caller.session,
            outcome,
            detail: caller.detail,
            needed_scopes: caller.needed_scopes.filter(|n| !n.is_empty()),
            duration_ms: now_ms().saturating_sub(exchange.started),
        };
        if let Ok(text) = serde_json::to_string(&line) {
            http::log_after_response(&exchange.ctx, &text);
        }
    }
}

/// Who a log line is about (a verified caller, whether let through or
/// refused), the session, and how the request ended when not by the status alone.
#[derive(Default)]
struct LogCaller<'a> {
    issuer: Option<&'a str>,
    subject: Option<&'a str>,
    client_id: Option<&'a str>,
    needed_scopes: Option<&'a [String]>,
    session: Option<&'a str>,
    outcome: &'static str,
    detail: Option<&'static str>,
}

impl<'a> LogCaller<'a> {
    /// A caller whose token was accepted, named by it, on `session`.
    fn accepted(info: &'a AuthInfo, session: Option<&'a str>) -> Self {
        Self { issuer: Some(&info.issuer), subject: info.subject.as_deref(), client_id: info.client_id.as_deref(), session, ..Self::default() }
    }
}

/// True if the body asks for a list (tools, prompts, resources, templates).
fn lists_requested(operations: &std::result::Result<Vec<Operation>, AuthError>) -> bool {
    operations.as_deref().unwrap_or_default().iter().any(|op| matches!(op, Operation::Method(m) if m.ends_with("/list")))
}
