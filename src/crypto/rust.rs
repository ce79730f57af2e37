//! The pure-Rust backend: jwt-compact's RSA, RSA-PSS and ES256 primitives,
//! the p384 crate for ES384, and ed25519-dalek for EdDSA.
//!
//! EdDSA uses `verify_strict` rather than jwt-compact's plain `verify`: it
//! also refuses small-order `R` and keys, closing malleability and
//! key-substitution gaps that RFC 8032 leaves to implementations.

use jwt_compact::alg::{Es256, Rsa};
use jwt_compact::{Algorithm as _, AlgorithmSignature};

use super::SignatureVerifier;
use crate::jwa::Algorithm;
use crate::jwks::set::PublicKey;

/// Verification in Rust, for native builds and hosts without WebCrypto.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCrypto;

impl SignatureVerifier for RustCrypto {
    fn verify(&self, alg: Algorithm, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> bool {
        match (alg, key) {
            (Algorithm::EdDsa, PublicKey::Ed25519(k)) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else { return false };
                k.verify_strict(signing_input, &sig).is_ok()
            }
            (Algorithm::Es256, PublicKey::P256(k)) => {
                let Ok(sig) = <Es256 as jwt_compact::Algorithm>::Signature::try_from_slice(signature) else { return false };
                Es256.verify_signature(&sig, k, signing_input)
            }
            (Algorithm::Es384, PublicKey::P384(point)) => {
                use p384::ecdsa::signature::Verifier;
                // The point was checked at load (crypto/ec.rs); p384 checks it again here.
                let encoded = p384::EncodedPoint::from_affine_coordinates(point.x().into(), point.y().into(), false);
                let Ok(key) = p384::ecdsa::VerifyingKey::from_encoded_point(&encoded) else { return false };
                let Ok(sig) = p384::ecdsa::Signature::from_slice(signature) else { return false };
                key.verify(signing_input, &sig).is_ok()
            }
            (_, PublicKey::Rsa(k)) => {
                let rsa = match alg {
                    Algorithm::Rs256 => Rsa::rs256(),
                    Algorithm::Rs384 => Rsa::rs384(),
                    Algorithm::Rs512 => Rsa::rs512(),
                    Algorithm::Ps256 => Rsa::ps256(),
                    Algorithm::Ps384 => Rsa::ps384(),
                    Algorithm::Ps512 => Rsa::ps512(),
                    _ => return false,
                };
                let Ok(sig) = <Rsa as jwt_compact::Algorithm>::Signature::try_from_slice(signature) else { return false };
                rsa.verify_signature(&sig, k, signing_input)
            }
            _ => false,
        }
    }
}
