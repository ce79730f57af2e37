//! The Cloudflare Worker gateway (feature `worker`): validates at the edge,
//! answers the RFC 9728 metadata, caches key sets in Workers KV, and forwards
//! authorized requests to the origin MCP server.
//!
//! The entry routes, calls the core, and turns every outcome into a response
//! in one place; internal errors never reach the client as details.

mod http;
mod key_store;
mod proxy;
mod url;

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use serde_json::{json, Value};
use worker::js_sys::{self, Uint8Array};
use worker::web_sys::{Request, Response};
use worker::{console_error, event, Context, Env, Result};

use crate::content;
use crate::crypto::host::webcrypto::WebCrypto;
use crate::crypto::NoSyncVerifier;
use crate::gateway::{self, GatewaySettings};
use crate::mcp::Operation;
use crate::{AuthError, AuthInfo, ConfigError, Refusal, Validator};
use http::HeaderList;

/// The Worker's validator: WebCrypto answers every signature check, so no
/// pure-Rust signature arithmetic is linked in (bundle size, issue 5).
pub(crate) type GatewayValidator = Validator<NoSyncVerifier>;

/// Everything derived from the Worker's configuration, built once per isolate.
pub(crate) struct Gateway {
    validator: Rc<RefCell<GatewayValidator>>,
    settings: GatewaySettings,
    upstream: String,
    /// The resource's path ("" when the resource is a bare origin): requests under it need a token.
    resource_path: String,
    /// The resource's host and port, as `Host` must name it (unless `allowedHosts` lists another).
    resource_authority: String,
    metadata_paths: Vec<String>,
    metadata_json: String,
    secret: Option<Vec<u8>>,
    keys: key_store::KeyStore,
    /// The request headers never forwarded (proxy.rs), as a JS Set for http.js.
    dropped_headers: js_sys::Set,
    /// Prefixes of request header names never forwarded, as a JS array for http.js.
    dropped_prefixes: js_sys::Array,
    /// Signatures are checked by the platform's WebCrypto; keys are imported once per key-set load.
    crypto: WebCrypto,
}

thread_local! {
    static GATEWAY: RefCell<Option<Rc<std::result::Result<Gateway, ConfigError>>>> = const { RefCell::new(None) };
}

/// Reads `MCP_AUTH` (a TOML table, which wrangler passes as an object, or the
/// same as JSON text), `UPSTREAM_URL` and the optional HMAC secret.
fn load(env: &Env) -> std::result::Result<Gateway, ConfigError> {
    // A text var holds JSON; a TOML table arrives as an object.
    let value: Value = match env.var("MCP_AUTH") {
        Ok(text) => serde_json::from_str(&text.to_string()).map_err(|e| ConfigError::new("MCP_AUTH", format!("is not valid JSON: {e}")))?,
        Err(_) => env.object_var("MCP_AUTH").map_err(|_| ConfigError::new("MCP_AUTH", "is not set: add it under [vars] in wrangler.toml"))?,
    };
    let (policy, settings) = gateway::split_config(value)?;
    let upstream = env.var("UPSTREAM_URL").map(|v| v.to_string()).map_err(|_| ConfigError::new("UPSTREAM_URL", "is not set: the origin MCP server's URL"))?;
    match url::Url::parse(&upstream) {
        Some(u) if matches!(u.scheme().as_str(), "http" | "https") && !u.hostname().is_empty() && !upstream.contains('#') => {}
        _ => return Err(ConfigError::new("UPSTREAM_URL", "must be an absolute http(s) URL without a fragment")),
    }
    let secret = env.secret("MCP_AUTH_HMAC_SECRET").ok().map(|s| s.to_string().into_bytes()).filter(|s| !s.is_empty());
    let resource = url::Url::parse(&policy.resource).ok_or_else(|| ConfigError::new("resource", "is not a URL"))?;
    let resource_path = resource.pathname().trim_end_matches('/').to_owned();
    let resource_authority = resource.host();
    let mut metadata_paths: Vec<String> = crate::well_known_urls(&policy.resource).iter().filter_map(|u| url::Url::parse(u)).map(|u| u.pathname()).collect();
    metadata_paths.push(format!("{resource_path}/.well-known/oauth-protected-resource"));
    let metadata_json = serde_json::to_string(&policy.metadata).unwrap_or_default();
    let validator = Rc::new(RefCell::new(Validator::with_verifier(policy, NoSyncVerifier)));
    let keys = key_store::KeyStore::new(validator.clone(), &settings);
    let dropped_headers = proxy::dropped_headers(settings.forward_token);
    let dropped_prefixes = gateway::dropped_prefixes(settings.trust_forwarded_headers).iter().map(|p| wasm_bindgen::JsValue::from_str(p)).collect();
    Ok(Gateway {
        validator,
        settings,
        upstream,
        resource_path,
        resource_authority,
        metadata_paths,
        metadata_json,
        secret,
        keys,
        dropped_headers,
        dropped_prefixes,
        crypto: WebCrypto::default(),
    })
}

