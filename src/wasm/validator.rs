//! The npm package's validator: a [`Gate`] whose decisions are driven here
//! with the wrapper's key host and the chosen signature backend.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::key_host::{HostIo, KeyHost};
use super::node::{NodeBackend, NodeCrypto};
use super::{config_error, header_text, refusal_json, result_json, seconds};
use crate::body_gate::{BodyGate, Operations};
use crate::crypto::SignatureVerifier;
use crate::decision::{Decision, Gate};
use crate::host::webcrypto::WebCrypto;
use crate::host::{drive, settle, Crypto};
use crate::jwks::refresh::RefreshSettings;
use crate::responses;
use crate::{AuthError, Policy, Refusal, SignatureCheck, Validator};

/// Who checks signatures.
enum Backend {
    /// `crypto.subtle`, asynchronously.
    WebCrypto(WebCrypto),
    /// `node:crypto`, synchronously.
    Node(NodeBackend),
    /// The pure-Rust backend compiled into the package, synchronously; counts the checks it was given.
    Rust(std::cell::Cell<u64>),
}

impl Crypto for Backend {
    async fn verify<V: SignatureVerifier>(&self, gate: &RefCell<Gate<V>>, check: SignatureCheck<'_>) -> Option<bool> {
        match self {
            Backend::WebCrypto(crypto) => crypto.verify(gate, check).await,
            Backend::Node(node) => node.verify(gate, check).await,
            Backend::Rust(checks) => {
                checks.set(checks.get() + 1);
                None
            }
        }
    }
}

/// A checked policy, the loaded key sets and, once the wrapper gives a key
/// host, when to fetch them.
#[wasm_bindgen]
pub struct WasmValidator {
    /// Shared with decisions still waiting when the call that started them returned.
    gate: Rc<RefCell<Gate>>,
    backend: Rc<Backend>,
    /// The wrapper's fetch, cache and timers ([`configure_key_refresh`](Self::configure_key_refresh)).
    host: Option<KeyHost>,
}

