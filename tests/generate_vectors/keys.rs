//! The test keys (`tests/keys/`) and tokens signed with them.

use std::sync::OnceLock;

use mcp_edge_auth::base64url::{decode as b64d, encode as b64};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{json, Value};

use crate::{regenerate, root, AUTH, NOW, RESOURCE};

// ---------------------------------------------------------------- keys

pub enum Private {
    Rsa(rsa::RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

pub struct Key {
    pub kid: String,
    pub private: Private,
}

fn be(v: &Value, name: &str) -> Vec<u8> {
    b64d(v[name].as_str().unwrap().as_bytes()).unwrap()
}

fn big(v: &Value, name: &str) -> rsa::BigUint {
    rsa::BigUint::from_bytes_be(&be(v, name))
}

impl Key {
    fn private_jwk(&self) -> Value {
        match &self.private {
            Private::Rsa(k) => json!({
                "kty": "RSA", "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be()), "d": b64(&k.d().to_bytes_be()),
                "p": b64(&k.primes()[0].to_bytes_be()), "q": b64(&k.primes()[1].to_bytes_be()),
            }),
            Private::P256(k) => {
                let p = k.verifying_key().to_encoded_point(false);
                json!({"kty":"EC","crv":"P-256","x":b64(p.x().unwrap()),"y":b64(p.y().unwrap()),"d":b64(&k.to_bytes())})
            }
            Private::P384(k) => {
                let p = k.verifying_key().to_encoded_point(false);
                json!({"kty":"EC","crv":"P-384","x":b64(p.x().unwrap()),"y":b64(p.y().unwrap()),"d":b64(&k.to_bytes())})
            }
            Private::Ed25519(k) => json!({"kty":"OKP","crv":"Ed25519","x":b64(k.verifying_key().as_bytes()),"d":b64(&k.to_bytes())}),
        }
    }

    /// The public JWK with its kid.
    pub fn public(&self) -> Value {
        let mut v = self.private_jwk();
        let m = v.as_object_mut().unwrap();
        for private in ["d", "p", "q"] {
            m.remove(private);
        }
        m.insert("kid".into(), self.kid.clone().into());
        v
    }

    fn from_private_jwk(kid: &str, v: &Value) -> Key {
        let private = match (v["kty"].as_str().unwrap(), v["crv"].as_str()) {
            ("RSA", _) => Private::Rsa(rsa::RsaPrivateKey::from_components(big(v, "n"), big(v, "e"), big(v, "d"), vec![big(v, "p"), big(v, "q")]).unwrap()),
            ("EC", Some("P-256")) => Private::P256(p256::ecdsa::SigningKey::from_slice(&be(v, "d")).unwrap()),
            ("EC", Some("P-384")) => Private::P384(p384::ecdsa::SigningKey::from_slice(&be(v, "d")).unwrap()),
            ("OKP", _) => Private::Ed25519(ed25519_dalek::SigningKey::from_bytes(&be(v, "d").try_into().unwrap())),
            other => panic!("unknown key {other:?}"),
        };
        Key { kid: kid.to_owned(), private }
    }

    pub fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        // PSS salts come from a seed derived from the input: deterministic output.
        let mut rng = ChaCha20Rng::seed_from_u64(input.iter().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b))));
        match (&self.private, alg) {
            (Private::Rsa(k), "RS256") => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.clone()).sign(input).to_vec(),
            (Private::Rsa(k), "RS384") => rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(k.clone()).sign(input).to_vec(),
            (Private::Rsa(k), "RS512") => rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(k.clone()).sign(input).to_vec(),
            (Private::Rsa(k), "PS256") => rsa::pss::SigningKey::<sha2::Sha256>::new(k.clone()).sign_with_rng(&mut rng, input).to_vec(),
            (Private::Rsa(k), "PS384") => rsa::pss::SigningKey::<sha2::Sha384>::new(k.clone()).sign_with_rng(&mut rng, input).to_vec(),
            (Private::Rsa(k), "PS512") => rsa::pss::SigningKey::<sha2::Sha512>::new(k.clone()).sign_with_rng(&mut rng, input).to_vec(),
            (Private::P256(k), "ES256") => {
                let s: p256::ecdsa::Signature = k.sign(input);
                s.to_bytes().to_vec()
            }
            (Private::P384(k), "ES384") => {
                let s: p384::ecdsa::Signature = k.sign(input);
                s.to_bytes().to_vec()
            }
            (Private::Ed25519(k), "EdDSA") => k.sign(input).to_bytes().to_vec(),
            (_, alg) => panic!("{} cannot sign {alg}", self.kid),
        }
    }
}

