//! Signature verification behind one small trait.
//!
//! The core decides *which* key and algorithm; a [`SignatureVerifier`] only
//! answers "does this signature verify". Strictness that must not depend on
//! the backend — signature lengths, ECDSA `r`/`s` ranges (CVE-2022-21449),
//! canonical Ed25519 `S` — is checked here, in [`encoding_ok`], before any
//! backend is asked, so a lenient backend cannot weaken it.

pub mod ec;
mod rust;

pub use rust::RustCrypto;

use crate::jwa::Algorithm;
use crate::jwks::set::PublicKey;

/// Verifies one JWS signature (RFC 7515 §5.2 step 8).
pub trait SignatureVerifier {
    /// True iff `signature` is a valid `alg` signature of `signing_input` by
    /// `key`. Only called after [`encoding_ok`] passed and with a key whose
    /// family fits `alg`.
    fn verify(&self, alg: Algorithm, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> bool;
}

/// A synchronous backend with no signature code: every check it is asked
/// fails closed. For hosts where an asynchronous backend (WebCrypto) answers
/// every check, so the pure-Rust arithmetic is left out of the build (the
/// Worker: workerd takes every algorithm this crate accepts).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSyncVerifier;

impl SignatureVerifier for NoSyncVerifier {
    fn verify(&self, _: Algorithm, _: &PublicKey, _: &[u8], _: &[u8]) -> bool {
        false
    }
}

/// The Ed25519 group order ℓ, little-endian (RFC 8032 §5.1).
const ED25519_L: [u8; 32] =
    [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];

/// The y-coordinates of edwards25519's eight small-order points (RFC 8032
/// §5.1.3 encoding, sign bit cleared): 0, 1, p−1, the order-8 pair y₈ and
/// p−y₈, and the non-canonical aliases p and p+1 of 0 and 1. Every
/// small-order `R` has one of these, with either sign bit.
const ED25519_SMALL_ORDER_Y: [[u8; 32]; 7] = {
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let (mut p, mut p_plus_1) = (p_minus_1, p_minus_1);
    p[0] = 0xed;
    p_plus_1[0] = 0xee;
    let mut one = [0; 32];
    one[0] = 1;
    [
        [0; 32],
        one,
        p_minus_1,
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
            0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
            0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
        ],
        p,
        p_plus_1,
    ]
};

/// True if an Ed25519 signature's `R` is a small-order point. ed25519-dalek's
/// `verify_strict` refuses these; OpenSSL (behind WebCrypto) does not, so the
/// check lives here, where every backend gets it.
fn ed25519_small_order_r(r: &[u8]) -> bool {
    let mut y = [0u8; 32];
    y.copy_from_slice(&r[..32]);
    y[31] &= 0x7f;
    ED25519_SMALL_ORDER_Y.contains(&y)
}

/// Backend-independent shape checks on a signature for `key` and `alg`.
pub fn encoding_ok(alg: Algorithm, key: &PublicKey, signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    match (alg, key) {
        // RFC 8017 §8.2.2 / §8.1.2: the signature is exactly k octets.
        (_, PublicKey::Rsa(k)) => signature.len() == k.size(),
        // RFC 7518 §3.4: fixed-width R‖S, each in [1, n-1].
        (Algorithm::Es256, PublicKey::P256(_)) => ec::es256_signature_ok(signature),
        (Algorithm::Es384, PublicKey::P384(_)) => ec::es384_signature_ok(signature),
        // RFC 8032 §5.1.7: S must be canonical, 0 ≤ S < ℓ; R must not be of small order.
        (Algorithm::EdDsa, PublicKey::Ed25519(_)) => {
            signature.len() == 64
                && signature[32..].iter().rev().zip(ED25519_L.iter().rev()).find(|(s, l)| s != l).is_some_and(|(s, l)| s < l)
                && !ed25519_small_order_r(signature)
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
    let (alg, key) = signature_key(alg, jwk)?;
    Ok(verify_with(&RustCrypto, alg, &key.key, signing_input, signature))
}

/// The algorithm and checked key for [`verify_jws_signature`], for a backend
/// that runs the signature check itself.
pub fn signature_key(alg: &str, jwk: &str) -> Result<(Algorithm, crate::jwks::set::Jwk), &'static str> {
    let alg = Algorithm::from_name(alg).ok_or("unsupported algorithm")?;
    let value = crate::json::parse(jwk.as_bytes()).map_err(|_| "key is not JSON")?;
    let key = crate::jwks::set::parse_jwk(&value)?;
    if !key.allows(alg) {
        return Err("key does not allow this algorithm");
    }
    Ok((alg, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_bytes(key: &PublicKey) -> &[u8; 32] {
        match key {
            PublicKey::Ed25519(k) => k.as_bytes(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn ed25519_s_must_be_below_l() {
        let key = PublicKey::Ed25519(
            ed25519_dalek::VerifyingKey::from_bytes(&crate::base64url::decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap().try_into().unwrap())
                .unwrap(),
        );
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(key_bytes(&key));
        sig[32..].copy_from_slice(&ED25519_L);
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig), "S = l");
        sig[32] -= 1;
        assert!(encoding_ok(Algorithm::EdDsa, &key, &sig), "S = l - 1");
        sig[63] = 0xff;
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig), "S > l");
        assert!(!encoding_ok(Algorithm::EdDsa, &key, &sig[..63]));
    }

    #[test]
    fn ed25519_small_order_list_is_exactly_the_torsion_points() {
        // Each listed y, with either sign bit, either fails to decode or is of small order...
        let mut points = Vec::new();
        for y in ED25519_SMALL_ORDER_Y {
            for sign in [0, 0x80] {
                let mut r = y;
                r[31] |= sign;
                if let Ok(point) = ed25519_dalek::VerifyingKey::from_bytes(&r) {
                    assert!(point.is_weak(), "{r:02x?}");
                    points.push(point.to_edwards().compress().to_bytes());
                }
                assert!(ed25519_small_order_r(&r));
            }
        }
        // ...and they decode to eight distinct points: the whole torsion subgroup.
        points.sort();
        points.dedup();
        assert_eq!(points.len(), 8);
        // An ordinary point is not flagged.
        assert!(!ed25519_small_order_r(&crate::base64url::decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap()));
    }
}
