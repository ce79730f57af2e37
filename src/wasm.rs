//! The JS-facing API (feature `wasm`), used by the npm package's TypeScript
//! wrapper. Values cross the boundary as JSON text: one well-tested encoder on
//! each side, and errors arrive as data (`{status, error, code, …}`), never as
//! exceptions, except configuration errors, which are thrown once at start-up
//! as JSON `{field, message}`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::crypto::host::node::{NodeBackend, NodeCrypto};
use crate::crypto::host::webcrypto::WebCrypto;
use crate::json::Object;
use crate::jwks::refresh::{Action, Fetched, Input, Job, KeyRefresh, Need, RefreshSettings};
use crate::mcp::Operation;
use crate::responses;
use crate::{crypto, AuthError, AuthInfo, Policy, Refusal, Validator};

fn config_error(e: crate::ConfigError) -> JsValue {
    JsValue::from_str(&serde_json::json!({ "field": e.field, "message": e.to_string() }).to_string())
}

/// A decision for the wrapper, as JSON text. A refusal is the refusal
/// object. An acceptance is an array of what the wrapper cannot read from the
/// token itself — `[tokenStart, tokenEnd, expiresAt, validFrom, validUntil,
/// clientId, subject, issuer, audience, scopes]` — where `tokenStart..tokenEnd`
/// locates the token in `input` and `[validFrom, validUntil)` is the window
/// of whole seconds within which the acceptance stands
/// ([`Validator::acceptance_window`]); the claims the wrapper decodes from the
/// token's payload when asked for them. No `claims` object crosses per call.
fn result_json(validator: &Validator, input: Option<&str>, result: Result<impl std::borrow::Borrow<AuthInfo>, Refusal>) -> String {
    match result {
        Ok(info) => {
            let info = info.borrow();
            let (start, end) = input.map_or((0, 0), |i| crate::bearer::token_span(i, &info.token));
            let (from, until) = validator.acceptance_window(info);
            serde_json::to_string(&(start, end, info.expires_at, from, until, &info.client_id, &info.subject, &info.issuer, &info.audience, &info.scopes))
                .unwrap_or_default()
        }
        Err(refusal) => refusal_json(&refusal, None).to_string(),
    }
}

/// The refusal object, with `answer`: the HTTP response the package sends
/// for it (`{status, headers, body}`, [`crate::responses::refusal`]; any
/// origin may read it, as the package has no origin allowlist).
fn refusal_json(refusal: &Refusal, retry_after: Option<u64>) -> serde_json::Value {
    let mut json = refusal.to_json();
    json["answer"] = responses::refusal(refusal, retry_after, responses::cors(&[], None)).to_json();
    json
}

/// A remembered acceptance, read as its `AuthInfo` without copying it.
struct Shared(std::sync::Arc<crate::token_cache::Accepted>);

impl std::borrow::Borrow<AuthInfo> for Shared {
    fn borrow(&self) -> &AuthInfo {
        &self.0.info
    }
}