fn gateway(env: &Env) -> Rc<std::result::Result<Gateway, ConfigError>> {
    GATEWAY.with(|g| {
        let mut slot = g.borrow_mut();
        if let Some(existing) = slot.as_ref() {
            return existing.clone();
        }
        let loaded = Rc::new(load(env));
        if let Err(e) = loaded.as_ref() {
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

/// The entry takes and returns the platform's own Request and Response
/// (workers-rs passes them through unconverted): the gateway reads three
/// headers and the body, and answers through http.rs.
#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let exchange = Exchange { ctx: &ctx, started: now_ms() };
    let gw = gateway(&env);
    match gw.as_ref() {
        Ok(gw) => gw.handle(req, &env, &exchange).await,
        // Never an open gate: a bad configuration refuses everything, naming the field.
        Err(e) => json_response(500, &json!({ "error": "gateway_misconfigured", "field": e.field, "message": e.to_string() }), HeaderList::default()),
    }
}

fn json_response(status: u16, body: &Value, headers: HeaderList) -> Result<Response> {
    let headers = headers.with("Content-Type", "application/json").with("Cache-Control", "no-store");
    http::response(status, headers, Some(body.to_string()))
}

/// The request being answered: its context, for work after the response,
/// and when it arrived, for the log line's duration.
struct Exchange<'a> {
    ctx: &'a Context,
    started: u64,
}

/// The decision log line (issue 4): one per decision, never the token.
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
    /// For a verified caller refused for what it asked: the scopes the request needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    needed_scopes: Option<&'a [String]>,
    duration_ms: u64,
}

/// Who a log line is about: a verified caller, whether let through or refused.
#[derive(Default)]
struct Caller<'a> {
    issuer: Option<&'a str>,
    subject: Option<&'a str>,
    client_id: Option<&'a str>,
    needed_scopes: Option<&'a [String]>,
}

/// The first tool, prompt, resource or method a body names, for the decision log (bounded).
fn operation_name(operations: &std::result::Result<Vec<Operation>, AuthError>) -> Option<String> {
    operations.as_ref().ok()?.iter().find_map(|op| match op {
        Operation::Tool(n) | Operation::Prompt(n) | Operation::Resource(n) | Operation::Method(n) => Some(n.chars().take(64).collect()),
        Operation::Response => None,
    })
}

impl Gateway {
    /// CORS headers for a response to `origin`.
    fn cors(&self, origin: Option<&str>) -> HeaderList {
        let allow = match origin {
            Some(o) if !self.settings.allowed_origins.is_empty() => o,
            _ => "*",
        };
        let mut h = HeaderList::default();
        h.set("Access-Control-Allow-Origin", allow);
        if allow != "*" {
            h.set("Vary", "Origin");
        }
        h.set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version");
        h
    }

