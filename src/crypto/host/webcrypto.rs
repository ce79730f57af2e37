//! The WebCrypto signature backend (W3C Web Cryptography API, `crypto.subtle`),
//! for the two JS hosts: the npm package (wasm.rs) and the Worker.
//!
//! `crypto.subtle.verify` runs the host's native RSA, RSA-PSS, ECDSA and
//! Ed25519 code, several times faster than the same arithmetic compiled to
//! wasm. It only answers the final question of [`crate::SignatureCheck`]: key
//! selection, the algorithm allow-list and the strictness checks WebCrypto
//! would not make (signature lengths, ECDSA `r`/`s` ranges, canonical
//! Ed25519 `S`, small-order `R`, key checks at load) were all done in Rust by
//! [`Validator::begin`] and key-set loading, so no host leniency leaks through.
//!
//! Each key is imported once per key-set load and algorithm and kept as a
//! `CryptoKey`. Where WebCrypto cannot take a key or algorithm (a host
//! without Ed25519, or with no `crypto.subtle` at all), that key is checked by
//! the Rust backend instead, and remembered as such.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::imported::{ImportedKeys, Slot};
use crate::crypto::SignatureVerifier;
use crate::jwa::Algorithm;
use crate::mcp::Operation;
use crate::token_cache::Accepted;
use crate::validator::SharedDecision;
use crate::{AuthError, PendingSignature, Refusal, Validator};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(format: &str, key: &JsValue, algorithm: &JsValue, extractable: bool, usages: &JsValue) -> Result<js_sys::Promise, JsValue>;

    // The byte slices cross as views of wasm memory; WebCrypto copies them
    // before it returns (WebCrypto §14.3.4 step 3, "get a copy of the bytes").
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(algorithm: &JsValue, key: &JsValue, signature: &[u8], data: &[u8]) -> Result<js_sys::Promise, JsValue>;
}