/// An `Authorization` value as the wrapper passes it: UTF-8 bytes, encoded
/// at once by `TextEncoder.encodeInto`, where a string argument would be
/// copied in by wasm-bindgen one UTF-16 unit at a time (about 3 ns each, some
/// 2 µs for a token, paid on every call that reads it). A byte that is not
/// UTF-8 becomes U+FFFD, which no bearer token holds (RFC 6750 §2.1
/// `b64token`): such a value is refused like any other malformed one.
fn header_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Times before 1970 or non-finite clocks are clamped; the JS side passes Date.now() / 1000.
fn seconds(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// Who checks signatures.
enum Backend {
    /// `crypto.subtle`, asynchronously; shared with the checks still pending when a call returns.
    WebCrypto(Rc<WebCrypto>),
    /// `node:crypto`, synchronously.
    Node(NodeBackend),
    /// The pure-Rust backend compiled into the package, synchronously; counts the checks it was given.
    Rust(std::cell::Cell<u64>),
}

/// A checked policy and the loaded key sets.
#[wasm_bindgen]
pub struct WasmValidator {
    /// Shared with pending WebCrypto checks, which finish after the call that started them returned.
    validator: Rc<RefCell<Validator>>,
    backend: Backend,
    /// When to fetch each issuer's keys again (the wrapper only does the I/O it is told to).
    refresh: RefCell<KeyRefresh>,
}

/// One request's key-refresh job, driven by the wrapper ([`WasmValidator::key_step`]).
#[wasm_bindgen]
pub struct WasmKeyJob(Job);

/// What the wrapper did for the last action, as it reports it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
enum KeyInput {
    Start,
    Cache(Option<String>),
    Written,
    #[serde(rename_all = "camelCase")]
    Fetched {
        status: u16,
        cache_control: Option<String>,
    },
    Failed(String),
    Waited,
}

/// An action as JSON for the wrapper: `{"do": …}`.
fn action_json(action: Action) -> serde_json::Value {
    use serde_json::json;
    match action {
        Action::Done(Ok(changed)) => json!({ "do": "done", "ok": true, "changed": changed }),
        Action::Done(Err(u)) => json!({ "do": "done", "ok": false, "retryAfter": u.retry_after, "reason": u.reason }),
        Action::ReadCache { key } => json!({ "do": "readCache", "key": key }),
        Action::WriteCache { key, value, ttl_seconds } => json!({ "do": "writeCache", "key": key, "value": value, "ttlSeconds": ttl_seconds }),
        Action::Fetch { url, timeout_ms, max_bytes } => json!({ "do": "fetch", "url": url, "timeoutMs": timeout_ms, "limit": max_bytes + 1 }),
        Action::Wait { ms } => json!({ "do": "wait", "ms": ms }),
    }
}

#[wasm_bindgen]
impl WasmValidator {
    /// Checks `config` (JSON text); throws `{field, message}` JSON on a mistake.
    /// `crypto` names the signature backend: `"webcrypto"`, `"rust"`, or
    /// `"node"` with `node` (`node:crypto` behind [`NodeCrypto`]).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, crypto: &str, node: Option<NodeCrypto>) -> Result<WasmValidator, JsValue> {
        let validator = Rc::new(RefCell::new(Validator::new(Policy::from_json(config).map_err(config_error)?)));
        let backend = match (crypto, node) {
            ("webcrypto", _) => Backend::WebCrypto(Rc::new(WebCrypto::default())),
            ("rust", _) => Backend::Rust(std::cell::Cell::new(0)),
            ("node", Some(node)) => Backend::Node(NodeBackend::new(node)),
            ("node", None) => return Err(config_error(crate::ConfigError::new("crypto", "\"node\" needs node:crypto (the package's Node entry)"))),
            _ => return Err(config_error(crate::ConfigError::new("crypto", "must be \"node\", \"webcrypto\" or \"rust\""))),
        };
        let refresh = RefCell::new(KeyRefresh::new(validator.borrow().policy(), RefreshSettings::default()));
        Ok(WasmValidator { validator, backend, refresh })
    }

    fn inner(&self) -> std::cell::Ref<'_, Validator> {
        self.validator.borrow()
    }

    /// Loads `issuer`'s key set; returns `{usable, skipped}` JSON or throws a message.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, issuer: &str, jwks: &str) -> Result<String, JsValue> {
        let report = self.validator.borrow_mut().set_jwks(issuer, jwks.as_bytes()).map_err(|e| JsValue::from_str(&e.to_string()))?;
        Ok(serde_json::to_string(&report).unwrap_or_default())
    }

    /// True if a key set is loaded for `issuer`.
    #[wasm_bindgen(js_name = hasJwks)]
    pub fn has_jwks(&self, issuer: &str) -> bool {
        self.inner().has_jwks(issuer)
    }

    /// The configured issuer `authorization` claims, if any (nothing verified).
    #[wasm_bindgen(js_name = issuerFor)]
    pub fn issuer_for(&self, authorization: Vec<u8>) -> Option<String> {
        self.inner().issuer_for(Some(&header_text(authorization))).map(str::to_owned)
    }

    /// The operations `body` names. With `http` (`[Content-Type,
    /// Content-Encoding]`, `""` for an absent field), the body arrived over
    /// HTTP and is first held to the one-meaning rule ([`crate::content`]);
    /// with `http` and no body, only the two fields are checked (a host that
    /// refuses to read a body whose reading would be ambiguous).
    fn operations(&self, body: Option<&[u8]>, http: Option<Vec<String>>) -> Result<Vec<Operation>, AuthError> {
        let Some(fields) = http else { return self.inner().inspect(body) };
        let field = |i: usize| fields.get(i).map(String::as_str).filter(|v| !v.is_empty());
        match body {
            Some(bytes) => self.inner().inspect_http(field(0), field(1), bytes),
            None => crate::content::check_json_body(field(0), field(1)).map(|()| Vec::new()),
        }
    }

    /// What a body asks to do, as JSON: `{"ok":true,"operations":[{kind,name}…]}`
    /// or `{"ok":false,"status","code"}`; `http` as for [`verify`](Self::verify).
    pub fn inspect(&self, body: Option<Vec<u8>>, http: Option<Vec<String>>) -> String {
        match self.operations(body.as_deref(), http) {
            Ok(operations) => serde_json::json!({ "ok": true, "operations": operations }),
            Err(e) => serde_json::json!({ "ok": false, "status": e.status(), "code": e.code() }),
        }
        .to_string()
    }

    /// Decides a request with the signature checked in Rust, synchronously:
    /// `{"ok":true,"authInfo":…}` or the refusal object, as JSON.
    /// `authorization` may be the header value or a bare token; `body` the
    /// JSON-RPC body; `http` as for [`verify`](Self::verify).
    #[wasm_bindgen(js_name = verifySync)]
    pub fn verify_sync(&self, authorization: Option<Vec<u8>>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: f64) -> String {
        let authorization = authorization.map(header_text);
        let operations = self.operations(body.as_deref(), http);
        let v = self.inner();
        result_json(&v, authorization.as_deref(), v.verify_inspected(authorization.as_deref(), &operations, seconds(now)))
    }

    /// How many key sets were loaded so far: the wrapper drops the
    /// acceptances it remembers when this moves.
    #[wasm_bindgen(js_name = keyLoads)]
    pub fn key_loads(&self) -> f64 {
        self.inner().key_set_loads() as f64
    }

    /// Decides a request with the signature checked by the chosen backend.
    /// Returns the JSON text at once when no asynchronous check is needed (a
    /// refusal, a remembered token, or the Node backend), else a Promise of it.
    /// With `http` (`[Content-Type, Content-Encoding]`), the body came over
    /// HTTP and must have exactly one reading, as in the Worker.
    pub fn verify(&self, authorization: Option<Vec<u8>>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: f64) -> JsValue {
        let authorization = authorization.map(header_text);
        let now = seconds(now);
        let operations = self.operations(body.as_deref(), http);
        let input = authorization.as_deref();
        let v = self.inner();
        let pending = match v.begin_shared(input, &operations, now) {
            crate::validator::SharedDecision::Done(result) => return JsValue::from_str(&result_json(&v, input, result.map(Shared))),
            crate::validator::SharedDecision::Pending(p) => p,
        };
        let crypto = match &self.backend {
            Backend::Node(node) => return JsValue::from_str(&result_json(&v, input, node.complete(&v, pending, now).map(Shared))),
            Backend::Rust(checks) => {
                checks.set(checks.get() + pending.checks().count() as u64);
                return JsValue::from_str(&result_json(&v, input, v.finish_shared_with_own_backend(pending, now).map(Shared)));
            }
            Backend::WebCrypto(crypto) => crypto.clone(),
        };
        drop(v);
        let validator = self.validator.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let result = crypto.complete(&validator, pending, now).await.map(Shared);
            Ok(JsValue::from_str(&result_json(&validator.borrow(), authorization.as_deref(), result)))
        })
        .into()
    }

    /// True if `authorization` is a remembered token still accepted for this
    /// body at `now` (the wrapper then reuses the `AuthInfo` it already holds).
    #[wasm_bindgen(js_name = stillAccepted)]
    pub fn still_accepted(&self, authorization: Vec<u8>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: f64) -> bool {
        let operations = self.operations(body.as_deref(), http);
        self.inner().still_accepted(Some(&header_text(authorization)), &operations, seconds(now))
    }

    /// Sets the key-refresh policy from `options` (JSON holding any of
    /// `jwksCooldownSeconds`, `jwksTimeoutMs`, `maxStaleSeconds`,
    /// `jwksMinTtlSeconds`, `jwksMaxTtlSeconds`); throws `{field, message}`.
    #[wasm_bindgen(js_name = configureKeyRefresh)]
    pub fn configure_key_refresh(&self, options: &str) -> Result<(), JsValue> {
        let value = serde_json::from_str(options).map_err(|e| config_error(crate::ConfigError::new("", e.to_string())))?;
        let settings = RefreshSettings::from_json(value).map_err(config_error)?;
        *self.refresh.borrow_mut() = KeyRefresh::new(self.inner().policy(), settings);
        Ok(())
    }

    /// A key-refresh job for `issuer`: for a token to verify, or (with
    /// `unknown_key`) after a token named a key the set does not have.
    #[wasm_bindgen(js_name = keyJob)]
    pub fn key_job(&self, issuer: &str, unknown_key: bool, shared_cache: bool) -> WasmKeyJob {
        let need = if unknown_key { Need::UnknownKey } else { Need::Keys };
        WasmKeyJob(self.refresh.borrow().job(issuer, need, shared_cache))
    }

    /// Advances `job` with what the wrapper did (`input`: `"start"`,
    /// `{"cache": v}`, `"written"`, `{"fetched": {status, cacheControl}}` with
    /// the document in `body`, `{"failed": reason}`, `"waited"`) at `now`
    /// (ms); returns the next action as JSON (`{"do": "done" | "readCache" |
    /// "writeCache" | "fetch" | "wait", …}`).
    #[wasm_bindgen(js_name = keyStep)]
    pub fn key_step(&self, job: &mut WasmKeyJob, input: &str, body: Option<Vec<u8>>, now: f64) -> String {
        let body = body.unwrap_or_default();
        let parsed: Result<KeyInput, _> = serde_json::from_str(input);
        let input = match &parsed {
            Ok(KeyInput::Start) => Input::Start,
            Ok(KeyInput::Cache(v)) => Input::Cache(v.as_deref()),
            Ok(KeyInput::Written) => Input::Written,
            Ok(KeyInput::Fetched { status, cache_control }) => {
                Input::Fetched(Ok(Fetched { status: *status, body: &body, cache_control: cache_control.as_deref() }))
            }
            Ok(KeyInput::Failed(reason)) => Input::Fetched(Err(reason)),
            Ok(KeyInput::Waited) => Input::Waited,
            Err(_) => Input::Fetched(Err("the host reported something unreadable")),
        };
        let now = if now.is_finite() && now > 0.0 { now as u64 } else { 0 };
        let action = self.refresh.borrow_mut().step(&mut job.0, input, &mut self.validator.borrow_mut(), now);
        action_json(action).to_string()
    }

    /// The refusal (JSON) for an `Authorization` value without a usable bearer
    /// token, decided before any body is read; `undefined` when a token is present.
    #[wasm_bindgen(js_name = credentialsRefusal)]
    pub fn credentials_refusal(&self, authorization: Option<Vec<u8>>) -> Option<String> {
        self.inner().refuse_credentials(authorization.map(header_text).as_deref()).map(|r| refusal_json(&r, None).to_string())
    }

    /// Signature checks so far, by backend: `[webcrypto, node, rust]`.
    #[wasm_bindgen(js_name = signatureChecks)]
    pub fn signature_checks(&self) -> Vec<f64> {
        let (web, node, rust) = match &self.backend {
            Backend::WebCrypto(c) => {
                let (web, rust) = c.counts();
                (web, 0, rust)
            }
            Backend::Node(c) => {
                let (node, rust) = c.counts();
                (0, node, rust)
            }
            Backend::Rust(checks) => (0, 0, checks.get()),
        };
        vec![web as f64, node as f64, rust as f64]
    }

    /// The RFC 9728 document, as JSON.
    pub fn metadata(&self) -> String {
        serde_json::to_string(self.inner().metadata()).unwrap_or_default()
    }

    /// What the I/O layers need from the checked policy, as JSON:
    /// `{resource, resourceMetadataUrl, wellKnownUrls, requiredScopes, issuers: [{issuer, jwksUri}]}`.
    pub fn describe(&self) -> String {
        let v = self.inner();
        let p = v.policy();
        serde_json::json!({
            "resource": p.resource,
            "resourceMetadataUrl": p.resource_metadata_url,
            "wellKnownUrls": crate::well_known_urls(&p.resource),
            "requiredScopes": p.required_scopes,
            "maxBodyBytes": p.max_body_bytes,
            "issuers": p.issuers.iter().map(|i| serde_json::json!({ "issuer": i.issuer, "jwksUri": i.jwks_uri })).collect::<Vec<_>>(),
        })
        .to_string()
    }

    /// The refusal for a condition found outside the core, by stable code:
    /// `ERR_JWKS_UNAVAILABLE` (keys cannot be fetched; `retry_after` seconds)
    /// or `ERR_MCP_BODY_TOO_LARGE` (the body was not read). Other codes: `None`.
    pub fn refusal(&self, code: &str, retry_after: Option<f64>) -> Option<String> {
        let error = match code {
            "ERR_JWKS_UNAVAILABLE" => crate::AuthError::JwksUnavailable,
            "ERR_MCP_BODY_TOO_LARGE" => crate::AuthError::BodyTooLarge,
            _ => return None,
        };
        let retry_after = retry_after.filter(|s| s.is_finite() && *s >= 0.0).map(|s| s as u64);
        Some(refusal_json(&self.inner().refuse(error), retry_after).to_string())
    }

    /// The answer for a request to `path` with `method` if `path` is one of
    /// the URLs the RFC 9728 document is answered at (`{status, headers,
    /// body}` JSON), else `undefined`.
    #[wasm_bindgen(js_name = metadataAnswer)]
    pub fn metadata_answer(&self, path: &str, method: &str) -> Option<String> {
        let v = self.inner();
        let policy = v.policy();
        responses::metadata_paths(policy)
            .iter()
            .any(|p| p == path)
            .then(|| responses::metadata(policy, method, responses::cors(&[], None)).to_json().to_string())
    }
}

