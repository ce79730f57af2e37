//! One detached JWS signature, checked by each backend after the same
//! strictness checks in Rust (the primitive test vectors run through
//! these), and a resource URI's comparison key.

use wasm_bindgen::prelude::*;

use super::node::{NodeBackend, NodeCrypto};
use crate::crypto;
use crate::host::webcrypto::WebCrypto;

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
