//! The WebCrypto signature backend (W3C Web Cryptography API, `crypto.subtle`),
//! for the two JS hosts: the npm package (`wasm/`) and the Worker.
//!
//! `crypto.subtle.verify` runs the host's native RSA, RSA-PSS, ECDSA and
//! Ed25519 code, several times faster than the same arithmetic compiled to
//! wasm. It only answers the final question of [`crate::SignatureCheck`]: key
//! selection, the algorithm allow-list and the strictness checks WebCrypto
//! would not make (signature lengths, ECDSA `r`/`s` ranges, canonical
//! Ed25519 `S`, small-order `R`, key checks at load) were all done in Rust by
//! the decision's first step and key-set loading, so no host leniency leaks through.
//!
//! Each key is imported once per key-set load and algorithm and kept as a
//! `CryptoKey`. Where WebCrypto cannot take a key or algorithm (a host
//! without Ed25519, or with no `crypto.subtle` at all), that key is checked by
//! the Rust backend instead, and remembered as such.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::imported::{ImportedKeys, Slot};
use crate::crypto::SignatureVerifier;
use crate::decision::Gate;
use crate::jwa::{Algorithm, HashAlg, Scheme};
use crate::SignatureCheck;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(format: &str, key: &JsValue, algorithm: &JsValue, extractable: bool, usages: &JsValue) -> Result<js_sys::Promise, JsValue>;

    // The byte slices cross as views of wasm memory; WebCrypto copies them
    // before it returns (WebCrypto §14.3.4 step 3, "get a copy of the bytes").
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(algorithm: &JsValue, key: &JsValue, signature: &[u8], data: &[u8]) -> Result<js_sys::Promise, JsValue>;
}

/// WebCrypto's parameters for a JWS algorithm at import and at
/// verification (W3C Web Cryptography API §21–§23, RFC 7518 §3), as JSON,
/// from the algorithm's scheme, hash and curve ([`Algorithm`]'s table).
fn parameters(alg: Algorithm) -> (String, String) {
    let hash = alg.hash().map_or("", HashAlg::name);
    match alg.scheme() {
        Scheme::Pkcs1 => (format!(r#"{{"name":"RSASSA-PKCS1-v1_5","hash":"{hash}"}}"#), r#"{"name":"RSASSA-PKCS1-v1_5"}"#.to_owned()),
        // RFC 7518 §3.5: the salt is as long as the hash; WebCrypto then refuses any other salt length.
        Scheme::Pss => {
            (format!(r#"{{"name":"RSA-PSS","hash":"{hash}"}}"#), format!(r#"{{"name":"RSA-PSS","saltLength":{}}}"#, alg.pss_salt_len().unwrap_or(0)))
        }
        Scheme::Ecdsa => (format!(r#"{{"name":"ECDSA","namedCurve":"{}"}}"#, alg.key_family().name()), format!(r#"{{"name":"ECDSA","hash":"{hash}"}}"#)),
        Scheme::EdDsa => (r#"{"name":"Ed25519"}"#.to_owned(), r#"{"name":"Ed25519"}"#.to_owned()),
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
        let pair = (js_sys::JSON::parse(&import).ok()?, js_sys::JSON::parse(&verify).ok()?);
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

    /// The slot for `check`'s key, importing it on first use.
    async fn slot<V: SignatureVerifier>(&self, gate: &RefCell<Gate<V>>, check: &SignatureCheck<'_>) -> Option<Slot> {
        let (issuer, load, index, alg) = (check.issuer, check.load, check.key_index, check.alg);
        if let Some(slot) = self.keys.get(issuer, load, index, alg) {
            return Some(slot);
        }
        // The set may have been replaced while an earlier check awaited: then this key is gone.
        let jwk = gate.borrow().validator().key(issuer, load, index)?.key.to_jwk();
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

    /// One `crypto.subtle.verify`; `None` if it threw or rejected instead of answering.
    async fn verify_with(&self, key: &JsValue, alg: Algorithm, signature: &[u8], data: &[u8]) -> Option<bool> {
        let (_, params) = self.algorithm(alg)?;
        let promise = subtle_verify(&params, key, signature, data).ok()?;
        JsFuture::from(promise).await.ok()?.as_bool()
    }

    /// Verifies one detached signature with an already-checked key (for the
    /// primitive test vectors): `None` when WebCrypto cannot take the key.
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) async fn verify_detached(&self, key: &crate::jwks::set::PublicKey, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Option<bool> {
        let imported = self.import(&key.to_jwk(), alg).await?;
        self.verify_with(&imported, alg, signature, signing_input).await
    }
}

impl super::Crypto for WebCrypto {
    /// A key WebCrypto refused at import, or a check it threw on, is left to
    /// the validator's own backend (`None`), and counted as such.
    async fn verify<V: SignatureVerifier>(&self, gate: &RefCell<Gate<V>>, check: SignatureCheck<'_>) -> Option<bool> {
        let verdict = match self.slot(gate, &check).await? {
            Slot::Key(key) => self.verify_with(&key, check.alg, check.signature, check.signing_input).await,
            Slot::Rust => None,
        };
        self.keys.count(verdict.is_some());
        verdict
    }
}