fn verdict(result: Result<bool, &str>) -> &'static str {
    match result {
        Ok(true) => "valid",
        Ok(false) => "invalid",
        Err(_) => "unsupported",
    }
}

/// The checked algorithm, key and decoded signature of a detached JWS, after
/// the backend-independent encoding checks; `Err` is the verdict already reached.
fn detached(alg: &str, jwk: &str, signature_b64url: &str) -> Result<(crate::Algorithm, crate::jwks::set::Jwk, Vec<u8>), &'static str> {
    let signature = crate::base64url::decode(signature_b64url.as_bytes()).map_err(|_| "invalid")?;
    let (alg, key) = crypto::signature_key(alg, jwk).map_err(|e| verdict(Err(e)))?;
    if !crypto::encoding_ok(alg, &key.key, &signature) {
        return Err("invalid");
    }
    Ok((alg, key, signature))
}

/// The comparison key of an MCP resource URI ([`crate::resource_uri::key`]),
/// or `undefined` if the URI is refused.
#[wasm_bindgen(js_name = resourceKey)]
pub fn resource_key(uri: &str) -> Option<String> {
    crate::resource_uri::key(uri)
}

/// Verifies a detached JWS signature against one JWK (JSON text) in Rust:
/// `"valid"`, `"invalid"` or `"unsupported"`. For primitive test vectors.
#[wasm_bindgen(js_name = verifyJwsSignature)]
pub fn verify_jws_signature(alg: &str, jwk: &str, signing_input: &str, signature_b64url: &str) -> String {
    let Ok(signature) = crate::base64url::decode(signature_b64url.as_bytes()) else { return "invalid".into() };
    verdict(crypto::verify_jws_signature(alg, jwk, signing_input.as_bytes(), &signature)).into()
}

