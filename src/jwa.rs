//! The JWS algorithms we verify (RFC 7518 §3, RFC 8037 §3.1).
//!
//! Only asymmetric algorithms exist here. `none` and the HMAC family are not
//! variants at all, so no configuration can enable them (RFC 8725 §3.1–3.2).

/// Defines [`Algorithm`] from one table: each algorithm's registered name,
/// the keys that verify it, its signature scheme and its hash, so every list
/// and every backend's parameters are derived, never restated.
macro_rules! algorithms {
    ($($(#[$doc:meta])* $variant:ident => ($name:literal, $family:ident, $scheme:ident, $hash:expr),)*) => {
        /// A JWS `alg` value this crate can verify.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Algorithm {
            $($(#[$doc])* $variant,)*
        }

        impl Algorithm {
            /// Every supported algorithm, the default allowlist.
            pub const ALL: &'static [Algorithm] = &[$(Self::$variant),*];

            /// The registered `alg` name (RFC 7518 §3.1, RFC 8037 §3.1).
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// Which keys can verify this algorithm.
            pub fn key_family(self) -> KeyFamily {
                match self {
                    $(Self::$variant => KeyFamily::$family,)*
                }
            }

            /// How the signature is made.
            pub fn scheme(self) -> Scheme {
                match self {
                    $(Self::$variant => Scheme::$scheme,)*
                }
            }

            /// The hash signed over (none for EdDSA, which hashes as part of the scheme).
            pub fn hash(self) -> Option<HashAlg> {
                #[allow(unused_imports)]
                use HashAlg::*;
                match self {
                    $(Self::$variant => $hash,)*
                }
            }
        }
    };
}

algorithms! {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256 => ("RS256", Rsa, Pkcs1, Some(Sha256)),
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384 => ("RS384", Rsa, Pkcs1, Some(Sha384)),
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512 => ("RS512", Rsa, Pkcs1, Some(Sha512)),
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32.
    Ps256 => ("PS256", Rsa, Pss, Some(Sha256)),
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt length 48.
    Ps384 => ("PS384", Rsa, Pss, Some(Sha384)),
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt length 64.
    Ps512 => ("PS512", Rsa, Pss, Some(Sha512)),
    /// ECDSA on P-256 with SHA-256, signature R‖S (2 × 32 bytes).
    Es256 => ("ES256", P256, Ecdsa, Some(Sha256)),
    /// ECDSA on P-384 with SHA-384, signature R‖S (2 × 48 bytes).
    Es384 => ("ES384", P384, Ecdsa, Some(Sha384)),
    /// EdDSA with Ed25519 (RFC 8037).
    EdDsa => ("EdDSA", Ed25519, EdDsa, None),
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
    /// The family as people name it (`RSA`, `P-256`, `P-384`, `Ed25519`),
    /// which is also the curve's name in JWK `crv` and WebCrypto `namedCurve`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::Ed25519 => "Ed25519",
        }
    }
}

/// A signature scheme (RFC 7518 §3.3–3.5, RFC 8037 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    Pkcs1,
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash (RFC 7518 §3.5).
    Pss,
    /// ECDSA, the signature as the fixed-width R‖S (RFC 7518 §3.4), not DER.
    Ecdsa,
    /// Ed25519 (RFC 8032).
    EdDsa,
}

/// A hash function signed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// Its name as WebCrypto spells it (`SHA-256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// Its name as OpenSSL registers it (`sha256`), for `node:crypto`: Node
    /// takes `SHA-256` too, but finds it only by a scan of OpenSSL's name
    /// table on every `crypto.verify`, where `sha256` is one lookup.
    pub fn openssl_name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// Its output length in bytes: the RSA-PSS salt length (RFC 7518 §3.5).
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

impl Algorithm {
    /// Looks up an `alg` value; names are case-sensitive (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Every supported name, space-separated, for messages.
    pub fn names() -> String {
        Self::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(" ")
    }

    /// The RSA-PSS salt length: the hash's (RFC 7518 §3.5); `None` for other schemes.
    pub fn pss_salt_len(self) -> Option<usize> {
        (self.scheme() == Scheme::Pss).then(|| self.hash().map(HashAlg::output_len)).flatten()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_parameter_comes_from_the_one_table() {
        assert_eq!(Algorithm::names(), "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA");
        for &alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            // RFC 7518 §3.5: a PSS salt as long as the hash; no other scheme has one.
            let salt = alg.pss_salt_len();
            assert_eq!(salt.is_some(), alg.name().starts_with("PS"), "{alg:?}");
            if let Some(n) = salt {
                assert_eq!(n.to_string(), alg.name()[2..].parse::<usize>().map(|bits| bits / 8).unwrap().to_string());
            }
            // The hash named by the alg's digits, except EdDSA's, which is part of its scheme.
            match alg.hash() {
                Some(h) => assert_eq!(h.name()[4..], alg.name()[2..]),
                None => assert_eq!(alg.scheme(), Scheme::EdDsa),
            }
            let family = match alg.scheme() {
                Scheme::Pkcs1 | Scheme::Pss => vec![KeyFamily::Rsa],
                Scheme::Ecdsa => vec![KeyFamily::P256, KeyFamily::P384],
                Scheme::EdDsa => vec![KeyFamily::Ed25519],
            };
            assert!(family.contains(&alg.key_family()), "{alg:?}");
        }
        assert!(Algorithm::from_name("rs256").is_none(), "names are case-sensitive");
    }
}