/// Loads `tests/keys/NAME.json`, creating it from a fixed seed when regenerating.
pub fn key(name: &str, make: fn(&mut ChaCha20Rng) -> Private) -> Key {
    let path = root().join("keys").join(format!("{name}.json"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Key::from_private_jwk(name, &serde_json::from_str(&text).unwrap());
    }
    assert!(regenerate(), "{} is missing; run REGENERATE_VECTORS=1 cargo test --test generate_vectors", path.display());
    let seed = name.bytes().fold(7u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    let key = Key { kid: name.to_owned(), private: make(&mut ChaCha20Rng::seed_from_u64(seed)) };
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&key.private_jwk()).unwrap() + "\n").unwrap();
    key
}

pub fn rsa_key(rng: &mut ChaCha20Rng, bits: usize) -> Private {
    Private::Rsa(rsa::RsaPrivateKey::new(rng, bits).unwrap())
}

pub struct Keys {
    pub rsa2048: Key,
    pub rsa3072: Key,
    pub rsa4096: Key,
    pub p256: Key,
    pub p384: Key,
    pub ed25519: Key,
    pub attacker: Key,
    pub other_p256: Key,
    pub rsa1024: Key,
}

/// The keys, loaded once for all the generators (the tests run in parallel;
/// when regenerating, only one of them creates missing keys).
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa2048: key("rsa-2048", |r| rsa_key(r, 2048)),
        rsa3072: key("rsa-3072", |r| rsa_key(r, 3072)),
        rsa4096: key("rsa-4096", |r| rsa_key(r, 4096)),
        p256: key("p256", |r| Private::P256(p256::ecdsa::SigningKey::random(r))),
        p384: key("p384", |r| Private::P384(p384::ecdsa::SigningKey::random(r))),
        ed25519: key("ed25519", |r| Private::Ed25519(ed25519_dalek::SigningKey::generate(r))),
        attacker: key("attacker-rsa-2048", |r| rsa_key(r, 2048)),
        other_p256: key("other-p256", |r| Private::P256(p256::ecdsa::SigningKey::random(r))),
        rsa1024: key("rsa-1024", |r| rsa_key(r, 1024)),
    })
}

// ---------------------------------------------------------------- tokens

/// Signs raw header and payload JSON text (raw so duplicates and odd forms survive).
pub fn jws(key: &Key, alg: &str, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = key.sign(alg, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// The claims of a good token, with `changes` applied (`null` removes a claim).
pub fn claims(changes: Value) -> Value {
    let mut c = json!({
        "iss": AUTH, "sub": "user-123", "aud": RESOURCE, "exp": NOW + 3600, "iat": NOW - 60, "jti": "jti-1",
        "client_id": "vet-client", "scope": "mcp:access pet-profile:read"
    });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

pub fn header(alg: &str, kid: &str) -> String {
    json!({"alg": alg, "kid": kid, "typ": "at+jwt"}).to_string()
}

/// A good token from `key` with `alg`, claims changed by `changes`.
pub fn token(key: &Key, alg: &str, changes: Value) -> String {
    jws(key, alg, &header(alg, &key.kid), &claims(changes).to_string())
}

pub fn segments(t: &str) -> Vec<String> {
    t.split('.').map(str::to_owned).collect()
}