/// [`verify_jws_signature`] with the signature itself checked by WebCrypto
/// (the strictness checks still run in Rust first). Rejects if WebCrypto cannot take the key.
#[wasm_bindgen(js_name = verifyJwsSignatureWebCrypto)]
pub async fn verify_jws_signature_webcrypto(alg: String, jwk: String, signing_input: String, signature_b64url: String) -> Result<String, JsValue> {
    let (alg, key, signature) = match detached(&alg, &jwk, &signature_b64url) {
        Ok(d) => d,
        Err(v) => return Ok(v.into()),
    };
    match WebCrypto::default().verify_detached(&key.key, alg, signing_input.as_bytes(), &signature).await {
        Some(v) => Ok(verdict(Ok(v)).into()),
        None => Err(JsValue::from_str("WebCrypto cannot verify with this key")),
    }
}

/// [`verify_jws_signature`] with the signature itself checked by `node:crypto`
/// (the strictness checks still run in Rust first). Throws if Node cannot take the key.
#[wasm_bindgen(js_name = verifyJwsSignatureNode)]
pub fn verify_jws_signature_node(alg: &str, jwk: &str, signing_input: &str, signature_b64url: &str, node: NodeCrypto) -> Result<String, JsValue> {
    let (alg, key, signature) = match detached(alg, jwk, signature_b64url) {
        Ok(d) => d,
        Err(v) => return Ok(v.into()),
    };
    match NodeBackend::new(node).verify_detached(&key.key, alg, signing_input.as_bytes(), &signature) {
        Some(v) => Ok(verdict(Ok(v)).into()),
        None => Err(JsValue::from_str("node:crypto cannot verify with this key")),
    }
}