    async fn handle(&self, req: Request, env: &Env, exchange: &Exchange<'_>) -> Result<Response> {
        // The runtime hands over an absolute URL it serialized itself.
        let url = req.url();
        let (path, search) = gateway::path_and_search(&url).ok_or_else(|| worker::Error::RustError("request URL is not absolute".into()))?;
        let method = req.method();
        let headers = req.headers();
        let origin = headers.get("Origin")?;

        // MCP transport security, before anything else: the request's Host
        // must name this server (DNS rebinding), a browser's Origin must be
        // allowed when a list is configured.
        let authority = gateway::authority(&url).unwrap_or("");
        if let Err(refusal) = gateway::check_transport(&self.settings, &self.resource_authority, authority, origin.as_deref()) {
            let (status, error, code, description) = refusal.wire();
            self.log(status, Some(code), Caller::default(), None, exchange);
            return json_response(status, &json!({ "error": error, "error_description": description, "code": code }), HeaderList::default());
        }
        let cors = self.cors(origin.as_deref());
        if method == "OPTIONS" {
            let cors = cors
                .with("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
                .with("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID")
                .with("Access-Control-Max-Age", "86400");
            return http::response(204, cors, None);
        }
        if self.metadata_paths.iter().any(|p| p == path) {
            if method != "GET" && method != "HEAD" {
                return http::response(405, cors.with("Allow", "GET, HEAD, OPTIONS"), None);
            }
            let cors = cors.with("Content-Type", "application/json").with("Cache-Control", "public, max-age=3600");
            let body = (method != "HEAD").then(|| self.metadata_json.clone());
            return http::response(200, cors, body);
        }
        let protected = self.resource_path.is_empty()
            || path == self.resource_path
            || path.strip_prefix(self.resource_path.as_str()).is_some_and(|rest| rest.starts_with('/'));
        if !protected {
            return json_response(404, &json!({ "error": "not_found" }), cors);
        }

        // No credentials, no work: refused before the body is read (RFC 6750 §3.1).
        let authorization = headers.get("Authorization")?;
        let no_credentials = self.validator.borrow().refuse_credentials(authorization.as_deref());
        if let Some(refusal) = no_credentials {
            return self.refused(&refusal, None, cors, None, None, exchange);
        }

        // A POST body has one meaning or is refused unread (content.rs); it
        // is read counted, refused as soon as it passes maxBodyBytes, then
        // inspected and forwarded byte for byte as `application/json`.
        let mut body = None;
        let operations = if method == "POST" {
            let field = |name: &str| headers.get(name);
            match content::check_json_body(field("Content-Type")?.as_deref(), field("Content-Encoding")?.as_deref()) {
                Err(e) => Err(e),
                Ok(()) => {
                    let max_body = self.validator.borrow().policy().max_body_bytes;
                    let Some(buffer) = http::read_body(&req, max_body).await? else {
                        let refusal = self.validator.borrow().refuse(AuthError::BodyTooLarge);
                        return self.refused(&refusal, None, cors, None, None, exchange);
                    };
                    let bytes = Uint8Array::new(&buffer).to_vec();
                    let operations = self.validator.borrow().inspect(Some(&bytes));
                    body = Some((buffer, bytes));
                    operations
                }
            }
        } else {
            Ok(Vec::new())
        };
        let tool = operation_name(&operations);
        let (outcome, issuer) = self.decide(env, authorization.as_deref(), &operations).await;
        match outcome {
            Ok(info) => {
                let target = proxy::target(self, path, search);
                let response = proxy::forward(self, &req, &target, body, &info, cors, origin.is_some()).await;
                let status = response.as_ref().map(Response::status).unwrap_or(500);
                let caller = Caller { issuer: Some(&info.issuer), subject: info.subject.as_deref(), client_id: info.client_id.as_deref(), needed_scopes: None };
                self.log(status, None, caller, tool.as_deref(), exchange);
                response
            }
            Err((refusal, retry_after)) => self.refused(&refusal, retry_after, cors, issuer.as_deref(), tool.as_deref(), exchange),
        }
    }

    /// Validates, fetching the claimed issuer's keys first and once more for an unknown `kid`.
    async fn decide(
        &self,
        env: &Env,
        authorization: Option<&str>,
        operations: &std::result::Result<Vec<Operation>, AuthError>,
    ) -> (std::result::Result<AuthInfo, (Refusal, Option<u64>)>, Option<String>) {
        let issuer = self.validator.borrow().issuer_for(authorization).map(str::to_owned);
        if let Some(iss) = &issuer {
            if let Err(retry_after) = self.keys.ensure(env, iss).await {
                return (Err((self.validator.borrow().refuse(AuthError::JwksUnavailable), Some(retry_after))), issuer);
            }
        }
        let now = now_ms() / 1000;
        let mut result = self.crypto.decide(&self.validator, authorization, operations, now).await;
        if let (Err(r), Some(iss)) = (&result, &issuer) {
            if r.error == AuthError::NoMatchingKey && self.keys.refresh_for_unknown_key(env, iss).await {
                result = self.crypto.decide(&self.validator, authorization, operations, now).await;
            }
        }
        (result.map_err(|r| (r, None)), issuer)
    }

    fn refused(
        &self,
        refusal: &Refusal,
        retry_after: Option<u64>,
        cors: HeaderList,
        issuer: Option<&str>,
        tool: Option<&str>,
        exchange: &Exchange<'_>,
    ) -> Result<Response> {
        let mut headers = cors.with("WWW-Authenticate", refusal.www_authenticate.as_str());
        if let Some(s) = retry_after {
            headers.set("Retry-After", s.to_string());
        }
        let e = &refusal.error;
        let mut body = json!({ "error_description": e.description(), "code": e.code() });
        if let Some(code) = e.rfc6750() {
            body["error"] = code.as_str().into();
        }
        // A verified caller refused for what it asked is named; an unverified one only by the issuer it claims.
        let caller = match &refusal.caller {
            Some(c) => Caller { issuer: Some(&c.issuer), subject: c.subject.as_deref(), client_id: c.client_id.as_deref(), needed_scopes: Some(&c.needed) },
            None => Caller { issuer, ..Caller::default() },
        };
        self.log(e.status(), Some(e.code()), caller, tool, exchange);
        json_response(e.status(), &body, headers)
    }

    /// One structured line per decision (per `decisionLog`); never the token.
    fn log(&self, status: u16, code: Option<&str>, caller: Caller<'_>, tool: Option<&str>, exchange: &Exchange<'_>) {
        if !self.settings.decision_log.logs(status) {
            return;
        }
        let line = DecisionLine {
            event: "decision",
            status,
            code,
            issuer: caller.issuer,
            subject: caller.subject,
            client_id: caller.client_id,
            tool,
            needed_scopes: caller.needed_scopes.filter(|n| !n.is_empty()),
            duration_ms: now_ms().saturating_sub(exchange.started),
        };
        if let Ok(text) = serde_json::to_string(&line) {
            http::log_after_response(exchange.ctx, &text);
        }
    }
}
