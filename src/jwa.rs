//! The JWS algorithms we verify (RFC 7518 §3, RFC 8037 §3.1).
//!
//! Only asymmetric algorithms exist here. `none` and the HMAC family are not
//! variants at all, so no configuration can enable them (RFC 8725 §3.1–3.2).

/// A JWS `alg` value this crate can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32.
    Ps256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt length 48.
    Ps384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt length 64.
    Ps512,
    /// ECDSA on P-256 with SHA-256, signature R‖S (2 × 32 bytes).
    Es256,
    /// ECDSA on P-384 with SHA-384, signature R‖S (2 × 48 bytes).
    Es384,
    /// EdDSA with Ed25519 (RFC 8037).
    EdDsa,
}

/// The family a key must belong to for an algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFamily {
    /// `kty: RSA`.
    Rsa,
    /// `kty: EC, crv: P-256`.
    P256,
    /// `kty: EC, crv: P-384`.
    P384,
    /// `kty: OKP, crv: Ed25519`.
    Ed25519,
}

impl KeyFamily {
    /// The family as people name it (`RSA`, `P-256`, `P-384`, `Ed25519`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::Ed25519 => "Ed25519",
        }
    }
}

impl Algorithm {
    /// Every supported algorithm, the default allowlist.
    pub const ALL: [Algorithm; 9] = [Self::Rs256, Self::Rs384, Self::Rs512, Self::Ps256, Self::Ps384, Self::Ps512, Self::Es256, Self::Es384, Self::EdDsa];

    /// Looks up an `alg` value; names are case-sensitive (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The registered `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Which keys can verify this algorithm.
    pub fn key_family(self) -> KeyFamily {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => KeyFamily::Rsa,
            Self::Es256 => KeyFamily::P256,
            Self::Es384 => KeyFamily::P384,
            Self::EdDsa => KeyFamily::Ed25519,
        }
    }
}

/// True for every spelling of `none` (RFC 8725 §2.1: libraries were fooled by `None`, `NONE`, `nOnE`).
pub(crate) fn is_none(name: &str) -> bool {
    name.eq_ignore_ascii_case("none")
}

/// True for the HMAC algorithms in any case: a public key must never become an HMAC secret (RFC 8725 §2.1).
pub(crate) fn is_symmetric(name: &str) -> bool {
    ["HS256", "HS384", "HS512"].iter().any(|h| h.eq_ignore_ascii_case(name))
}