/// Checks a gateway configuration as the Worker will at start-up: `MCP_AUTH`
/// (JSON text, gateway fields allowed) and `UPSTREAM_URL`, which the caller
/// parsed with its WHATWG URL parser (`scheme` without the colon, `hostname`).
/// Throws `{field, message}` JSON on the first mistake.
#[wasm_bindgen(js_name = checkGatewayConfig)]
pub fn check_gateway_config(mcp_auth: &str, upstream: &str, scheme: &str, hostname: &str) -> Result<(), JsValue> {
    let value: serde_json::Value =
        serde_json::from_str(mcp_auth).map_err(|e| config_error(crate::ConfigError::new("MCP_AUTH", format!("is not valid JSON: {e}"))))?;
    crate::gateway::split_config(value).map_err(config_error)?;
    crate::gateway::settings::check_upstream(upstream, scheme, hostname).map_err(config_error)
}

/// A `doctor` run ([`crate::doctor`]): the wrapper makes each probe's request and hands back the answer.
#[wasm_bindgen]
pub struct WasmDoctor(crate::doctor::Doctor);

/// The options of a run, as the wrapper sends them.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DoctorOptions {
    config: Option<serde_json::Value>,
    token: Option<String>,
    origin: Option<String>,
    now: f64,
}

#[wasm_bindgen]
impl WasmDoctor {
    /// A run against `url`; `options` is `{config?, token?, origin?, now}` JSON.
    /// Throws `{field, message}` JSON naming the option at fault.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: &str) -> Result<WasmDoctor, JsValue> {
        let o: DoctorOptions = serde_json::from_str(options).map_err(|e| config_error(crate::ConfigError::new("options", e.to_string())))?;
        let options = crate::doctor::Options { config: o.config, token: o.token, origin: o.origin, now: seconds(o.now) };
        crate::doctor::Doctor::new(url, options).map(WasmDoctor).map_err(config_error)
    }

    /// The next request as `{method, url, headers, body, timeoutMs, maxBytes}` JSON, or `undefined` when done.
    #[wasm_bindgen(js_name = nextProbe)]
    pub fn next_probe(&mut self) -> Option<String> {
        self.0.next_probe().map(|p| serde_json::to_string(&p).unwrap_or_default())
    }

    /// The answer to the last request: `status` and flat `[name, value, …]`
    /// headers with the body as read, or `failed` with the reason.
    pub fn receive(&mut self, status: u16, headers: Vec<String>, body: Vec<u8>, failed: Option<String>) {
        let headers: Vec<(String, String)> = headers.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        match &failed {
            Some(reason) => self.0.receive(crate::doctor::Reply::Failed(reason)),
            None => self.0.receive(crate::doctor::Reply::Answered { status, headers: &headers, body: &body }),
        }
    }

    /// `{ok, url, checks}` JSON.
    pub fn report(&self) -> String {
        serde_json::to_string(&self.0.report()).unwrap_or_default()
    }

    /// The report as lines for a terminal.
    #[wasm_bindgen(js_name = reportText)]
    pub fn report_text(&self) -> String {
        self.0.report().to_text()
    }
}

