//! Signature verification behind one small trait.
//!
//! The core decides *which* key and algorithm; a [`SignatureVerifier`] only
//! answers "does this signature verify". Strictness that must not depend on
//! the backend — signature lengths, ECDSA `r`/`s` ranges (CVE-2022-21449),
//! canonical Ed25519 `S` — is checked here, in [`encoding_ok`], before any
//! backend is asked, so a lenient backend cannot weaken it.

mod rust;

pub use rust::RustCrypto;

use crate::jwa::Algorithm;
use crate::keys::PublicKey;

/// Verifies one JWS signature (RFC 7515 §5.2 step 8).
pub trait SignatureVerifier {
    /// True iff `signature` is a valid `alg` signature of `signing_input` by
    /// `key`. Only called after [`encoding_ok`] passed and with a key whose
    /// family fits `alg`.
    fn verify(&self, alg: Algorithm, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> bool;
}

/// The Ed25519 group order ℓ, little-endian (RFC 8032 §5.1).
const ED25519_L: [u8; 32] =
    [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];

/// Backend-independent shape checks on a signature for `key` and `alg`.
pub fn encoding_ok(alg: Algorithm, key: &PublicKey, signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    match (alg, key) {
        // RFC 8017 §8.2.2 / §8.1.2: the signature is exactly k octets.
        (_, PublicKey::Rsa(k)) => signature.len() == k.size(),
        // RFC 7518 §3.4: fixed-width R‖S, each in [1, n-1].
        (Algorithm::Es256, PublicKey::P256(_)) => p256::ecdsa::Signature::from_slice(signature).is_ok(),
        (Algorithm::Es384, PublicKey::P384(_)) => p384::ecdsa::Signature::from_slice(signature).is_ok(),
        // RFC 8032 §5.1.7: S must be canonical, 0 ≤ S < ℓ.
        (Algorithm::EdDsa, PublicKey::Ed25519(_)) => {
            signature.len() == 64 && signature[32..].iter().rev().zip(ED25519_L.iter().rev()).find(|(s, l)| s != l).is_some_and(|(s, l)| s < l)
        }
        _ => false,
    }
}

/// Checks a signature with a backend after the shared strictness checks.
pub fn verify_with(verifier: &impl SignatureVerifier, alg: Algorithm, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> bool {
    key.family() == alg.key_family() && encoding_ok(alg, key, signature) && verifier.verify(alg, key, signing_input, signature)
}

/// Verifies a detached JWS signature against one JWK (JSON text), for
/// primitive test vectors (RFC 7520, RFC 8037) whose payloads are not JWTs.
/// `Err` when the algorithm or key cannot be used at all.
pub fn verify_jws_signature(alg: &str, jwk: &str, signing_input: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
    let alg = Algorithm::from_name(alg).ok_or("unsupported algorithm")?;
    let value = crate::json::parse(jwk.as_bytes()).map_err(|_| "key is not JSON")?;
    let key = crate::keys::parse_jwk(&value)?;
    if !key.allows(alg) {
        return Err("key does not allow this algorithm");
    }
    Ok(verify_with(&RustCrypto, alg, &key.key, signing_input, signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_s_must_be_below_l() {
        let key = PublicKey::Ed25519(
            ed25519_dalek::VerifyingKey::from_bytes(&crate::base64url::decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap().try_into().unwrap())
                .unwrap(),
        );
        let mut sig = [0u8; 64];
        sig[32..].copy_from_slice(&ED25519_L);
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig), "S = l");
        sig[32] -= 1;
        assert!(encoding_ok(Algorithm::EdDsa, &key, &sig), "S = l - 1");
        sig[63] = 0xff;
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig), "S > l");
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig[..63]));
    }
}