#[wasm_bindgen]
impl WasmValidator {
    /// Checks `config` (JSON text); throws `{field, message}` JSON on a mistake.
    /// `crypto` names the signature backend: `"webcrypto"`, `"rust"`, or
    /// `"node"` with `node` (`node:crypto` behind [`NodeCrypto`]).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, crypto: &str, node: Option<NodeCrypto>) -> Result<WasmValidator, JsValue> {
        let validator = Validator::new(Policy::from_json(config).map_err(config_error)?);
        let backend = match (crypto, node) {
            ("webcrypto", _) => Backend::WebCrypto(WebCrypto::default()),
            ("rust", _) => Backend::Rust(std::cell::Cell::new(0)),
            ("node", Some(node)) => Backend::Node(NodeBackend::new(node)),
            ("node", None) => return Err(config_error(crate::ConfigError::new("crypto", "\"node\" needs node:crypto (the package's Node entry)"))),
            _ => return Err(config_error(crate::ConfigError::new("crypto", "must be \"node\", \"webcrypto\" or \"rust\""))),
        };
        Ok(WasmValidator { gate: Rc::new(RefCell::new(Gate::new(validator))), backend: Rc::new(backend), host: None })
    }

    /// Loads `issuer`'s key set; returns `{usable, skipped}` JSON or throws a message.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, issuer: &str, jwks: &str) -> Result<String, JsValue> {
        let report = self.gate.borrow_mut().validator_mut().set_jwks(issuer, jwks.as_bytes()).map_err(|e| JsValue::from_str(&e.to_string()))?;
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

    /// What `body` names, as a decision takes it. With `http`
    /// (`[Content-Type, Content-Encoding, method]`, `""` for an absent field,
    /// the method `POST` when left out) the body arrived over HTTP and goes
    /// through the gate every host shares ([`crate::body_gate`]): a refusal
    /// it answers at once (a body past `maxBodyBytes`) is the `Err`; with no
    /// body, only the head is checked (a host that refused to read it).
    fn operations(&self, authorization: Option<&str>, body: Option<&[u8]>, http: Option<&[String]>) -> Result<Operations, Refusal> {
        let Some(fields) = http else { return Ok(self.inner().inspect(body)) };
        match (self.body_gate(authorization, fields), body) {
            (BodyGate::Refused(refusal), _) => Err(refusal),
            (BodyGate::Decide(operations), _) => Ok(operations),
            (BodyGate::Read { .. }, None) => Ok(Ok(Vec::new())),
            (BodyGate::Read { .. }, Some(bytes)) => self.inner().read_body(bytes),
        }
    }

    /// [`Validator::body_gate`] for a head given as the wrapper's `http` array.
    fn body_gate(&self, authorization: Option<&str>, fields: &[String]) -> BodyGate {
        let field = |i| http_field(fields, i);
        self.inner().body_gate(field(2).unwrap_or("POST"), authorization, field(0), field(1))
    }

    /// How many bytes of a request's body the host reads before
    /// [`verify`](Self::verify) (one past `maxBodyBytes`, counted), or `0`
    /// when it reads none: no credentials, not a `POST`, or a body whose
    /// reading would be ambiguous (`verify` with the same `http` then answers).
    #[wasm_bindgen(js_name = bodyLimit)]
    pub fn body_limit(&self, authorization: Option<Vec<u8>>, http: Vec<String>) -> f64 {
        match self.body_gate(authorization.map(header_text).as_deref(), &http) {
            BodyGate::Read { limit } => limit as f64,
            BodyGate::Refused(_) | BodyGate::Decide(_) => 0.0,
        }
    }

    /// What a body asks to do, as JSON: `{"ok":true,"operations":[{kind,name}…]}`
    /// or `{"ok":false,"status","code"}`; `http` (`[Content-Type,
    /// Content-Encoding]`) holds it to the one-meaning rule first, and alone
    /// checks only the head.
    pub fn inspect(&self, body: Option<Vec<u8>>, http: Option<Vec<String>>) -> String {
        let operations = match http {
            None => self.inner().inspect(body.as_deref()),
            Some(fields) => {
                crate::content::check_json_body(http_field(&fields, 0), http_field(&fields, 1)).and_then(|()| self.inner().inspect(body.as_deref()))
            }
        };
        match operations {
            Ok(operations) => serde_json::json!({ "ok": true, "operations": operations }),
            Err(e) => serde_json::json!({ "ok": false, "status": e.status(), "code": e.code() }),
        }
        .to_string()
    }

    /// Decides a request with the signature checked in Rust, synchronously,
    /// with the key sets loaded so far: `{"ok":true,"authInfo":…}` or the
    /// refusal object, as JSON. `authorization` may be the header value or a
    /// bare token; `body` the JSON-RPC body; `http` as for [`verify`](Self::verify).
    #[wasm_bindgen(js_name = verifySync)]
    pub fn verify_sync(&self, authorization: Option<Vec<u8>>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: f64) -> String {
        let authorization = authorization.map(header_text);
        let verdict = match self.operations(authorization.as_deref(), body.as_deref(), http.as_deref()) {
            Err(refusal) => Err(refusal),
            Ok(operations) => {
                let mut decision = Decision::new(authorization.as_deref(), operations);
                self.inner().decide(&mut decision, seconds(now))
            }
        };
        result_json(&self.gate.borrow(), authorization.as_deref(), verdict)
    }

    /// How many key sets were loaded so far: the wrapper drops the
    /// acceptances it remembers when this moves.
    #[wasm_bindgen(js_name = keyLoads)]
    pub fn key_loads(&self) -> f64 {
        self.inner().key_set_loads() as f64
    }

    /// Decides a request: its issuer's keys fetched through the key host when
    /// the decision asks (after [`configure_key_refresh`](Self::configure_key_refresh)),
    /// its signature checked by the chosen backend. Returns the JSON text at
    /// once when nothing had to be waited for (a refusal, a remembered token,
    /// fresh keys and the Node or Rust backend), else a Promise of it. With
    /// `http` (`[Content-Type, Content-Encoding]`), the body came over HTTP
    /// and must have exactly one reading, as in the Worker. `now` (Unix
    /// seconds) fixes the time of the decision; without it the key host's
    /// clock (or the platform's) is read at each step.
    pub fn verify(&self, authorization: Option<Vec<u8>>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: Option<f64>) -> JsValue {
        let authorization = authorization.map(header_text);
        let mut decision = match self.operations(authorization.as_deref(), body.as_deref(), http.as_deref()) {
            Ok(operations) => Decision::for_header(authorization, operations),
            Err(refusal) => return JsValue::from_str(&refusal_json(&refusal).to_string()),
        };
        let (gate, backend) = (self.gate.clone(), self.backend.clone());
        let io = HostIo { host: self.host.clone(), now_ms: now.map(|s| seconds(s).saturating_mul(1000)) };
        let work = async move {
            let verdict = drive(&gate, &mut decision, &io, &*backend).await;
            let gate = gate.borrow();
            JsValue::from_str(&result_json(&gate, decision.authorization(), verdict))
        };
        settle(work, |work| wasm_bindgen_futures::future_to_promise(async move { Ok(work.await) }).into())
    }

    /// True if `authorization` is a remembered token still accepted for this
    /// body at `now` (the wrapper then reuses the `AuthInfo` it already holds).
    #[wasm_bindgen(js_name = stillAccepted)]
    pub fn still_accepted(&self, authorization: Vec<u8>, body: Option<Vec<u8>>, http: Option<Vec<String>>, now: f64) -> bool {
        let authorization = header_text(authorization);
        match self.operations(Some(&authorization), body.as_deref(), http.as_deref()) {
            Ok(operations) => self.inner().still_accepted(Some(&authorization), &operations, seconds(now)),
            Err(_) => false,
        }
    }

    /// Fetches keys from now on, through `host` (the wrapper's fetch, cache
    /// and timers), by `options` (JSON holding any of
    /// [`RefreshSettings::FIELDS`]); `shared_cache` when the host's cache is
    /// shared with other processes. Throws `{field, message}`.
    #[wasm_bindgen(js_name = configureKeyRefresh)]
    pub fn configure_key_refresh(&mut self, options: &str, host: KeyHost, shared_cache: bool) -> Result<(), JsValue> {
        let value = serde_json::from_str(options).map_err(|e| config_error(crate::ConfigError::new("", e.to_string())))?;
        let settings = RefreshSettings::from_json(value).map_err(config_error)?;
        self.gate.borrow_mut().refresh_keys(settings, shared_cache);
        self.host = Some(host);
        Ok(())
    }

    /// The refusal (JSON) for an `Authorization` value without a usable bearer
    /// token, decided before any body is read; `undefined` when a token is present.
    #[wasm_bindgen(js_name = credentialsRefusal)]
    pub fn credentials_refusal(&self, authorization: Option<Vec<u8>>) -> Option<String> {
        self.inner().refuse_credentials(authorization.map(header_text).as_deref()).map(|r| refusal_json(&r).to_string())
    }

    /// Signature checks so far, by backend: `[webcrypto, node, rust]`.
    #[wasm_bindgen(js_name = signatureChecks)]
    pub fn signature_checks(&self) -> Vec<f64> {
        let (web, node, rust) = match &*self.backend {
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
    /// `{resource, resourceMetadataUrl, wellKnownUrls, requiredScopes, maxBodyBytes, issuers: [{issuer, jwksUri}]}`.
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
            "ERR_JWKS_UNAVAILABLE" => AuthError::JwksUnavailable,
            "ERR_MCP_BODY_TOO_LARGE" => AuthError::BodyTooLarge,
            _ => return None,
        };
        let retry_after = retry_after.filter(|s| s.is_finite() && *s >= 0.0).map(|s| s as u64);
        Some(refusal_json(&crate::Refusal { retry_after, ..self.inner().refuse(error) }).to_string())
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

impl WasmValidator {
    /// The validator, borrowed for one call.
    pub(super) fn inner(&self) -> Ref<'_, Validator> {
        Ref::map(self.gate.borrow(), Gate::validator)
    }
}

/// Field `i` of the wrapper's `http` array (`[Content-Type, Content-Encoding,
/// method]`); `""` or a missing entry is an absent field.
fn http_field(fields: &[String], i: usize) -> Option<&str> {
    fields.get(i).map(String::as_str).filter(|v| !v.is_empty())
}