/// The identity parts of an `AuthInfo` the wrapper returned: what the held scopes are computed from.
#[derive(serde::Deserialize)]
struct Holder {
    issuer: String,
    scopes: Vec<String>,
    #[serde(default)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Holder {
    fn parse(auth_info: &str) -> Result<AuthInfo, JsValue> {
        let h: Holder = serde_json::from_str(auth_info).map_err(|e| JsValue::from_str(&format!("not an AuthInfo: {e}")))?;
        Ok(AuthInfo {
            token: String::new(),
            client_id: None,
            scopes: h.scopes,
            expires_at: 0,
            resource: String::new(),
            subject: None,
            issuer: h.issuer,
            audience: Vec::new(),
            claims: Object::from_map(&h.claims).map_err(|_| JsValue::from_str("not an AuthInfo: its claims nest too deep"))?,
        })
    }
}

#[wasm_bindgen]
impl WasmValidator {
    /// The entries of a `member` list (`tools`, `prompts`, `resources`,
    /// `resourceTemplates`; JSON array text) the token of `auth_info` (JSON)
    /// could use, by the decision a call would get ([`crate::list_filter::allowed`]).
    #[wasm_bindgen(js_name = filterList)]
    pub fn filter_list(&self, auth_info: &str, member: &str, entries: &str) -> Result<String, JsValue> {
        use crate::list_filter::{allowed, ListKind};
        let kind = ListKind::from_member(member).ok_or_else(|| JsValue::from_str("kind must be tools, prompts, resources or resourceTemplates"))?;
        let info = Holder::parse(auth_info)?;
        let v = self.inner();
        let held = v.held_scopes(&info);
        let key = if matches!(kind, ListKind::Resources) {
            "uri"
        } else if matches!(kind, ListKind::ResourceTemplates) {
            "uriTemplate"
        } else {
            "name"
        };
        let mut entries: Vec<serde_json::Value> = serde_json::from_str(entries).map_err(|e| JsValue::from_str(&format!("entries: {e}")))?;
        entries.retain(|e| allowed(v.policy(), &held, kind, e.get(key).and_then(serde_json::Value::as_str)));
        Ok(serde_json::to_string(&entries).unwrap_or_default())
    }

