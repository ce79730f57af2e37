//! JSON Web Key Sets (RFC 7517) as the issuer publishes them, checked once
//! at load time (RFC 8725 §3.5; RFC 7518 §6).
//!
//! A key that fails a check is skipped and reported, and the rest of the set
//! stays usable: one bad key in a rotation must not take the resource down.

use serde_json::{Map, Value};

use crate::base64url;
use crate::crypto::ec::P384Point;
use crate::json;
use crate::jwa::{Algorithm, KeyFamily};

/// Smallest RSA modulus accepted (RFC 7518 §3.3: 2048 bits or larger).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted: bounds the cost of one verification.
pub const MAX_RSA_BITS: usize = 8192;
/// Keys beyond this many in one set are skipped: bounds lookup and memory.
pub const MAX_KEYS: usize = 100;

/// Checked public key material, ready for a signature backend.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// RSA (`kty: RSA`).
    Rsa(rsa::RsaPublicKey),
    /// ECDSA on P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA on P-384.
    P384(P384Point),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The key's public members as a JWK (RFC 7518 §6), rebuilt from the
    /// checked key: what a backend that imports keys by JWK (WebCrypto) is given.
    pub fn to_jwk(&self) -> Value {
        use rsa::traits::PublicKeyParts;
        let b64 = |b: &[u8]| Value::String(base64url::encode(b));
        let ec = |crv: &str, x: Option<&[u8]>, y: Option<&[u8]>| serde_json::json!({ "kty": "EC", "crv": crv, "x": x.map(b64), "y": y.map(b64) });
        match self {
            Self::Rsa(k) => serde_json::json!({ "kty": "RSA", "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be()) }),
            Self::P256(k) => {
                let p = k.to_encoded_point(false);
                ec("P-256", p.x().map(|x| &x[..]), p.y().map(|y| &y[..]))
            }
            Self::P384(k) => ec("P-384", Some(k.x()), Some(k.y())),
            Self::Ed25519(k) => serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(k.as_bytes()) }),
        }
    }

    /// The algorithm family this key belongs to.
    pub fn family(&self) -> KeyFamily {
        match self {
            Self::Rsa(_) => KeyFamily::Rsa,
            Self::P256(_) => KeyFamily::P256,
            Self::P384(_) => KeyFamily::P384,
            Self::Ed25519(_) => KeyFamily::Ed25519,
        }
    }
}

/// One usable key from a set, with the members that restrict its use.
#[derive(Clone, Debug)]
pub struct Jwk {
    /// `kid`.
    pub kid: Option<String>,
    /// `alg`, when the key is bound to one algorithm.
    pub alg: Option<Algorithm>,
    /// `use` (RFC 7517 §4.2).
    pub key_use: Option<String>,
    /// `key_ops` (RFC 7517 §4.3).
    pub key_ops: Option<Vec<String>>,
    /// The checked key.
    pub key: PublicKey,
}

impl Jwk {
    /// True if this key may verify a signature made with `alg`: right family,
    /// and its `alg`, `use` and `key_ops` (when present) allow it.
    pub fn allows(&self, alg: Algorithm) -> bool {
        self.key.family() == alg.key_family()
            && self.alg.is_none_or(|a| a == alg)
            && self.key_use.as_deref().is_none_or(|u| u == "sig")
            && self.key_ops.as_ref().is_none_or(|ops| ops.iter().any(|o| o == "verify"))
    }
}

/// A key that was not loaded, and why (a fixed reason; the `kid` comes from the issuer).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkippedKey {
    /// The key's `kid`, when it had a string one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: &'static str,
}

/// Why a whole key set was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwksError {
    /// Not a JSON object (or duplicate names, or too deep).
    NotJson,
    /// No `keys` array.
    NoKeys,
}

impl std::fmt::Display for JwksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotJson => "key set is not a JSON object",
            Self::NoKeys => "key set has no \"keys\" array",
        })
    }
}

impl std::error::Error for JwksError {}

