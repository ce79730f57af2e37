//! The Node backend (feature `wasm`): signatures checked by `node:crypto`,
//! synchronously, for the npm package under Node.
//!
//! Node's WebCrypto runs every `crypto.subtle.verify` as a job on libuv's
//! thread pool and resolves a promise afterwards; for one signature that
//! round trip costs more than the OpenSSL arithmetic itself. `crypto.verify`
//! with a `KeyObject` runs the same OpenSSL code on the calling thread. As
//! with [`crate::host::webcrypto`], Node only answers the final question of a
//! [`crate::SignatureCheck`]: key selection and every strictness check
//! (signature lengths, ECDSA `r`/`s` ranges, canonical Ed25519 `S`,
//! small-order `R`, key checks at load) ran in Rust before it is asked.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::crypto::SignatureVerifier;
use crate::decision::Gate;
use crate::host::imported::{ImportedKeys, Slot};
use crate::jwa::{Algorithm, HashAlg, Scheme};
use crate::jwks::set::PublicKey;
use crate::SignatureCheck;

#[wasm_bindgen]
extern "C" {
    /// `node:crypto` behind two functions, as the package's Node entry
    /// provides it (js/src/node.ts, `nodeCrypto`).
    pub type NodeCrypto;

    /// A handle for one public key (RFC 7517 JWK, JSON text), to verify with
    /// `digest` (`sha256`…, none for Ed25519), RSA-PSS padding with a salt of
    /// `pss_salt_len` bytes when given, and ECDSA signatures as R‖S
    /// (`ieee-p1363`, RFC 7518 §3.4) when `p1363`; `null` if Node refuses the key.
    #[wasm_bindgen(method, js_name = importKey, catch)]
    fn import_key(this: &NodeCrypto, jwk: &str, digest: Option<&str>, pss_salt_len: Option<u32>, p1363: bool) -> Result<JsValue, JsValue>;

    // The slices cross as views of wasm memory; `crypto.verify` reads them
    // before it returns and keeps nothing.
    /// One `crypto.verify` with a handle from `importKey`.
    #[wasm_bindgen(method, catch)]
    fn verify(this: &NodeCrypto, key: &JsValue, data: &[u8], signature: &[u8]) -> Result<bool, JsValue>;
}

/// Node's keys, imported once per key-set load and algorithm.
pub(crate) struct NodeBackend {
    host: NodeCrypto,
    keys: ImportedKeys,
}

impl NodeBackend {
    pub(crate) fn new(host: NodeCrypto) -> Self {
        Self { host, keys: ImportedKeys::default() }
    }

    /// How many signature checks Node and the Rust backend answered.
    pub(crate) fn counts(&self) -> (u64, u64) {
        self.keys.counts()
    }

    fn import(&self, key: &PublicKey, alg: Algorithm) -> Option<JsValue> {
        let (digest, salt) = (alg.hash().map(HashAlg::openssl_name), alg.pss_salt_len().map(|n| n as u32));
        let p1363 = alg.scheme() == Scheme::Ecdsa;
        self.host.import_key(&key.to_jwk().to_string(), digest, salt, p1363).ok().filter(|k| !k.is_null() && !k.is_undefined())
    }

    /// Verifies one detached signature with an already-checked key (for the
    /// primitive test vectors): `None` when Node cannot take the key.
    pub(crate) fn verify_detached(&self, key: &PublicKey, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Option<bool> {
        self.host.verify(&self.import(key, alg)?, signing_input, signature).ok()
    }
}

impl crate::host::Crypto for NodeBackend {
    /// Synchronous: the future is ready at its first poll. A key Node refused
    /// at import, or a check it threw on, is left to the validator's own
    /// backend (`None`), and counted as such.
    async fn verify<V: SignatureVerifier>(&self, gate: &RefCell<Gate<V>>, check: SignatureCheck<'_>) -> Option<bool> {
        let slot = match self.keys.get(check.issuer, check.load, check.key_index, check.alg) {
            Some(slot) => slot,
            None => {
                let gate = gate.borrow();
                let jwk = gate.validator().key(check.issuer, check.load, check.key_index)?;
                let slot = self.import(&jwk.key, check.alg).map_or(Slot::Rust, Slot::Key);
                self.keys.put(check.issuer, check.load, check.key_index, check.alg, slot.clone());
                slot
            }
        };
        let verdict = match slot {
            Slot::Key(key) => self.host.verify(&key, check.signing_input, check.signature).ok(),
            Slot::Rust => None,
        };
        self.keys.count(verdict.is_some());
        verdict
    }
}