/// WebCrypto's name for a JWS algorithm at import and at verification (RFC 7518 §3).
fn parameters(alg: Algorithm) -> (&'static str, &'static str) {
    match alg {
        Algorithm::Rs256 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
        Algorithm::Rs384 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-384"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
        Algorithm::Rs512 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-512"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
        // RFC 7518 §3.5: the salt is as long as the hash; WebCrypto then refuses any other salt length.
        Algorithm::Ps256 => (r#"{"name":"RSA-PSS","hash":"SHA-256"}"#, r#"{"name":"RSA-PSS","saltLength":32}"#),
        Algorithm::Ps384 => (r#"{"name":"RSA-PSS","hash":"SHA-384"}"#, r#"{"name":"RSA-PSS","saltLength":48}"#),
        Algorithm::Ps512 => (r#"{"name":"RSA-PSS","hash":"SHA-512"}"#, r#"{"name":"RSA-PSS","saltLength":64}"#),
        Algorithm::Es256 => (r#"{"name":"ECDSA","namedCurve":"P-256"}"#, r#"{"name":"ECDSA","hash":"SHA-256"}"#),
        Algorithm::Es384 => (r#"{"name":"ECDSA","namedCurve":"P-384"}"#, r#"{"name":"ECDSA","hash":"SHA-384"}"#),
        Algorithm::EdDsa => (r#"{"name":"Ed25519"}"#, r#"{"name":"Ed25519"}"#),
    }
}

/// WebCrypto's imported keys and algorithm objects, kept for the life of the isolate.
#[derive(Default)]
pub(crate) struct WebCrypto {
    keys: ImportedKeys,
    /// Parsed once per algorithm: (import, verify) parameter objects.
    algorithms: RefCell<HashMap<Algorithm, (JsValue, JsValue)>>,
}

impl WebCrypto {
    fn algorithm(&self, alg: Algorithm) -> Option<(JsValue, JsValue)> {
        if let Some(pair) = self.algorithms.borrow().get(&alg) {
            return Some(pair.clone());
        }
        let (import, verify) = parameters(alg);
        let pair = (js_sys::JSON::parse(import).ok()?, js_sys::JSON::parse(verify).ok()?);
        self.algorithms.borrow_mut().insert(alg, pair.clone());
        Some(pair)
    }

    /// Imports one public key (RFC 7517 JWK of its public members) for `alg`; `None` if WebCrypto refuses it.
    async fn import(&self, jwk: &serde_json::Value, alg: Algorithm) -> Option<JsValue> {
        let (import_params, _) = self.algorithm(alg)?;
        let jwk = js_sys::JSON::parse(&jwk.to_string()).ok()?;
        let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
        let promise = import_key("jwk", &jwk, &import_params, false, &usages).ok()?;
        JsFuture::from(promise).await.ok()
    }

    /// The slot for a key of `pending`'s issuer, importing it on first use.
    async fn slot<V: SignatureVerifier>(&self, validator: &RefCell<Validator<V>>, pending: &PendingSignature, index: usize, alg: Algorithm) -> Option<Slot> {
        let (issuer, load) = (pending.issuer(), pending.key_set_load());
        if let Some(slot) = self.keys.get(issuer, load, index, alg) {
            return Some(slot);
        }
        // The set may have been replaced while an earlier check awaited: then this key is gone.
        let jwk = validator.borrow().key(issuer, load, index)?.key.to_jwk();
        let slot = match self.import(&jwk, alg).await {
            Some(key) => Slot::Key(key),
            None => Slot::Rust,
        };
        self.keys.put(issuer, load, index, alg, slot.clone());
        Some(slot)
    }

    /// How many signature checks WebCrypto and the Rust backend answered.
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) fn counts(&self) -> (u64, u64) {
        self.keys.counts()
    }

    fn in_rust<V: SignatureVerifier>(&self, validator: &RefCell<Validator<V>>, pending: &PendingSignature, key_index: usize) -> bool {
        self.keys.count(false);
        validator.borrow().check_signature(pending, key_index)
    }

    /// True iff one of `pending`'s checks passes.
    async fn check<V: SignatureVerifier>(&self, validator: &RefCell<Validator<V>>, pending: &PendingSignature) -> bool {
        for check in pending.checks() {
            let slot = self.slot(validator, pending, check.key_index, check.alg).await;
            let verified = match slot {
                Some(Slot::Key(key)) => match self.verify(&key, check.alg, check.signature, check.signing_input).await {
                    Some(verdict) => {
                        self.keys.count(true);
                        verdict
                    }
                    None => self.in_rust(validator, pending, check.key_index),
                },
                Some(Slot::Rust) => self.in_rust(validator, pending, check.key_index),
                None => false,
            };
            if verified {
                return true;
            }
        }
        false
    }

    /// One `crypto.subtle.verify`; `None` if it threw or rejected instead of answering.
    async fn verify(&self, key: &JsValue, alg: Algorithm, signature: &[u8], data: &[u8]) -> Option<bool> {
        let (_, params) = self.algorithm(alg)?;
        let promise = subtle_verify(&params, key, signature, data).ok()?;
        JsFuture::from(promise).await.ok()?.as_bool()
    }

    /// Verifies one detached signature with an already-checked key (for the
    /// primitive test vectors): `None` when WebCrypto cannot take the key.
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) async fn verify_detached(&self, key: &crate::jwks::set::PublicKey, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Option<bool> {
        let imported = self.import(&key.to_jwk(), alg).await?;
        self.verify(&imported, alg, signature, signing_input).await
    }

    /// Decides one request like [`Validator::verify_inspected`], with the
    /// signature checked by WebCrypto. No borrow of `validator` is held
    /// across an await, so key sets may be replaced meanwhile.
    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    pub(crate) async fn decide<V: SignatureVerifier>(
        &self,
        validator: &RefCell<Validator<V>>,
        authorization: Option<&str>,
        operations: &Result<Vec<Operation>, AuthError>,
        now: u64,
    ) -> Result<Arc<Accepted>, Refusal> {
        let decision = validator.borrow().begin_shared(authorization, operations, now);
        match decision {
            SharedDecision::Done(result) => result,
            SharedDecision::Pending(pending) => self.complete(validator, pending, now).await,
        }
    }

    /// Runs a pending decision's signature checks, then finishes it.
    pub(crate) async fn complete<V: SignatureVerifier>(
        &self,
        validator: &RefCell<Validator<V>>,
        pending: PendingSignature,
        now: u64,
    ) -> Result<Arc<Accepted>, Refusal> {
        let verified = self.check(validator, &pending).await;
        validator.borrow().finish_shared(pending, verified, now)
    }
}