/// The usable keys of one issuer.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Parses a JWKS document; bad keys are skipped and returned with reasons.
    pub fn parse(document: &[u8]) -> Result<(KeySet, Vec<SkippedKey>), JwksError> {
        let doc = json::parse_object(document).map_err(|_| JwksError::NotJson)?;
        let Some(Value::Array(entries)) = doc.get("keys") else { return Err(JwksError::NoKeys) };
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let kid = entry.get("kid").and_then(Value::as_str).map(str::to_owned);
            let result = if i >= MAX_KEYS { Err("too many keys in the set") } else { parse_jwk(entry) };
            match result {
                Ok(jwk) => keys.push(jwk),
                Err(reason) => skipped.push(SkippedKey { kid, reason }),
            }
        }
        Ok((KeySet { keys }, skipped))
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Keys that may verify a token with this `kid` and `alg` (RFC 7515 §6):
    /// an exact `kid` match when the token names one.
    /// Positions in [`keys`](Self::keys).
    pub fn candidates<'a>(&'a self, kid: Option<&'a str>, alg: Algorithm) -> impl Iterator<Item = usize> + 'a {
        self.keys.iter().enumerate().filter(move |(_, k)| k.allows(alg) && kid.is_none_or(|kid| k.kid.as_deref() == Some(kid))).map(|(i, _)| i)
    }
}

type Reason = &'static str;

fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Reason> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err("a member has the wrong type"),
    }
}

fn bytes(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>, Reason> {
    let s = member(obj, name)?.ok_or("a required key parameter is missing")?;
    base64url::decode(s.as_bytes()).map_err(|_| "a key parameter is not canonical base64url")
}

fn fixed<const N: usize>(obj: &Map<String, Value>, name: &str) -> Result<[u8; N], Reason> {
    bytes(obj, name)?.try_into().map_err(|_| "a coordinate has the wrong length for its curve")
}

/// Checks one JWK; every refusal is a fixed reason.
pub(crate) fn parse_jwk(entry: &Value) -> Result<Jwk, Reason> {
    let Value::Object(obj) = entry else { return Err("not a JSON object") };
    let kid = member(obj, "kid")?.map(str::to_owned);
    let key_use = member(obj, "use")?.map(str::to_owned);
    let alg = match member(obj, "alg")? {
        None => None,
        Some(name) => Some(Algorithm::from_name(name).ok_or("its alg is not a supported signature algorithm")?),
    };
    let key_ops = match obj.get("key_ops") {
        None => None,
        Some(Value::Array(ops)) => Some(ops.iter().map(|o| o.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().ok_or("a member has the wrong type")?),
        Some(_) => return Err("a member has the wrong type"),
    };
    if ["d", "p", "q", "dp", "dq", "qi", "oth", "k"].iter().any(|m| obj.contains_key(*m)) {
        return Err("private or symmetric key material is published");
    }
    let key = match (member(obj, "kty")?, member(obj, "crv")?) {
        (Some("RSA"), _) => rsa_key(obj)?,
        (Some("EC"), Some("P-256")) => {
            let (x, y) = (fixed::<32>(obj, "x")?, fixed::<32>(obj, "y")?);
            let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
            PublicKey::P256(p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|_| "the point is not on the curve")?)
        }
        (Some("EC"), Some("P-384")) => {
            let (x, y) = (fixed::<48>(obj, "x")?, fixed::<48>(obj, "y")?);
            PublicKey::P384(P384Point::new(x, y).ok_or("the point is not on the curve")?)
        }
        (Some("OKP"), Some("Ed25519")) => {
            let x = fixed::<32>(obj, "x")?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| "the point is not on the curve")?;
            if key.is_weak() {
                return Err("the key is a small-order point");
            }
            PublicKey::Ed25519(key)
        }
        (Some("EC" | "OKP"), _) => return Err("unsupported curve"),
        (Some("oct"), _) => return Err("private or symmetric key material is published"),
        (Some(_), _) => return Err("unsupported key type"),
        (None, _) => return Err("kty is missing"),
    };
    if alg.is_some_and(|a| a.key_family() != key.family()) {
        return Err("its alg does not fit its key type");
    }
    Ok(Jwk { kid, alg, key_use, key_ops, key })
}