    /// A filter for the response to `request_body` (bytes) for the token of
    /// `auth_info` (JSON), or `undefined` when the body asks for no list.
    #[wasm_bindgen(js_name = listFilter)]
    pub fn list_filter(&self, auth_info: &str, request_body: &[u8]) -> Result<Option<WasmListFilter>, JsValue> {
        let info = Holder::parse(auth_info)?;
        let v = self.inner();
        Ok(crate::list_filter::ListFilter::new(v.policy(), v.held_scopes(&info), request_body).map(|f| WasmListFilter { filter: Some(f), stream: None }))
    }
}

/// A response being filtered: a JSON body at once ([`message`](Self::message)),
/// or an event stream chunk by chunk ([`push`](Self::push), [`finish`](Self::finish)).
#[wasm_bindgen]
pub struct WasmListFilter {
    filter: Option<crate::list_filter::ListFilter>,
    stream: Option<crate::event_stream::EventStreamRewriter>,
}

#[wasm_bindgen]
impl WasmListFilter {
    /// A whole JSON-RPC body: the bytes to send instead, or `undefined` to send it as it is.
    pub fn message(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        self.filter.as_mut()?.filter_message(body)
    }

    /// The next chunk of an event stream: the bytes to send now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let filter = self.filter.take();
        self.stream.get_or_insert_with(|| crate::event_stream::EventStreamRewriter::new(filter)).push(chunk)
    }

    /// The end of an event stream: what is still held.
    pub fn finish(&mut self) -> Vec<u8> {
        self.stream.as_mut().map(|s| s.finish()).unwrap_or_default()
    }
}
