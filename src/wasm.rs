//! The JS-facing API (feature `wasm`), used by the npm package's TypeScript
//! wrapper. Values cross the boundary as JSON text: one well-tested encoder on
//! each side, and errors arrive as data (`{status, error, code, …}`), never as
//! exceptions, except configuration errors, which are thrown once at start-up
//! as JSON `{field, message}`.

use wasm_bindgen::prelude::*;

use crate::{crypto, Policy, Validator};

fn config_error(e: crate::ConfigError) -> JsValue {
    JsValue::from_str(&serde_json::json!({ "field": e.field, "message": e.to_string() }).to_string())
}

/// A checked policy and the loaded key sets.
#[wasm_bindgen]
pub struct WasmValidator {
    inner: Validator,
}

#[wasm_bindgen]
impl WasmValidator {
    /// Checks `config` (JSON text); throws `{field, message}` JSON on a mistake.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<WasmValidator, JsValue> {
        Ok(WasmValidator { inner: Validator::new(Policy::from_json(config).map_err(config_error)?) })
    }

    /// Loads `issuer`'s key set; returns `{usable, skipped}` JSON or throws a message.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, issuer: &str, jwks: &str) -> Result<String, JsValue> {
        let report = self.inner.set_jwks(issuer, jwks.as_bytes()).map_err(|e| JsValue::from_str(&e.to_string()))?;
        Ok(serde_json::to_string(&report).unwrap_or_default())
    }

    /// True if a key set is loaded for `issuer`.
    #[wasm_bindgen(js_name = hasJwks)]
    pub fn has_jwks(&self, issuer: &str) -> bool {
        self.inner.has_jwks(issuer)
    }

    /// The configured issuer `authorization` claims, if any (nothing verified).
    #[wasm_bindgen(js_name = issuerFor)]
    pub fn issuer_for(&self, authorization: &str) -> Option<String> {
        self.inner.issuer_for(Some(authorization)).map(str::to_owned)
    }

    /// Decides a request: `{"ok":true,"authInfo":…}` or the refusal object, as JSON.
    /// `authorization` may be the header value or a bare token; `body` the JSON-RPC body.
    pub fn verify(&self, authorization: Option<String>, body: Option<String>, now: f64) -> String {
        // Times before 1970 or non-finite clocks are clamped; the JS side passes Date.now() / 1000.
        let now = if now.is_finite() && now > 0.0 { now as u64 } else { 0 };
        let result = match self.inner.verify(authorization.as_deref(), body.as_deref().map(str::as_bytes), now) {
            Ok(info) => serde_json::json!({ "ok": true, "authInfo": info }),
            Err(refusal) => refusal.to_json(),
        };
        result.to_string()
    }

    /// The RFC 9728 document, as JSON.
    pub fn metadata(&self) -> String {
        serde_json::to_string(self.inner.metadata()).unwrap_or_default()
    }

    /// What the I/O layers need from the checked policy, as JSON:
    /// `{resource, resourceMetadataUrl, wellKnownUrls, requiredScopes, issuers: [{issuer, jwksUri}]}`.
    pub fn describe(&self) -> String {
        let p = self.inner.policy();
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
    /// `ERR_JWKS_UNAVAILABLE` (keys cannot be fetched) or `ERR_MCP_BODY_TOO_LARGE`
    /// (the body was not read). Other codes: `None`.
    pub fn refusal(&self, code: &str) -> Option<String> {
        let error = match code {
            "ERR_JWKS_UNAVAILABLE" => crate::AuthError::JwksUnavailable,
            "ERR_MCP_BODY_TOO_LARGE" => crate::AuthError::BodyTooLarge,
            _ => return None,
        };
        Some(self.inner.refuse(error).to_json().to_string())
    }
}

/// Verifies a detached JWS signature against one JWK (JSON text): `"valid"`,
/// `"invalid"` or `"unsupported"`. For primitive test vectors.
#[wasm_bindgen(js_name = verifyJwsSignature)]
pub fn verify_jws_signature(alg: &str, jwk: &str, signing_input: &str, signature_b64url: &str) -> String {
    let Ok(signature) = crate::base64url::decode(signature_b64url.as_bytes()) else { return "invalid".into() };
    match crypto::verify_jws_signature(alg, jwk, signing_input.as_bytes(), &signature) {
        Ok(true) => "valid",
        Ok(false) => "invalid",
        Err(_) => "unsupported",
    }
    .into()
}