fn rsa_key(obj: &Map<String, Value>) -> Result<PublicKey, Reason> {
    use rsa::traits::PublicKeyParts;
    let n = bytes(obj, "n")?;
    let e = bytes(obj, "e")?;
    let odd = |b: &[u8]| b.last().is_some_and(|l| l & 1 == 1);
    let (n_odd, e_odd) = (odd(&n), odd(&e));
    let n = rsa::BigUint::from_bytes_be(&n);
    let e = rsa::BigUint::from_bytes_be(&e);
    let bits = n.bits();
    if bits < MIN_RSA_BITS {
        return Err("RSA modulus is shorter than 2048 bits");
    }
    if bits > MAX_RSA_BITS {
        return Err("RSA modulus is longer than 8192 bits");
    }
    if !n_odd {
        return Err("RSA modulus is even");
    }
    if !e_odd || e <= rsa::BigUint::from(1u8) {
        return Err("RSA public exponent must be odd and greater than 1");
    }
    let key = rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).map_err(|_| "RSA public exponent is out of range")?;
    debug_assert!(key.size() * 8 >= MIN_RSA_BITS);
    Ok(PublicKey::Rsa(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const P256_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const P256_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn reason(v: Value) -> Reason {
        parse_jwk(&v).unwrap_err()
    }

    #[test]
    fn ec_keys_are_checked() {
        parse_jwk(&json!({"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y})).unwrap();
        // Flip one bit of y: off the curve.
        assert_eq!(
            reason(json!({"kty":"EC","crv":"P-256","x":P256_X,"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"})),
            "a key parameter is not canonical base64url"
        );
        assert_eq!(reason(json!({"kty":"EC","crv":"P-256","x":P256_X,"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aw"})), "the point is not on the curve");
        assert_eq!(reason(json!({"kty":"EC","crv":"P-256","x":"AA","y":P256_Y})), "a coordinate has the wrong length for its curve");
        assert_eq!(reason(json!({"kty":"EC","crv":"P-521","x":P256_X,"y":P256_Y})), "unsupported curve");
        assert_eq!(reason(json!({"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y,"d":"AA"})), "private or symmetric key material is published");
        assert_eq!(reason(json!({"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y,"alg":"RS256"})), "its alg does not fit its key type");
        assert_eq!(reason(json!({"kty":"oct","k":"AAAA"})), "private or symmetric key material is published");
    }

    #[test]
    fn ed25519_small_order_keys_are_refused() {
        // The identity point encodes as 0x01 followed by zeros.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(reason(json!({"kty":"OKP","crv":"Ed25519","x":base64url::encode(&identity)})), "the key is a small-order point");
        parse_jwk(&json!({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})).unwrap();
    }

    #[test]
    fn to_jwk_gives_back_the_public_members() {
        for file in [
            include_str!("../../tests/keys/rsa-2048.json"),
            include_str!("../../tests/keys/p256.json"),
            include_str!("../../tests/keys/p384.json"),
            include_str!("../../tests/keys/ed25519.json"),
        ] {
            let private: Value = serde_json::from_str(file).unwrap();
            let public: serde_json::Map<String, Value> = private
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| ["kty", "crv", "n", "e", "x", "y"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let exported = parse_jwk(&Value::Object(public.clone())).unwrap().key.to_jwk();
            assert_eq!(exported, Value::Object(public));
            parse_jwk(&exported).unwrap();
        }
    }

    #[test]
    fn bad_keys_are_skipped_and_the_rest_kept() {
        let set = json!({"keys":[{"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y,"kid":"good"},{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"short"},"junk"]});
        let (keys, skipped) = KeySet::parse(set.to_string().as_bytes()).unwrap();
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(
            skipped,
            [SkippedKey { kid: Some("short".into()), reason: "RSA modulus is shorter than 2048 bits" }, SkippedKey { kid: None, reason: "not a JSON object" },]
        );
        assert_eq!(KeySet::parse(b"[]").unwrap_err(), JwksError::NotJson);
        assert_eq!(KeySet::parse(b"{}").unwrap_err(), JwksError::NoKeys);
    }

    #[test]
    fn use_and_key_ops_restrict_keys() {
        let k = |extra: Value| {
            let mut v = json!({"kty":"EC","crv":"P-256","x":P256_X,"y":P256_Y});
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            parse_jwk(&v).unwrap()
        };
        assert!(k(json!({})).allows(Algorithm::Es256));
        assert!(!k(json!({})).allows(Algorithm::Es384));
        assert!(!k(json!({"use":"enc"})).allows(Algorithm::Es256));
        assert!(!k(json!({"key_ops":["sign"]})).allows(Algorithm::Es256));
        assert!(k(json!({"key_ops":["verify"],"use":"sig","alg":"ES256"})).allows(Algorithm::Es256));
    }
}
