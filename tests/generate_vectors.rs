//! The vector generator, run as a check.
//!
//! `cargo test --test generate_vectors` rebuilds every file under
//! `tests/vectors/` in memory from the committed test keys (`tests/keys/`)
//! and fails if any committed file differs. To regenerate after changing a
//! case: `REGENERATE_VECTORS=1 cargo test --test generate_vectors`.
//! Keys are made from a fixed seed the first time (when missing); every
//! signature is deterministic (PKCS#1 v1.5, RFC 6979 ECDSA, Ed25519, and
//! RSA-PSS with a seeded salt), so regenerating changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcp_edge_auth::base64url::{decode as b64d, encode as b64};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{json, Map, Value};

const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const RESOURCE: &str = "https://mcp.example.com/mcp";
const AUTH: &str = "https://auth.example.com";
const OTHER: &str = "https://other.example.com";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn regenerate() -> bool {
    std::env::var_os("REGENERATE_VECTORS").is_some()
}

// ---------------------------------------------------------------- keys

enum Private {
    Rsa(rsa::RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

struct Key {
    kid: String,
    private: Private,
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
    fn public(&self) -> Value {
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

    fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
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
fn key(name: &str, make: fn(&mut ChaCha20Rng) -> Private) -> Key {
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

fn rsa_key(rng: &mut ChaCha20Rng, bits: usize) -> Private {
    Private::Rsa(rsa::RsaPrivateKey::new(rng, bits).unwrap())
}

struct Keys {
    rsa2048: Key,
    rsa3072: Key,
    rsa4096: Key,
    p256: Key,
    p384: Key,
    ed25519: Key,
    attacker: Key,
    other_p256: Key,
    rsa1024: Key,
}

fn keys() -> Keys {
    Keys {
        rsa2048: key("rsa-2048", |r| rsa_key(r, 2048)),
        rsa3072: key("rsa-3072", |r| rsa_key(r, 3072)),
        rsa4096: key("rsa-4096", |r| rsa_key(r, 4096)),
        p256: key("p256", |r| Private::P256(p256::ecdsa::SigningKey::random(r))),
        p384: key("p384", |r| Private::P384(p384::ecdsa::SigningKey::random(r))),
        ed25519: key("ed25519", |r| Private::Ed25519(ed25519_dalek::SigningKey::generate(r))),
        attacker: key("attacker-rsa-2048", |r| rsa_key(r, 2048)),
        other_p256: key("other-p256", |r| Private::P256(p256::ecdsa::SigningKey::random(r))),
        rsa1024: key("rsa-1024", |r| rsa_key(r, 1024)),
    }
}

// ---------------------------------------------------------------- tokens

/// Signs raw header and payload JSON text (raw so duplicates and odd forms survive).
fn jws(key: &Key, alg: &str, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = key.sign(alg, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// The claims of a good token, with `changes` applied (`null` removes a claim).
fn claims(changes: Value) -> Value {
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

fn header(alg: &str, kid: &str) -> String {
    json!({"alg": alg, "kid": kid, "typ": "at+jwt"}).to_string()
}

/// A good token from `key` with `alg`, claims changed by `changes`.
fn token(key: &Key, alg: &str, changes: Value) -> String {
    jws(key, alg, &header(alg, &key.kid), &claims(changes).to_string())
}

fn segments(t: &str) -> Vec<String> {
    t.split('.').map(str::to_owned).collect()
}

// ---------------------------------------------------------------- files

#[derive(Default)]
struct File {
    description: String,
    configs: Map<String, Value>,
    key_sets: Map<String, Value>,
    cases: Vec<Value>,
    signatures: Vec<Value>,
}

fn ok(scopes: &[&str]) -> Value {
    json!({"ok": true, "scopes": scopes})
}

fn refused(status: u16, error: Option<&str>, code: &str) -> Value {
    let mut v = json!({"ok": false, "status": status, "code": code});
    if let Some(e) = error {
        v["error"] = e.into();
    }
    v
}

fn invalid(code: &str) -> Value {
    refused(401, Some("invalid_token"), code)
}

impl File {
    fn new(description: &str, keys: &Keys) -> File {
        let mut f = File { description: description.to_owned(), ..File::default() };
        f.configs.insert("default".into(), default_config());
        let auth_keys: Vec<Value> = [&keys.rsa2048, &keys.rsa3072, &keys.rsa4096, &keys.p256, &keys.p384, &keys.ed25519].iter().map(|k| k.public()).collect();
        f.key_sets.insert("default".into(), json!({ AUTH: {"keys": auth_keys}, OTHER: {"keys": [keys.other_p256.public()]} }));
        f
    }

    fn case(&mut self, name: &str, source: &str, authorization: Option<String>, expect: Value) -> &mut Value {
        self.cases.push(json!({
            "name": name, "source": source, "config": "default", "keySets": "default", "now": NOW,
            // Dotted tokens go in a Bearer header; anything else is passed as given
            // (the API also takes a bare token).
            "authorization": authorization.map(|t| if t.contains('.') && !t.contains(' ') { format!("Bearer {t}") } else { t }),
            "expect": expect,
        }));
        self.cases.last_mut().unwrap()
    }

    fn write(self, name: &str, out: &mut BTreeMap<String, String>) {
        let mut doc = json!({"description": self.description, "configs": self.configs, "keySets": self.key_sets, "cases": self.cases});
        if !self.signatures.is_empty() {
            doc["signatures"] = Value::Array(self.signatures);
        }
        out.insert(format!("{name}.json"), serde_json::to_string_pretty(&doc).unwrap() + "\n");
    }
}

fn default_config() -> Value {
    json!({
        "resource": RESOURCE,
        "issuers": [{"issuer": AUTH}, {"issuer": OTHER}],
        "requiredScopes": ["mcp:access"],
        "requiredClaims": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"],
        "tools": {"update_pet_profile": ["pet-profile:write"], "get_pet_profile": ["pet-profile:read"]},
        "scopesSupported": ["mcp:access", "pet-profile:read", "pet-profile:write"],
        "resourceName": "VetAssist MCP"
    })
}

fn with(mut config: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

fn tool_call(name: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {}}})
}

const READ: &[&str] = &["mcp:access", "pet-profile:read"];

// ---------------------------------------------------------------- tokens.json

fn tokens(k: &Keys) -> File {
    let mut f = File::new("A token signed for every algorithm and key size, and the same tokens altered", k);
    let signed = [
        (&k.rsa2048, ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"].as_slice()),
        (&k.rsa3072, &["RS256", "PS384"]),
        (&k.rsa4096, &["RS512", "PS256"]),
        (&k.p256, &["ES256"]),
        (&k.p384, &["ES384"]),
        (&k.ed25519, &["EdDSA"]),
    ];
    for (key, algs) in signed {
        for alg in algs {
            let t = token(key, alg, json!({}));
            f.case(&format!("{alg} with {} is accepted", key.kid), "generated (RFC 7515, RFC 7518 §3, RFC 8037)", Some(t.clone()), ok(READ));
            let mut s = segments(&t);
            s[1] = b64(claims(json!({"sub": "admin"})).to_string().as_bytes());
            f.case(&format!("{alg} with {}: payload altered after signing", key.kid), "RFC 7515 §5.2", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
        }
    }
    // Signed by another key of the same family, but naming a trusted kid.
    let forged = jws(&k.rsa3072, "RS256", &header("RS256", "rsa-2048"), &claims(json!({})).to_string());
    f.case("RS256 signed by another RSA key under a trusted kid", "RFC 7515 §5.2", Some(forged), invalid("ERR_JWS_SIGNATURE"));
    // A PKCS#1 v1.5 signature presented as PSS.
    let t = token(&k.rsa2048, "RS256", json!({}));
    let mut s = segments(&t);
    s[0] = b64(header("PS256", "rsa-2048").as_bytes());
    let input = format!("{}.{}", s[0], s[1]);
    s[2] = b64(&k.rsa2048.sign("RS256", input.as_bytes()));
    f.case("PKCS#1 v1.5 signature under a PS256 header", "RFC 8725 §3.1 (algorithm substitution)", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
    f
}

// ---------------------------------------------------------------- attacks.json

fn hmac(alg: &str, secret: &[u8], input: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    match alg.to_ascii_uppercase().as_str() {
        "HS256" => hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap().chain_update(input).finalize().into_bytes().to_vec(),
        "HS384" => hmac::Hmac::<sha2::Sha384>::new_from_slice(secret).unwrap().chain_update(input).finalize().into_bytes().to_vec(),
        _ => hmac::Hmac::<sha2::Sha512>::new_from_slice(secret).unwrap().chain_update(input).finalize().into_bytes().to_vec(),
    }
}

fn unsigned(header: &str, payload: &str, sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()), b64(sig))
}

/// The P-256 and P-384 group orders, big-endian.
const P256_N: &str = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
const P384_N: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn attacks(k: &Keys) -> File {
    let mut f = File::new("RFC 8725 attacks and known JWT CVEs, one case each", k);
    let payload = claims(json!({})).to_string();
    let good = token(&k.rsa2048, "RS256", json!({}));
    let good_sig = segments(&good)[2].clone();

    for spelling in ["none", "None", "NONE", "nOnE"] {
        let h = json!({"alg": spelling, "typ": "at+jwt"}).to_string();
        f.case(&format!("alg {spelling:?}, empty signature"), "RFC 8725 §2.1", Some(unsigned(&h, &payload, b"")), invalid("ERR_JWS_ALG_NONE"));
        let t = format!("{}.{}.{good_sig}", b64(h.as_bytes()), b64(payload.as_bytes()));
        f.case(&format!("alg {spelling:?} with a signature attached"), "RFC 8725 §2.1", Some(t), invalid("ERR_JWS_ALG_NONE"));
    }

    // HMAC keyed with the public key in the forms libraries were tricked into using.
    let Private::Rsa(rsa) = &k.rsa2048.private else { unreachable!() };
    let public_jwk = k.rsa2048.public().to_string();
    let secrets: [(&str, Vec<u8>); 3] =
        [("the modulus bytes", rsa.n().to_bytes_be()), ("the JWK text", public_jwk.into_bytes()), ("the kid", b"rsa-2048".to_vec())];
    for alg in ["HS256", "HS384", "HS512", "hs256"] {
        for (what, secret) in &secrets {
            let h = header(alg, "rsa-2048");
            let input = format!("{}.{}", b64(h.as_bytes()), b64(payload.as_bytes()));
            let t = format!("{input}.{}", b64(&hmac(alg, secret, input.as_bytes())));
            f.case(
                &format!("{alg} keyed with {what}"),
                "RFC 8725 §2.1, CVE-2015-9235, CVE-2016-10555, CVE-2017-11424",
                Some(t),
                invalid("ERR_JWS_ALG_SYMMETRIC"),
            );
        }
    }

    // Header-supplied keys and key URLs are never used.
    let attacker_jwk = k.attacker.public();
    for (member, value) in [
        ("jwk", attacker_jwk.clone()),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIUAttackerCertificate"])),
    ] {
        let mut h = json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-2048"});
        h[member] = value.clone();
        let t = jws(&k.attacker, "RS256", &h.to_string(), &payload);
        f.case(&format!("embedded {member} with the attacker's key, trusted kid"), "RFC 8725 §3.10, CVE-2018-0114", Some(t), invalid("ERR_JWS_SIGNATURE"));
        h.as_object_mut().unwrap().remove("kid");
        let t = jws(&k.attacker, "RS256", &h.to_string(), &payload);
        f.case(&format!("embedded {member} with the attacker's key, no kid"), "RFC 8725 §3.10, CVE-2018-0114", Some(t), invalid("ERR_JWKS_AMBIGUOUS_KEY"));
    }

    // kid tricks.
    for (what, kid) in [
        ("path traversal", "../../../../../../dev/null"),
        ("SQL injection", "x' UNION SELECT 'secret"),
        ("different case", "RSA-2048"),
        ("empty", ""),
        ("another issuer's key", "other-p256"),
        ("an EC key for RS256", "p256"),
    ] {
        let t = jws(&k.attacker, "RS256", &header("RS256", kid), &payload);
        f.case(&format!("kid {what}"), "RFC 8725 §3.10 (kid is not trusted input)", Some(t), invalid("ERR_JWKS_NO_MATCHING_KEY"));
    }
    let t = jws(&k.rsa2048, "RS256", &json!({"alg":"RS256","kid":7}).to_string(), &payload);
    f.case("kid is a number", "RFC 7515 §4.1.4", Some(t), invalid("ERR_JWS_HEADER_INVALID"));
    let t = jws(&k.other_p256, "ES256", &header("ES256", "other-p256"), &payload);
    f.case("signed by another issuer's key, iss of this one", "RFC 8725 §3.8 (issuer binds keys)", Some(t), invalid("ERR_JWKS_NO_MATCHING_KEY"));
    let t = jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), &claims(json!({"iss": OTHER})).to_string());
    f.case("iss of the other issuer, signed with this issuer's key", "RFC 8725 §3.8", Some(t), invalid("ERR_JWKS_NO_MATCHING_KEY"));

    // ECDSA: CVE-2022-21449 and friends.
    let es_payload = payload.clone();
    for (alg, key, n, width) in [("ES256", &k.p256, P256_N, 32), ("ES384", &k.p384, P384_N, 48)] {
        let h = header(alg, &key.kid);
        let n = hex(n);
        let valid = jws(key, alg, &h, &es_payload);
        let valid_sig = b64d(segments(&valid)[2].as_bytes()).unwrap();
        let mut r_zero = valid_sig.clone();
        r_zero[..width].fill(0);
        let bad = [
            ("r = s = 0", vec![0u8; 2 * width]),
            ("r = s = n", [n.clone(), n.clone()].concat()),
            ("r = 0, s valid", r_zero),
            ("all bits set", vec![0xff; 2 * width]),
            ("one byte short", valid_sig[..2 * width - 1].to_vec()),
        ];
        for (what, sig) in bad {
            f.case(&format!("{alg} signature {what}"), "CVE-2022-21449, RFC 7518 §3.4", Some(unsigned(&h, &es_payload, &sig)), invalid("ERR_JWS_SIGNATURE"));
        }
        let der = match &key.private {
            Private::P256(sk) => {
                let s: p256::ecdsa::Signature = sk.sign(format!("{}.{}", b64(h.as_bytes()), b64(es_payload.as_bytes())).as_bytes());
                s.to_der().as_bytes().to_vec()
            }
            Private::P384(sk) => {
                let s: p384::ecdsa::Signature = sk.sign(format!("{}.{}", b64(h.as_bytes()), b64(es_payload.as_bytes())).as_bytes());
                s.to_der().as_bytes().to_vec()
            }
            _ => unreachable!(),
        };
        f.case(&format!("{alg} valid signature in DER instead of R‖S"), "RFC 7518 §3.4", Some(unsigned(&h, &es_payload, &der)), invalid("ERR_JWS_SIGNATURE"));
    }

    // Ed25519: S + ℓ verifies in lax implementations (malleability).
    let t = token(&k.ed25519, "EdDSA", json!({}));
    let mut sig = b64d(segments(&t)[2].as_bytes()).unwrap();
    let l: [u8; 32] =
        [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
        sig[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    let mut s = segments(&t);
    s[2] = b64(&sig);
    f.case("EdDSA signature with non-canonical S (S + ℓ)", "RFC 8032 §5.1.7", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));

    // RSA signature shapes.
    let mut s = segments(&good);
    s[2] = String::new();
    f.case("RS256 with an empty signature", "CVE-2020-28042", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
    let mut sig = b64d(good_sig.as_bytes()).unwrap();
    sig.insert(0, 0);
    s[2] = b64(&sig);
    f.case("RS256 signature with a leading zero byte (wrong length)", "RFC 8017 §8.2.2", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));

    // Weak keys in the key set are skipped at load; their tokens find no key.
    let mut e1 = k.rsa2048.public();
    e1["e"] = "AQ".into();
    e1["kid"] = "rsa-e1".into();
    let mut even_e = k.rsa2048.public();
    even_e["e"] = b64(&[1, 0, 0]).into();
    even_e["kid"] = "rsa-even-e".into();
    f.key_sets.insert("weak".into(), json!({ AUTH: {"keys": [e1, even_e, k.rsa1024.public(), k.rsa2048.public()]} }));
    // With e = 1 the "signature" is the encoded message itself.
    let h = header("RS256", "rsa-e1");
    let input = format!("{}.{}", b64(h.as_bytes()), b64(payload.as_bytes()));
    let digest = <sha2::Sha256 as sha2::Digest>::digest(input.as_bytes());
    let mut em = vec![0u8, 1];
    em.resize(256 - 19 - 32 - 1, 0xff);
    em.push(0);
    em.extend_from_slice(&hex("3031300d060960864801650304020105000420"));
    em.extend_from_slice(&digest);
    let c = f.case(
        "RSA key with e = 1: the message is its own signature",
        "RFC 8725 §3.5, RFC 7518 §6.3.1.2",
        Some(format!("{input}.{}", b64(&em))),
        invalid("ERR_JWKS_NO_MATCHING_KEY"),
    );
    c["keySets"] = "weak".into();
    c["skipped"] = json!(["rsa-e1", "rsa-even-e", "rsa-1024"]);
    let c = f.case("RSA 1024-bit key", "RFC 7518 §3.3 (2048 bits or larger)", Some(token(&k.rsa1024, "RS256", json!({}))), invalid("ERR_JWKS_NO_MATCHING_KEY"));
    c["keySets"] = "weak".into();
    c["skipped"] = json!(["rsa-e1", "rsa-even-e", "rsa-1024"]);
    let c = f.case("the good key in a set with weak keys still works", "RFC 7517 §5 (skip what cannot be used)", Some(good.clone()), ok(READ));
    c["keySets"] = "weak".into();
    c["skipped"] = json!(["rsa-e1", "rsa-even-e", "rsa-1024"]);

    // Extensions.
    for (what, h) in
        [("crit naming exp", json!({"alg":"RS256","kid":"rsa-2048","crit":["exp"],"exp":1})), ("crit empty", json!({"alg":"RS256","kid":"rsa-2048","crit":[]}))]
    {
        f.case(what, "RFC 7515 §4.1.11", Some(jws(&k.rsa2048, "RS256", &h.to_string(), &payload)), invalid("ERR_JWS_CRIT"));
    }
    let h = json!({"alg":"RS256","kid":"rsa-2048","b64":false,"crit":["b64"]}).to_string();
    f.case("b64 false with crit", "RFC 7797 §6", Some(jws(&k.rsa2048, "RS256", &h, &payload)), invalid("ERR_JWS_CRIT"));
    let h = json!({"alg":"RS256","kid":"rsa-2048","b64":true}).to_string();
    f.case("b64 without crit", "RFC 7797 §6", Some(jws(&k.rsa2048, "RS256", &h, &payload)), invalid("ERR_JWS_B64"));

    // Encodings.
    let s = segments(&good);
    let last = s[2].chars().last().unwrap();
    let bumped = s[2][..s[2].len() - 1].to_owned() + &((last as u8 + 1) as char).to_string();
    assert_eq!(s[2].len() % 4, 2, "RS256-2048 signatures end on a 2-char group");
    f.case("signature with non-zero trailing bits", "RFC 4648 §3.5, RFC 7515 §2", Some(format!("{}.{}.{bumped}", s[0], s[1])), invalid("ERR_JWS_BASE64URL"));
    f.case("signature with base64 padding", "RFC 7515 §2", Some(format!("{}.{}.{}==", s[0], s[1], s[2])), invalid("ERR_JWS_BASE64URL"));
    // b64token allows "=" only at the very end: padding inside is not even a Bearer token.
    f.case(
        "header with base64 padding",
        "RFC 7515 §2, RFC 6750 §2.1",
        Some(format!("{}==.{}.{}", s[0], s[1], s[2])),
        refused(400, Some("invalid_request"), "ERR_BEARER_MALFORMED"),
    );
    let std_alphabet = s[2].replace('-', "+").replace('_', "/");
    assert_ne!(std_alphabet, s[2]);
    f.case("signature in the standard base64 alphabet", "RFC 7515 §2", Some(format!("{}.{}.{std_alphabet}", s[0], s[1])), invalid("ERR_JWS_BASE64URL"));
    f.case(
        "whitespace inside the token",
        "RFC 7515 §7.1, RFC 6750 §2.1",
        Some(format!("Bearer {}. {}.{}", s[0], s[1], s[2])),
        refused(400, Some("invalid_request"), "ERR_BEARER_MALFORMED"),
    );
    f.case(
        "line break inside the token",
        "RFC 7515 §7.1",
        Some(format!("Bearer {}.\n{}.{}", s[0], s[1], s[2])),
        refused(400, Some("invalid_request"), "ERR_BEARER_MALFORMED"),
    );

    // Structure.
    for (what, t) in [
        ("one segment", s[0].clone()),
        ("two segments", format!("{}.{}", s[0], s[1])),
        ("four segments", format!("{good}.{}", s[2])),
        ("six segments", format!("{good}.a.b.c")),
        ("empty header", format!(".{}.{}", s[1], s[2])),
    ] {
        f.case(what, "RFC 7515 §7.1", Some(t), invalid("ERR_JWS_MALFORMED"));
    }
    let jwe_header = b64(br#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa-2048"}"#);
    f.case("a JWE (five segments)", "RFC 7516 §7.1", Some(format!("{jwe_header}.a2V5.aXY.Y2lwaGVy.dGFn")), invalid("ERR_JWE_UNSUPPORTED"));

    // JSON.
    let h = r#"{"alg":"RS256","kid":"rsa-2048","alg":"none"}"#;
    f.case("duplicate alg in the header", "RFC 7515 §5.2", Some(jws(&k.rsa2048, "RS256", h, &payload)), invalid("ERR_JSON_DUPLICATE_MEMBER"));
    let p = format!(
        r#"{{"aud":"https://evil.example","iss":"{AUTH}","sub":"u","exp":{},"iat":{},"jti":"j","client_id":"c","scope":"mcp:access","aud":"{RESOURCE}"}}"#,
        NOW + 3600,
        NOW
    );
    f.case(
        "duplicate aud in the claims",
        "RFC 7519 §4",
        Some(jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), &p)),
        invalid("ERR_JSON_DUPLICATE_MEMBER"),
    );
    let p = claims(json!({"cnf": {"jkt": "a"}})).to_string().replace(r#"{"jkt":"a"}"#, r#"{"jkt":"a","jkt":"b"}"#);
    f.case(
        "duplicate member nested in a claim",
        "RFC 7519 §4",
        Some(jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), &p)),
        invalid("ERR_JSON_DUPLICATE_MEMBER"),
    );
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let p = claims(json!({})).to_string().replacen('{', &format!(r#"{{"deep":{deep},"#), 1);
    f.case("claims nested 40 deep", "bounded nesting", Some(jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), &p)), invalid("ERR_JSON_TOO_DEEP"));
    f.case(
        "payload is not JSON",
        "RFC 7519 §7.2",
        Some(jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), "It’s a dangerous business")),
        invalid("ERR_JWT_PAYLOAD_INVALID"),
    );
    f.case(
        "payload is a JSON array",
        "RFC 7519 §7.2",
        Some(jws(&k.rsa2048, "RS256", &header("RS256", "rsa-2048"), "[1,2]")),
        invalid("ERR_JWT_PAYLOAD_INVALID"),
    );
    f.case("header is not UTF-8", "RFC 7515 §5.2", Some(format!("{}.{}.{}", b64(b"{\"alg\":\"RS256\xff\"}"), s[1], s[2])), invalid("ERR_JWS_HEADER_INVALID"));

    // Size: exactly the bound is accepted, one byte more is refused before decoding.
    let sized = |len: usize| -> Option<String> {
        // Base64url lengths skip one residue mod 4, so vary the header too.
        let base = token(&k.p256, "ES256", json!({})).len();
        let estimate = (len - base) * 3 / 4;
        (0..4).find_map(|h| {
            (estimate.saturating_sub(20)..estimate + 20).find_map(|pad| {
                let hdr = json!({"alg": "ES256", "kid": "p256", "typ": "at+jwt", "x": "y".repeat(h)}).to_string();
                let t = jws(&k.p256, "ES256", &hdr, &claims(json!({"padding": "x".repeat(pad)})).to_string());
                (t.len() == len).then_some(t)
            })
        })
    };
    let at_bound = sized(16384).expect("a token of exactly 16384 bytes");
    f.case("token of exactly maxTokenBytes", "maxTokenBytes", Some(at_bound), ok(READ));
    let over = sized(16386).expect("a token over the bound");
    f.case("token over maxTokenBytes", "maxTokenBytes (refused before decoding)", Some(over), invalid("ERR_TOKEN_TOO_LARGE"));
    f.case("64 KiB of garbage", "maxTokenBytes", Some("A".repeat(1 << 16)), invalid("ERR_TOKEN_TOO_LARGE"));

    // Issuer.
    for (what, iss) in
        [("unknown", json!("https://evil.example.com")), ("with a trailing slash", json!(format!("{AUTH}/"))), ("a number", json!(7)), ("missing", Value::Null)]
    {
        f.case(&format!("iss {what}"), "RFC 7519 §4.1.1, RFC 8725 §3.8", Some(token(&k.rsa2048, "RS256", json!({"iss": iss}))), invalid("ERR_JWT_ISSUER"));
    }
    // Algorithms.
    f.configs.insert("es256-only".into(), with(default_config(), json!({"issuers": [{"issuer": AUTH, "algorithms": ["ES256"]}, {"issuer": OTHER}]})));
    let c = f.case("RS256 from an issuer allowed only ES256", "RFC 8725 §3.1", Some(good.clone()), invalid("ERR_JWS_ALG_NOT_ALLOWED"));
    c["config"] = "es256-only".into();
    for alg in ["ES512", "RS1", "Ed25519", "ES256K", "rs256"] {
        let h = json!({"alg": alg, "kid": "rsa-2048"}).to_string();
        f.case(
            &format!("alg {alg}"),
            "RFC 8725 §3.1",
            Some(format!("{}.{}.{good_sig}", b64(h.as_bytes()), b64(payload.as_bytes()))),
            invalid("ERR_JWS_ALG_NOT_ALLOWED"),
        );
    }
    let h = json!({"kid": "rsa-2048"}).to_string();
    f.case("no alg", "RFC 7515 §4.1.1", Some(format!("{}.{}.{good_sig}", b64(h.as_bytes()), b64(payload.as_bytes()))), invalid("ERR_JWS_ALG_MISSING"));

    // Key selection.
    let restrict = |extra: Value| {
        let mut v = k.rsa2048.public();
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    for (what, jwk) in [
        ("key alg RS384 for an RS256 token", restrict(json!({"alg": "RS384"}))),
        ("key use enc", restrict(json!({"use": "enc"}))),
        ("key_ops without verify", restrict(json!({"key_ops": ["sign"]}))),
    ] {
        f.key_sets.insert(what.into(), json!({ AUTH: {"keys": [jwk]} }));
        let c = f.case(what, "RFC 7517 §4.2–4.4", Some(good.clone()), invalid("ERR_JWKS_NO_MATCHING_KEY"));
        c["keySets"] = what.into();
    }
    f.key_sets.insert("single".into(), json!({ AUTH: {"keys": [k.p256.public()]} }));
    let no_kid = jws(&k.p256, "ES256", r#"{"alg":"ES256","typ":"at+jwt"}"#, &payload);
    let c = f.case("no kid, exactly one key fits", "RFC 7515 §4.1.4", Some(no_kid.clone()), ok(READ));
    c["keySets"] = "single".into();
    let no_kid_rsa = jws(&k.rsa2048, "RS256", r#"{"alg":"RS256"}"#, &payload);
    f.case("no kid, several keys fit", "RFC 7515 §4.1.4", Some(no_kid_rsa), invalid("ERR_JWKS_AMBIGUOUS_KEY"));
    f.key_sets.insert("auth only".into(), json!({ AUTH: {"keys": [k.p256.public()]} }));
    let c = f.case(
        "issuer with no key set loaded",
        "server-side: keys unavailable",
        Some(token(&k.other_p256, "ES256", json!({"iss": OTHER}))),
        refused(503, None, "ERR_JWKS_UNAVAILABLE"),
    );
    c["keySets"] = "auth only".into();
    f
}

// ---------------------------------------------------------------- claims.json

fn claims_file(k: &Keys) -> File {
    let mut f = File::new("Claims: every time edge, audience, required claims and typ", k);
    let t = |changes: Value| token(&k.p256, "ES256", changes);
    let n = NOW as f64;
    let cases: Vec<(&str, &str, Value, Value)> = vec![
        ("exp exactly at now - leeway", "RFC 7519 §4.1.4 (on or after exp is expired)", json!({"exp": NOW - 60}), invalid("ERR_JWT_EXPIRED")),
        ("exp one second inside the leeway", "RFC 7519 §4.1.4", json!({"exp": NOW - 59}), ok(READ)),
        ("exp half a second inside the leeway", "RFC 7519 §2 NumericDate (non-integer)", json!({"exp": n - 59.5}), ok(READ)),
        ("exp half a second past the leeway", "RFC 7519 §2 NumericDate", json!({"exp": n - 60.5}), invalid("ERR_JWT_EXPIRED")),
        ("exp negative", "RFC 7519 §4.1.4", json!({"exp": -1}), invalid("ERR_JWT_EXPIRED")),
        ("exp far future (1e300)", "RFC 7519 §2", json!({"exp": 1e300}), ok(READ)),
        ("exp a string", "RFC 7519 §2 NumericDate", json!({"exp": (NOW + 3600).to_string()}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("exp null", "RFC 7519 §2", json!({"exp": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("exp true", "RFC 7519 §2", json!({"exp": true}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("exp in an array", "RFC 7519 §2", json!({"exp": [NOW + 3600]}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("nbf exactly now + leeway", "RFC 7519 §4.1.5", json!({"nbf": NOW + 60}), ok(READ)),
        ("nbf one second past now + leeway", "RFC 7519 §4.1.5", json!({"nbf": NOW + 61}), invalid("ERR_JWT_NOT_YET_VALID")),
        ("nbf a string", "RFC 7519 §4.1.5", json!({"nbf": "0"}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("iat exactly now + leeway", "RFC 7519 §4.1.6", json!({"iat": NOW + 60}), ok(READ)),
        ("iat one second past now + leeway", "RFC 7519 §4.1.6", json!({"iat": NOW + 61}), invalid("ERR_JWT_ISSUED_IN_FUTURE")),
        ("iat a string (required)", "RFC 7519 §4.1.6", json!({"iat": "yesterday"}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud another resource", "RFC 9068 §4, RFC 8707", json!({"aud": "https://other-mcp.example.com/mcp"}), invalid("ERR_JWT_AUDIENCE")),
        ("aud array containing this resource", "RFC 7519 §4.1.3", json!({"aud": ["https://x.example", RESOURCE]}), ok(READ)),
        ("aud array without this resource", "RFC 7519 §4.1.3", json!({"aud": ["https://x.example"]}), invalid("ERR_JWT_AUDIENCE")),
        ("aud empty array", "RFC 7519 §4.1.3", json!({"aud": []}), invalid("ERR_JWT_AUDIENCE")),
        ("aud with a trailing slash", "RFC 7519 §4.1.3 (exact match)", json!({"aud": format!("{RESOURCE}/")}), invalid("ERR_JWT_AUDIENCE")),
        ("aud with different host case", "RFC 7519 §4.1.3 (exact match)", json!({"aud": "https://MCP.example.com/mcp"}), invalid("ERR_JWT_AUDIENCE")),
        ("aud a number", "RFC 7519 §4.1.3", json!({"aud": 7}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud array with a number", "RFC 7519 §4.1.3", json!({"aud": [RESOURCE, 7]}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud missing", "RFC 9068 §4", json!({"aud": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("sub missing (required)", "requiredClaims", json!({"sub": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("sub a number", "RFC 7519 §4.1.2", json!({"sub": 42}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("client_id missing (required)", "requiredClaims, RFC 9068 §2.2", json!({"client_id": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("client_id an object", "RFC 9068 §2.2", json!({"client_id": {"id": "x"}}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("jti missing (required)", "requiredClaims", json!({"jti": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("iat missing (required)", "requiredClaims", json!({"iat": null}), invalid("ERR_JWT_CLAIM_MISSING")),
    ];
    for (name, source, changes, expect) in cases {
        f.case(name, source, Some(t(changes)), expect);
    }
    // exp = 1e309 overflows a double: the claims set is not valid JSON for us.
    let p = claims(json!({})).to_string().replace(&format!("\"exp\":{}", NOW + 3600), "\"exp\":1e309");
    f.case(
        "exp 1e309 (overflows a double)",
        "RFC 7519 §2, RFC 8259 §6",
        Some(jws(&k.p256, "ES256", &header("ES256", "p256"), &p)),
        invalid("ERR_JWT_PAYLOAD_INVALID"),
    );

    f.configs.insert("alternate audience".into(), with(default_config(), json!({"audiences": ["api://vetassist"]})));
    let c = f.case("aud one of the configured audiences", "RFC 7519 §4.1.3", Some(t(json!({"aud": "api://vetassist"}))), ok(READ));
    c["config"] = "alternate audience".into();

    f.configs.insert("minimal".into(), json!({"resource": RESOURCE, "issuers": [{"issuer": AUTH}, {"issuer": OTHER}]}));
    let c = f.case(
        "client id from azp when client_id is absent",
        "RFC 9068 §2.2, OIDC azp",
        Some(t(json!({"client_id": null, "azp": "azp-client", "sub": null, "jti": null, "iat": null}))),
        json!({"ok": true, "clientId": "azp-client", "scopes": READ}),
    );
    c["config"] = "minimal".into();

    // typ.
    f.configs.insert("strict typ".into(), with(default_config(), json!({"issuers": [{"issuer": AUTH, "typ": "at+jwt"}, {"issuer": OTHER}]})));
    let typed = |typ: Option<&str>| {
        let mut h = json!({"alg": "ES256", "kid": "p256"});
        if let Some(typ) = typ {
            h["typ"] = typ.into();
        }
        jws(&k.p256, "ES256", &h.to_string(), &claims(json!({})).to_string())
    };
    for (typ, strict, lenient) in [
        (Some("at+jwt"), true, true),
        (Some("application/at+jwt"), true, true),
        (Some("AT+JWT"), true, true),
        (Some("JWT"), false, true),
        (Some("jwt"), false, true),
        (None, false, true),
        (Some("JOSE"), false, false),
        (Some("dpop+jwt"), false, false),
        (Some("id_token+jwt"), false, false),
    ] {
        let label = typ.map_or("absent".to_owned(), |t| format!("{t:?}"));
        let expect = |pass: bool| if pass { ok(READ) } else { invalid("ERR_JWT_TYPE") };
        let c = f.case(&format!("strict typ, typ {label}"), "RFC 9068 §2.1, RFC 8725 §3.11", Some(typed(typ)), expect(strict));
        c["config"] = "strict typ".into();
        f.case(&format!("lenient typ, typ {label}"), "RFC 8725 §3.11", Some(typed(typ)), expect(lenient));
    }
    let h = json!({"alg": "ES256", "kid": "p256", "typ": 1}).to_string();
    f.case("typ a number", "RFC 7515 §4.1.9", Some(jws(&k.p256, "ES256", &h, &claims(json!({})).to_string())), invalid("ERR_JWS_HEADER_INVALID"));
    f
}

// ---------------------------------------------------------------- requests.json

fn requests(k: &Keys) -> File {
    let mut f = File::new("Bearer extraction, scopes and per-operation MCP policy", k);
    let read = token(&k.p256, "ES256", json!({}));
    let write = token(&k.p256, "ES256", json!({"scope": "mcp:access pet-profile:read pet-profile:write"}));

    f.case("no Authorization header", "RFC 6750 §3.1 (no error code)", None, refused(401, None, "ERR_NO_BEARER_TOKEN"));
    f.case("another scheme", "RFC 6750 §3.1", Some("Basic dXNlcjpwYXNz".into()), refused(401, None, "ERR_NO_BEARER_TOKEN"));
    for (what, value) in [
        ("Bearer and no token", "Bearer".to_owned()),
        ("two tokens", format!("Bearer {read} {read}")),
        ("token with a comma", format!("Bearer {read},")),
        ("token with a quote", "Bearer \"abc\"".to_owned()),
        // Every host hands the core the value as UTF-8: a character outside
        // ASCII arrives as its bytes and is refused where it stands.
        ("a valid token, then a character outside ASCII", format!("Bearer {read}\u{e4}")),
        ("a no-break space after the scheme", format!("Bearer\u{a0}{read}")),
    ] {
        f.case(what, "RFC 6750 §2.1", Some(value), refused(400, Some("invalid_request"), "ERR_BEARER_MALFORMED"));
    }
    f.case("scheme in lower case", "RFC 6750 §2.1 (case-insensitive scheme)", Some(format!("bearer {read}")), ok(READ));
    f.case("several spaces after the scheme", "RFC 6750 §2.1 (1*SP)", Some(format!("BEARER   {read}")), ok(READ));

    let cases: Vec<(&str, &str, &String, Value, Value)> = vec![
        ("get_pet_profile with pet-profile:read", "per-tool scopes", &read, tool_call("get_pet_profile"), ok(READ)),
        (
            "update_pet_profile with pet-profile:write",
            "per-tool scopes",
            &write,
            tool_call("update_pet_profile"),
            ok(&["mcp:access", "pet-profile:read", "pet-profile:write"]),
        ),
        ("unlisted tool under defaultPolicy allow", "defaultPolicy", &read, tool_call("book_appointment"), ok(READ)),
        ("initialize needs only the base scopes", "requiredScopes", &read, json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}), ok(READ)),
        ("a JSON-RPC response from the client", "JSON-RPC 2.0 §5", &read, json!({"jsonrpc":"2.0","id":"srv-1","result":{}}), ok(READ)),
    ];
    for (name, source, tok, body, expect) in cases {
        let c = f.case(name, source, Some(tok.clone()), expect);
        c["body"] = body.to_string().into();
    }
    let scope_case = |f: &mut File, name: &str, tok: &String, body: Option<Value>, scope: &str| {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = scope.into();
        let c = f.case(name, "RFC 6750 §3.1 insufficient_scope", Some(tok.clone()), e);
        if let Some(b) = body {
            c["body"] = b.to_string().into();
        }
    };
    // challengeScopes "neededAndGranted" (the default): the scopes the token already holds that this resource knows follow what is needed.
    scope_case(
        &mut f,
        "update_pet_profile with only pet-profile:read",
        &read,
        Some(tool_call("update_pet_profile")),
        "mcp:access pet-profile:write pet-profile:read",
    );
    scope_case(
        &mut f,
        "a batch needs the union of its tools",
        &read,
        Some(json!([tool_call("get_pet_profile"), tool_call("update_pet_profile")])),
        "mcp:access pet-profile:read pet-profile:write",
    );
    let no_base = token(&k.p256, "ES256", json!({"scope": "pet-profile:read"}));
    scope_case(&mut f, "token without the base scope", &no_base, None, "mcp:access pet-profile:read");
    let prefix = token(&k.p256, "ES256", json!({"scope": "mcp:access pet-profile:writer"}));
    scope_case(&mut f, "pet-profile:writer is not pet-profile:write", &prefix, Some(tool_call("update_pet_profile")), "mcp:access pet-profile:write");
    let scp = token(&k.p256, "ES256", json!({"scope": null, "scp": ["mcp:access", "pet-profile:write"]}));
    let c = f.case("scopes from an scp array", "scopeClaims", Some(scp), ok(&["mcp:access", "pet-profile:write"]));
    c["body"] = tool_call("update_pet_profile").to_string().into();
    f.case("scope claim a number", "RFC 8693 §4.2", Some(token(&k.p256, "ES256", json!({"scope": 7}))), invalid("ERR_JWT_CLAIM_INVALID"));

    for (what, body) in [
        ("not JSON", "{"),
        ("an empty batch", "[]"),
        ("tools/call without a name", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#),
        ("duplicate params.name", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile","name":"update_pet_profile"}}"#),
    ] {
        let c = f.case(&format!("body {what}"), "JSON-RPC 2.0 §4", Some(read.clone()), refused(400, Some("invalid_request"), "ERR_MCP_REQUEST_INVALID"));
        c["body"] = body.into();
    }
    let c = f.case("a bad body without a token is still a 401", "RFC 6750 §3.1 (authenticate first)", None, refused(401, None, "ERR_NO_BEARER_TOKEN"));
    c["body"] = "{".into();
    let expired = token(&k.p256, "ES256", json!({"exp": NOW - 3600}));
    let mut e = invalid("ERR_JWT_EXPIRED");
    e["scope"] = "mcp:access pet-profile:write".into();
    let c = f.case("a 401 hints at the scopes the request needs", "MCP authorization: scope in 401 challenges", Some(expired), e);
    c["body"] = tool_call("update_pet_profile").to_string().into();

    f.configs.insert("deny".into(), with(default_config(), json!({"defaultPolicy": "deny"})));
    for (what, body, expect) in [
        ("unlisted tool under defaultPolicy deny", tool_call("book_appointment"), refused(403, Some("insufficient_scope"), "ERR_MCP_OPERATION_DENIED")),
        ("listed tool under defaultPolicy deny", tool_call("get_pet_profile"), ok(READ)),
        ("initialize under defaultPolicy deny", json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}), ok(READ)),
    ] {
        let c = f.case(what, "defaultPolicy", Some(read.clone()), expect);
        c["config"] = "deny".into();
        c["body"] = body.to_string().into();
    }
    // One meaning for a body (RFC 9110 §8.3, §8.4; RFC 8259 §8.1): the HTTP
    // body's media type and coding, given as the cases' `contentType` and
    // `contentEncoding` (null: the field is absent).
    let http_case = |f: &mut File, what: &str, tok: Option<&String>, content_type: Option<&str>, content_encoding: Option<&str>, expect: Value| {
        let c = f.case(what, "RFC 9110 §8.3, §8.4, §15.5.16; RFC 8259 §8.1", tok.cloned(), expect);
        c["body"] = tool_call("get_pet_profile").to_string().into();
        c["contentType"] = content_type.into();
        c["contentEncoding"] = content_encoding.into();
    };
    http_case(&mut f, "an HTTP body of application/json", Some(&read), Some("application/json"), None, ok(READ));
    http_case(&mut f, "an HTTP body with charset=UTF-8", Some(&read), Some("Application/JSON; charset=\"UTF-8\""), Some("identity"), ok(READ));
    for media in ["application/json; charset=utf-7", "application/json; charset=utf-16le", "text/plain", "application/json; profile=x"] {
        http_case(&mut f, &format!("an HTTP body of {media}"), Some(&read), Some(media), None, refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_TYPE"));
    }
    http_case(&mut f, "an HTTP body without Content-Type", Some(&read), None, None, refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_TYPE"));
    http_case(
        &mut f,
        "a gzip-encoded HTTP body",
        Some(&read),
        Some("application/json"),
        Some("gzip"),
        refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_ENCODING"),
    );
    http_case(
        &mut f,
        "a UTF-7 body without a token is still a 401",
        None,
        Some("application/json; charset=utf-7"),
        None,
        refused(401, None, "ERR_NO_BEARER_TOKEN"),
    );

    // Exact names and canonical resource URIs.
    for (what, body) in [
        ("a tool name with a leading space", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":" update_pet_profile"}}"#),
        ("a tool name with a trailing newline", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"update_pet_profile\n"}}"#),
        ("a prompt name with a NUL", r#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"triage\u0000"}}"#),
        ("a resource URI that is not a URL", r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"records/rex"}}"#),
    ] {
        let c =
            f.case(what, "exact operation names (parser differentials)", Some(read.clone()), refused(400, Some("invalid_request"), "ERR_MCP_REQUEST_INVALID"));
        c["body"] = body.into();
    }
    f.configs.insert("records".into(), with(default_config(), json!({"resources": {"vet://records/rex": ["records:read"]}})));
    for spelling in [
        "vet://records/rex",
        "VET://records/rex",
        "vet://records/./rex",
        "vet://records/x/../rex",
        "vet://records/%2E/rex",
        " vet://records/rex\n",
        "vet://records/%72ex#f",
    ] {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = "mcp:access records:read pet-profile:read".into();
        let c = f.case(
            &format!("resources/read of {spelling:?} needs the resource's scope"),
            "WHATWG URL Standard (as MCP SDKs look resources up)",
            Some(read.clone()),
            e,
        );
        c["config"] = "records".into();
        c["body"] = json!({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri": spelling}}).to_string().into();
    }
    let c = f.case("resources/read of another resource needs only the base scopes", "WHATWG URL Standard", Some(read.clone()), ok(READ));
    c["config"] = "records".into();
    c["body"] = json!({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri": "vet://records/tom"}}).to_string().into();

    // Only scope tokens are granted (RFC 6749 §3.3).
    let spaced = token(&k.p256, "ES256", json!({"scope": null, "scp": ["mcp:access", "pet-profile:read", "x pet-profile:write"]}));
    scope_case(
        &mut f,
        "an scp element holding a space grants nothing",
        &spaced,
        Some(tool_call("update_pet_profile")),
        "mcp:access pet-profile:write pet-profile:read",
    );
    f.configs.insert("needed challenge".into(), with(default_config(), json!({"challengeScopes": "needed"})));
    let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
    e["scope"] = "mcp:access pet-profile:write".into();
    let c = f.case("challengeScopes needed names only what the request needs", "challengeScopes", Some(read.clone()), e);
    c["config"] = "needed challenge".into();
    c["body"] = tool_call("update_pet_profile").to_string().into();
    let c = f.case("scopes that are not scope tokens are dropped", "RFC 6749 §3.3", Some(spaced), ok(READ));
    c["body"] = tool_call("get_pet_profile").to_string().into();

    f.configs.insert("small body".into(), with(default_config(), json!({"maxBodyBytes": 64})));
    let c = f.case("body over maxBodyBytes", "maxBodyBytes", Some(read.clone()), refused(413, Some("invalid_request"), "ERR_MCP_BODY_TOO_LARGE"));
    c["config"] = "small body".into();
    c["body"] = tool_call("get_pet_profile").to_string().into();
    f
}

// ---------------------------------------------------------------- idp.json and examples/idp

/// A token as an identity provider issues it: its own header members and claims.
fn idp_token(key: &Key, alg: &str, header_extra: Value, claims: Value) -> String {
    let mut h = json!({"alg": alg, "kid": key.kid});
    for (k, v) in header_extra.as_object().unwrap() {
        h[k] = v.clone();
    }
    jws(key, alg, &h.to_string(), &claims.to_string())
}

/// Long-lived, so the Worker (which reads the real clock) runs these cases too.
const IDP_EXP: u64 = 4_102_444_800;
const VET: &str = "https://vetassist.example/mcp";

/// One identity provider's working config (also written to examples/idp/NAME.json) and its cases.
struct Idp<'k> {
    name: &'static str,
    config: Value,
    key: &'k Key,
    alg: &'static str,
    header: Value,
}

impl Idp<'_> {
    fn token(&self, claims: Value) -> String {
        idp_token(self.key, self.alg, self.header.clone(), claims)
    }
}

/// `changes` applied to `base` (`null` removes a member).
fn merged(base: &Value, changes: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in changes.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

fn idp(k: &Keys, out: &mut BTreeMap<String, String>) -> File {
    let mut f =
        File::new("Access tokens shaped like each identity provider's real ones, with the config that accepts them and the look-alikes it must refuse", k);
    f.configs.clear();
    f.key_sets.clear();
    let tenant = "6f3a1c2e-0b7d-4e8a-9c1f-2d5e7a9b3c41";
    let other_tenant = "0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
    let api = "3f7c9e21-8d4b-4a6e-b2f1-5c0d9e8a7b63"; // the API's application (client) id
    let client = "c0a8f6d2-41b7-4d3e-9a5c-8e2f7b6d1a90"; // the MCP client's
    let entra_tools = json!({"get_pet_profile": ["api://vetassist-mcp/Pets.Read"], "update_pet_profile": ["api://vetassist-mcp/Pets.Write"]});
    let entra_implies = json!({"api://vetassist-mcp/Pets.Write": ["api://vetassist-mcp/Pets.Read"]});
    let entra_supported = json!(["api://vetassist-mcp/Pets.Read", "api://vetassist-mcp/Pets.Write"]);
    let vet_tools = json!({"get_pet_profile": ["pet-profile:read"], "update_pet_profile": ["pet-profile:write"]});
    let vet_supported = json!(["mcp:access", "pet-profile:read", "pet-profile:write"]);
    let entra_v2_claims = |iss: &str, tid: &str, scp: &str| {
        json!({"aud": api, "iss": iss, "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP, "aio": "AWQAm/8YAAAA", "azp": client, "azpacr": "0",
               "name": "Bob Smith", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0", "preferred_username": "bob@vetassist.example", "rh": "0.AXEA",
               "scp": scp, "sub": "bob-pairwise-sub", "tid": tid, "uti": "x1y2z3", "ver": "2.0"})
    };
    let entra_header = json!({"typ": "JWT", "x5t": "kWbkaa6qs8wsTnBwiiNYOhHbnAw"});
    let v2_iss = |t: &str| format!("https://login.microsoftonline.com/{t}/v2.0");

    let idps = [
        Idp {
            name: "entra-v2",
            config: json!({
                "resource": VET, "audiences": [api],
                "issuers": [{"issuer": v2_iss(tenant), "jwksUri": format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["azp"], "scopePrefix": "api://vetassist-mcp/"}],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "entra-v2-multi-tenant",
            config: json!({
                "resource": VET, "audiences": [api],
                "issuers": [{"issuer": "https://login.microsoftonline.com/{tid}/v2.0", "tenants": [tenant, other_tenant],
                             "jwksUri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["azp"], "scopePrefix": "api://vetassist-mcp/"}],
                "authorizationServers": ["https://login.microsoftonline.com/organizations/v2.0"],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "entra-v1",
            config: json!({
                "resource": VET, "audiences": ["api://vetassist-mcp"],
                "issuers": [{"issuer": format!("https://sts.windows.net/{tenant}/"), "jwksUri": format!("https://login.microsoftonline.com/{tenant}/discovery/keys"),
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["appid"], "scopePrefix": "api://vetassist-mcp/"}],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "auth0",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.us.auth0.com/", "jwksUri": "https://vetassist.us.auth0.com/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "permissions"], "clientIdClaims": ["azp", "client_id"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "okta",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.okta.com/oauth2/aus1vetassist", "jwksUri": "https://vetassist.okta.com/oauth2/aus1vetassist/v1/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scp"], "clientIdClaims": ["cid"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({}),
        },
        Idp {
            name: "keycloak",
            config: json!({
                "resource": VET, "audiences": ["vetassist-mcp"],
                "issuers": [{"issuer": "https://kc.vetassist.example/realms/vetassist", "jwksUri": "https://kc.vetassist.example/realms/vetassist/protocol/openid-connect/certs",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "/resource_access/vetassist-mcp/roles", "/realm_access/roles"], "clientIdClaims": ["azp"]}],
                "tools": vet_tools, "scopeImplies": {"vet-staff": ["pet-profile:read", "pet-profile:write"], "pet-profile:write": ["pet-profile:read"]},
                "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "cognito",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1",
                             "jwksUri": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["scope"], "clientIdClaims": ["client_id"],
                             "clientIds": ["5h2k9vetassistclient0abc"], "audienceOptional": true, "requiredClaimValues": {"token_use": "access"}}],
                "tools": {"get_pet_profile": ["vetassist/pet-profile.read"], "update_pet_profile": ["vetassist/pet-profile.write"]},
                "scopesSupported": ["vetassist/pet-profile.read", "vetassist/pet-profile.write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({}),
        },
        Idp {
            name: "asgardeo",
            config: json!({
                "resource": VET, "audiences": ["mcp://vetassist"],
                "issuers": [{"issuer": "https://api.asgardeo.io/t/vetassist/oauth2/token", "jwksUri": "https://api.asgardeo.io/t/vetassist/oauth2/jwks",
                             "algorithms": ["RS256"], "typ": "at+jwt", "scopeClaims": ["scope"], "clientIdClaims": ["client_id", "azp"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "at+jwt", "x5t": "MWQ5NWUxN2Q"}),
        },
        Idp {
            name: "fusionauth",
            config: json!({
                "resource": VET, "audiences": ["85a03867-dccf-4882-adde-1a79aeec50df"],
                "issuers": [{"issuer": "https://auth.vetassist.example", "jwksUri": "https://auth.vetassist.example/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["roles"], "clientIdClaims": ["applicationId"]}],
                "tools": vet_tools, "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "zitadel",
            config: json!({
                "resource": VET, "audiences": ["249391113960669421"],
                "issuers": [{"issuer": "https://vetassist-abc123.zitadel.cloud", "jwksUri": "https://vetassist-abc123.zitadel.cloud/oauth/v2/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "/urn:zitadel:iam:org:project:roles"], "clientIdClaims": ["client_id"]}],
                "tools": vet_tools, "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "logto",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.logto.app/oidc", "jwksUri": "https://vetassist.logto.app/oidc/jwks",
                             "algorithms": ["ES384"], "typ": "at+jwt", "scopeClaims": ["scope"], "clientIdClaims": ["client_id"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.p384,
            alg: "ES384",
            header: json!({"typ": "at+jwt"}),
        },
    ];
    for i in &idps {
        let set: Map<String, Value> =
            i.config["issuers"].as_array().unwrap().iter().map(|iss| (iss["issuer"].as_str().unwrap().to_owned(), json!({"keys": [i.key.public()]}))).collect();
        f.key_sets.insert(i.name.into(), Value::Object(set));
        f.configs.insert(i.name.into(), i.config.clone());
        out.insert(format!("../../examples/idp/{}.json", i.name), serde_json::to_string_pretty(&i.config).unwrap() + "\n");
    }
    let by = |name: &str| idps.iter().find(|i| i.name == name).unwrap();
    let case = |f: &mut File, idp: &str, what: &str, source: &str, token: String, body: Option<Value>, expect: Value| {
        let c = f.case(&format!("{idp}: {what}"), source, Some(token), expect);
        c["config"] = idp.into();
        c["keySets"] = idp.into();
        if let Some(b) = body {
            c["body"] = b.to_string().into();
        }
    };
    let scope_refusal = |scope: &str| {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = scope.into();
        e
    };
    let (get, update) = (Some(tool_call("get_pet_profile")), Some(tool_call("update_pet_profile")));

    // Entra ID v2, single tenant: scp holds short names, the config the full ones.
    let e = by("entra-v2");
    let bob = e.token(entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Read"));
    case(
        &mut f,
        "entra-v2",
        "Pets.Read satisfies api://vetassist-mcp/Pets.Read (scopePrefix)",
        "Entra ID access token v2",
        bob.clone(),
        get.clone(),
        ok(&["Pets.Read"]),
    );
    case(
        &mut f,
        "entra-v2",
        "update_pet_profile asks for the full name, and keeps Pets.Read",
        "MCP 2025-11-25 scope challenge",
        bob,
        update.clone(),
        scope_refusal("api://vetassist-mcp/Pets.Write api://vetassist-mcp/Pets.Read"),
    );
    let alice = e.token(entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Write"));
    case(
        &mut f,
        "entra-v2",
        "Pets.Write implies Pets.Read (scopeImplies)",
        "MCP 2026-07-28 scope hierarchies",
        alice.clone(),
        get.clone(),
        ok(&["Pets.Write"]),
    );
    case(&mut f, "entra-v2", "Pets.Write calls update_pet_profile", "Entra ID access token v2", alice, update.clone(), ok(&["Pets.Write"]));
    let app = e.token(merged(
        &entra_v2_claims(&v2_iss(tenant), tenant, ""),
        json!({"scp": null, "roles": ["Pets.Read"], "idtyp": "app", "sub": client, "oid": client}),
    ));
    case(&mut f, "entra-v2", "an app-only token's roles grant like scp", "Entra ID application permissions", app, get.clone(), ok(&["Pets.Read"]));
    let other_api = e.token(merged(&entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Read"), json!({"aud": "00000003-0000-0000-c000-000000000000"})));
    case(&mut f, "entra-v2", "a token for another API (Microsoft Graph) is refused", "RFC 9068 §4 (aud)", other_api, get.clone(), invalid("ERR_JWT_AUDIENCE"));
    let other_tenant_token = e.token(entra_v2_claims(&v2_iss(other_tenant), other_tenant, "Pets.Read"));
    case(&mut f, "entra-v2", "another tenant is another issuer", "RFC 9068 §4 (iss)", other_tenant_token, get.clone(), invalid("ERR_JWT_ISSUER"));
    let id_token = e.token(json!({"aud": client, "iss": v2_iss(tenant), "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP, "name": "Bob Smith",
        "nonce": "n-0S6_WzA2Mj", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0", "preferred_username": "bob@vetassist.example", "sub": "bob-pairwise-sub", "tid": tenant, "ver": "2.0"}));
    case(&mut f, "entra-v2", "an ID token is refused", "OpenID Connect Core §2 (aud is the client)", id_token, get.clone(), invalid("ERR_JWT_AUDIENCE"));

    // Entra ID v2, multi-tenant: {tid} in the issuer, the token's own tid, listed tenants only.
    let m = by("entra-v2-multi-tenant");
    for (t, label) in [(tenant, "a listed tenant"), (other_tenant, "another listed tenant")] {
        case(
            &mut f,
            "entra-v2-multi-tenant",
            &format!("{label} is accepted"),
            "issuer placeholder",
            m.token(entra_v2_claims(&v2_iss(t), t, "Pets.Read")),
            get.clone(),
            ok(&["Pets.Read"]),
        );
    }
    let unlisted = "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a";
    case(
        &mut f,
        "entra-v2-multi-tenant",
        "an unlisted tenant is refused",
        "issuer placeholder (tenants)",
        m.token(entra_v2_claims(&v2_iss(unlisted), unlisted, "Pets.Read")),
        get.clone(),
        invalid("ERR_JWT_ISSUER"),
    );
    case(
        &mut f,
        "entra-v2-multi-tenant",
        "an iss naming another tenant than the token's tid is refused",
        "issuer placeholder (the token's own claim)",
        m.token(entra_v2_claims(&v2_iss(tenant), other_tenant, "Pets.Read")),
        get.clone(),
        invalid("ERR_JWT_ISSUER"),
    );
    f.configs.insert("entra-v2-any-tenant".into(), merged(&m.config, json!({"issuers": [merged(&m.config["issuers"][0], json!({"tenants": "*"}))]})));
    f.key_sets.insert("entra-v2-any-tenant".into(), f.key_sets["entra-v2-multi-tenant"].clone());
    case(
        &mut f,
        "entra-v2-any-tenant",
        "tenants \"*\" accepts every tenant (an explicit opt-in)",
        "issuer placeholder (tenants \"*\")",
        m.token(entra_v2_claims(&v2_iss(unlisted), unlisted, "Pets.Read")),
        get.clone(),
        ok(&["Pets.Read"]),
    );

    // Entra ID v1: App ID URI as aud, appid as the client.
    let v1 = by("entra-v1");
    let v1_claims = json!({"aud": "api://vetassist-mcp", "iss": format!("https://sts.windows.net/{tenant}/"), "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP,
        "acr": "1", "aio": "E2ZgYJ", "amr": ["pwd"], "appid": client, "appidacr": "0", "name": "Bob Smith", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0",
        "scp": "Pets.Read", "sub": "bob-v1-sub", "tid": tenant, "unique_name": "bob@vetassist.example", "upn": "bob@vetassist.example", "uti": "q1w2e3", "ver": "1.0"});
    case(&mut f, "entra-v1", "a v1 token with the App ID URI as aud", "Entra ID access token v1", v1.token(v1_claims.clone()), get.clone(), ok(&["Pets.Read"]));
    case(
        &mut f,
        "entra-v1",
        "a v1 token for another App ID URI is refused",
        "RFC 9068 §4 (aud)",
        v1.token(merged(&v1_claims, json!({"aud": "api://billing"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Auth0: scope and RBAC permissions, azp.
    let a0 = by("auth0");
    let a0_claims = json!({"iss": "https://vetassist.us.auth0.com/", "sub": "auth0|64f1c2b3a4d5e6f708192a3b", "aud": [VET, "https://vetassist.us.auth0.com/userinfo"],
        "iat": NOW - 60, "exp": IDP_EXP, "azp": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "scope": "openid profile mcp:access", "permissions": ["pet-profile:read"]});
    case(
        &mut f,
        "auth0",
        "scope and permissions together",
        "Auth0 access token (RBAC)",
        a0.token(a0_claims.clone()),
        get.clone(),
        ok(&["openid", "profile", "mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "auth0",
        "update_pet_profile without the permission",
        "RFC 6750 §3.1",
        a0.token(a0_claims.clone()),
        update.clone(),
        scope_refusal("mcp:access pet-profile:write pet-profile:read"),
    );
    let m2m = a0.token(
        json!({"iss": "https://vetassist.us.auth0.com/", "sub": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF@clients", "aud": VET, "iat": NOW - 60, "exp": IDP_EXP,
        "azp": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "scope": "mcp:access pet-profile:read", "gty": "client-credentials"}),
    );
    case(&mut f, "auth0", "a machine-to-machine token", "Auth0 client credentials", m2m, get.clone(), ok(&["mcp:access", "pet-profile:read"]));
    let a0_id = a0.token(json!({"iss": "https://vetassist.us.auth0.com/", "sub": "auth0|64f1c2b3a4d5e6f708192a3b", "aud": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "iat": NOW - 60, "exp": IDP_EXP,
        "nonce": "abc", "name": "bob@vetassist.example", "email": "bob@vetassist.example", "email_verified": true, "sid": "s1"}));
    case(&mut f, "auth0", "an ID token is refused", "OpenID Connect Core §2 (aud is the client)", a0_id, get.clone(), invalid("ERR_JWT_AUDIENCE"));
    case(
        &mut f,
        "auth0",
        "a token for another API is refused",
        "RFC 9068 §4 (aud)",
        a0.token(merged(&a0_claims, json!({"aud": ["https://billing.vetassist.example/api", "https://vetassist.us.auth0.com/userinfo"]}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Okta custom authorization server: scp array, cid.
    let ok_idp = by("okta");
    let okta_claims = json!({"ver": 1, "jti": "AT.4kCmJ8bDqfP3uVfLmN2o", "iss": "https://vetassist.okta.com/oauth2/aus1vetassist", "aud": VET, "iat": NOW - 60, "exp": IDP_EXP,
        "cid": "0oa1vetassistclient", "uid": "00u1bobvetassist", "scp": ["mcp:access", "pet-profile:read"], "auth_time": NOW - 120, "sub": "bob@vetassist.example"});
    case(
        &mut f,
        "okta",
        "scp as an array, cid as the client",
        "Okta access token",
        ok_idp.token(okta_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "okta",
        "the default authorization server's api://default audience is refused",
        "RFC 9068 §4 (aud)",
        ok_idp.token(merged(&okta_claims, json!({"aud": "api://default"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Keycloak: client roles and realm roles by JSON Pointer, an audience mapper.
    let kc = by("keycloak");
    let kc_claims = |roles: Value, realm: Value| {
        json!({"exp": IDP_EXP, "iat": NOW - 60, "auth_time": NOW - 120, "jti": "onrtac:1f2e3d4c", "iss": "https://kc.vetassist.example/realms/vetassist",
        "aud": ["vetassist-mcp", "account"], "sub": "5b6c7d8e-1111-4222-8333-444455556666", "typ": "Bearer", "azp": "vetassist-client", "sid": "7a8b9c0d",
        "acr": "1", "allowed-origins": ["http://127.0.0.1:8976"], "realm_access": {"roles": realm}, "resource_access": {"vetassist-mcp": {"roles": roles}, "account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid profile email", "email_verified": true, "preferred_username": "bob"})
    };
    let kc_bob = kc.token(kc_claims(json!(["pet-profile:read"]), json!(["default-roles-vetassist", "offline_access"])));
    case(
        &mut f,
        "keycloak",
        "a client role read from /resource_access/vetassist-mcp/roles",
        "Keycloak access token",
        kc_bob.clone(),
        get.clone(),
        ok(&["openid", "profile", "email", "pet-profile:read", "default-roles-vetassist", "offline_access"]),
    );
    case(
        &mut f,
        "keycloak",
        "update_pet_profile needs a role Bob lacks",
        "RFC 6750 §3.1",
        kc_bob,
        update.clone(),
        scope_refusal("pet-profile:write pet-profile:read"),
    );
    let kc_alice = kc.token(kc_claims(json!([]), json!(["default-roles-vetassist", "vet-staff"])));
    case(
        &mut f,
        "keycloak",
        "the realm role vet-staff implies both scopes",
        "Keycloak realm roles, scopeImplies",
        kc_alice,
        update.clone(),
        ok(&["openid", "profile", "email", "default-roles-vetassist", "vet-staff"]),
    );
    let kc_no_mapper = kc.token(merged(&kc_claims(json!(["pet-profile:read"]), json!([])), json!({"aud": "account"})));
    case(
        &mut f,
        "keycloak",
        "a token without the audience mapper (aud account) is refused",
        "RFC 9068 §4 (aud)",
        kc_no_mapper,
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // AWS Cognito: no aud in access tokens; client_id, token_use.
    let cg = by("cognito");
    let cg_iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1";
    let cg_access = json!({"sub": "7f1e2d3c-4b5a-4968-8776-554433221100", "iss": cg_iss, "version": 2, "client_id": "5h2k9vetassistclient0abc", "origin_jti": "a1-b2",
        "event_id": "e1-f2", "token_use": "access", "scope": "vetassist/pet-profile.read", "auth_time": NOW - 120, "exp": IDP_EXP, "iat": NOW - 60, "jti": "c3-d4", "username": "bob"});
    case(
        &mut f,
        "cognito",
        "an access token without aud, from the listed app client",
        "Cognito access token (audienceOptional)",
        cg.token(cg_access.clone()),
        get.clone(),
        ok(&["vetassist/pet-profile.read"]),
    );
    case(
        &mut f,
        "cognito",
        "another app client's access token is refused",
        "clientIds",
        cg.token(merged(&cg_access, json!({"client_id": "9z8y7otherclient"}))),
        get.clone(),
        invalid("ERR_JWT_CLIENT"),
    );
    let cg_id = json!({"sub": "7f1e2d3c-4b5a-4968-8776-554433221100", "email_verified": true, "iss": cg_iss, "cognito:username": "bob", "origin_jti": "a1-b2",
        "aud": "5h2k9vetassistclient0abc", "event_id": "e1-f2", "token_use": "id", "auth_time": NOW - 120, "exp": IDP_EXP, "iat": NOW - 60, "jti": "g5-h6", "email": "bob@vetassist.example"});
    case(
        &mut f,
        "cognito",
        "a Cognito ID token (aud is the app client) is refused",
        "Cognito ID token",
        cg.token(cg_id.clone()),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );
    // Were the app client listed as an audience (the mistake the schema steers away from), token_use would still refuse the ID token.
    f.configs.insert("cognito-client-as-audience".into(), merged(&cg.config, json!({"audiences": ["5h2k9vetassistclient0abc"]})));
    f.key_sets.insert("cognito-client-as-audience".into(), f.key_sets["cognito"].clone());
    case(
        &mut f,
        "cognito-client-as-audience",
        "token_use id is refused even when its aud is listed",
        "requiredClaimValues",
        cg.token(cg_id),
        get.clone(),
        invalid("ERR_JWT_CLAIM_VALUE"),
    );

    // Asgardeo: an API resource identifier as audience, at+jwt.
    let ag = by("asgardeo");
    let ag_claims = json!({"sub": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", "aut": "APPLICATION_USER", "iss": "https://api.asgardeo.io/t/vetassist/oauth2/token",
        "client_id": "Vt5ssT9ClientIdAsg", "aud": "mcp://vetassist", "nbf": NOW - 60, "azp": "Vt5ssT9ClientIdAsg", "org_id": "10084a8d-113f-4211-a0d5-efe36b082211",
        "scope": "mcp:access pet-profile:read", "org_name": "vetassist", "exp": IDP_EXP, "iat": NOW - 60, "jti": "8f7e6d5c"});
    case(
        &mut f,
        "asgardeo",
        "mcp://vetassist as the audience",
        "Asgardeo access token",
        ag.token(ag_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    let ag_id = idp_token(ag.key, "RS256", json!({"typ": "JWT"}), merged(&ag_claims, json!({"aud": "Vt5ssT9ClientIdAsg", "scope": null, "nonce": "n1"})));
    case(&mut f, "asgardeo", "an ID token is refused", "OpenID Connect Core §2", ag_id, get.clone(), invalid("ERR_JWT_AUDIENCE"));

    // FusionAuth: aud is the application (the client), roles as scopes.
    let fa = by("fusionauth");
    let fa_claims = json!({"aud": "85a03867-dccf-4882-adde-1a79aeec50df", "exp": IDP_EXP, "iat": NOW - 60, "iss": "https://auth.vetassist.example",
        "sub": "00000000-0000-0001-0000-000000000000", "jti": "a7b8c9d0", "authenticationType": "PASSWORD", "email": "bob@vetassist.example", "email_verified": true,
        "applicationId": "85a03867-dccf-4882-adde-1a79aeec50df", "scope": "offline_access", "roles": ["pet-profile:read"], "sid": "s2", "auth_time": NOW - 120,
        "tid": "d7d09513-a3f5-401c-9685-34ab6c552453"});
    case(
        &mut f,
        "fusionauth",
        "roles as scopes, the application id as aud",
        "FusionAuth access token",
        fa.token(fa_claims.clone()),
        get.clone(),
        ok(&["pet-profile:read"]),
    );
    case(
        &mut f,
        "fusionauth",
        "another application's token is refused",
        "RFC 9068 §4 (aud)",
        fa.token(merged(&fa_claims, json!({"aud": "3c219e58-ed0e-4b18-ad48-f4f92793ae32", "applicationId": "3c219e58-ed0e-4b18-ad48-f4f92793ae32"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // ZITADEL: project roles as an object whose member names are the roles.
    let z = by("zitadel");
    let z_claims = |roles: Value| {
        json!({"aud": ["249391113960669421", "249391234560987654@vetassist"], "client_id": "249391234560987654@vetassist", "exp": IDP_EXP, "iat": NOW - 60,
        "iss": "https://vetassist-abc123.zitadel.cloud", "jti": "249391345678901234", "nbf": NOW - 60, "sub": "249391456789012345",
        "urn:zitadel:iam:org:project:roles": roles, "urn:zitadel:iam:org:project:249391113960669421:roles": roles})
    };
    let z_bob = z.token(z_claims(json!({"pet-profile:read": {"249391113960669420": "vetassist.zitadel.cloud"}})));
    case(&mut f, "zitadel", "project roles as object member names", "ZITADEL access token", z_bob.clone(), get.clone(), ok(&["pet-profile:read"]));
    case(
        &mut f,
        "zitadel",
        "update_pet_profile needs the write role",
        "RFC 6750 §3.1",
        z_bob,
        update.clone(),
        scope_refusal("pet-profile:write pet-profile:read"),
    );

    // Logto: ES384, at+jwt, the API resource indicator as aud.
    let lg = by("logto");
    let lg_claims = json!({"jti": "Xq3k9Lm", "sub": "u7vetbob", "iat": NOW - 60, "exp": IDP_EXP, "scope": "mcp:access pet-profile:read", "client_id": "vetassistmcp1",
        "iss": "https://vetassist.logto.app/oidc", "aud": VET});
    case(
        &mut f,
        "logto",
        "ES384, at+jwt, the resource indicator as aud",
        "Logto access token (RFC 8707)",
        lg.token(lg_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "logto",
        "a Management API token is refused",
        "RFC 9068 §4 (aud)",
        lg.token(merged(&lg_claims, json!({"aud": "https://default.logto.app/api"}))),
        get,
        invalid("ERR_JWT_AUDIENCE"),
    );
    let _ = update;
    f
}

// ---------------------------------------------------------------- rfc.json

fn rfc(k: &Keys) -> File {
    let mut f = File::new("Published examples: RFC 7515 A.2/A.3, RFC 8037 A.4, RFC 7520 §4", k);
    let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    let a2_n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    let a2 = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw");
    let a3 = format!("eyJhbGciOiJFUzI1NiJ9.{payload}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
    let a3_key = json!({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
    f.configs.insert("joe".into(), json!({"resource": RESOURCE, "issuers": [{"issuer": "joe"}]}));
    f.key_sets.insert("rfc7515 A.2".into(), json!({"joe": {"keys": [{"kty":"RSA","n":a2_n,"e":"AQAB"}]}}));
    f.key_sets.insert("rfc7515 A.3".into(), json!({"joe": {"keys": [a3_key]}}));
    // The examples' claims have no aud: the signature verifies and the audience check is what refuses them.
    for (name, tok, set) in [("RFC 7515 A.2 (RS256)", &a2, "rfc7515 A.2"), ("RFC 7515 A.3 (ES256)", &a3, "rfc7515 A.3")] {
        let c = f.case(&format!("{name}: signature verifies, no aud"), name, Some(tok.clone()), invalid("ERR_JWT_CLAIM_MISSING"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_300_819_000u64.into();
        let c = f.case(&format!("{name}: past exp"), name, Some(tok.clone()), invalid("ERR_JWT_EXPIRED"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_400_000_000u64.into();
        let mut s = segments(tok);
        s[1] = b64(br#"{"iss":"joe","exp":1300819380,"http://example.com/is_root":false}"#);
        let c = f.case(&format!("{name}: altered payload"), name, Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_300_819_000u64.into();
    }

    let frodo = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
    let bilbo = json!({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"});
    let ed = json!({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let sigs = [
        ("RFC 7515 A.2 RS256", "RS256", json!({"kty":"RSA","n":a2_n,"e":"AQAB"}), a2.clone()),
        ("RFC 7515 A.3 ES256", "ES256", a3_key.clone(), a3.clone()),
        ("RFC 8037 A.4 Ed25519", "EdDSA", ed, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg".to_owned()),
        ("RFC 7520 §4.1 RS256", "RS256", bilbo.clone(), format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg")),
        ("RFC 7520 §4.2 PS384", "PS384", bilbo.clone(), format!("eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}.cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw")),
    ];
    for (name, alg, jwk, tok) in sigs {
        let (input, sig) = tok.rsplit_once('.').unwrap();
        f.signatures.push(json!({"name": name, "source": name, "alg": alg, "jwk": jwk, "signingInput": input, "signature": sig, "expect": "valid"}));
        let altered = format!("{input}x");
        f.signatures.push(json!({"name": format!("{name}, signing input altered"), "source": name, "alg": alg, "jwk": jwk, "signingInput": altered, "signature": sig, "expect": "invalid"}));
    }
    f.signatures.push(json!({"name": "RFC 7520 §4.3 ES512 (P-521 is not supported)", "source": "RFC 7520 §4.3", "alg": "ES512",
        "jwk": {"kty":"EC","crv":"P-521","x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt","y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"},
        "signingInput": format!("eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}"),
        "signature": "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2", "expect": "unsupported"}));
    f.signatures.push(json!({"name": "RFC 7520 §4.4 HS256 (symmetric: never)", "source": "RFC 7520 §4.4", "alg": "HS256",
        "jwk": {"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"},
        "signingInput": format!("eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.{frodo}"),
        "signature": "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0", "expect": "unsupported"}));
    let _ = k;
    f
}

// ---------------------------------------------------------------- examples/demo

/// The demo the README's run command verifies: VetAssist's config, its
/// authorization server's key set, and two long-lived tokens (a demo key, not a secret).
fn demo(k: &Keys, out: &mut BTreeMap<String, String>) {
    const DEMO_RESOURCE: &str = "https://vetassist.example/mcp";
    const DEMO_AS: &str = "https://auth.vetassist.example";
    let config = json!({
        "resource": DEMO_RESOURCE,
        "issuers": [{"issuer": DEMO_AS, "algorithms": ["ES256", "RS256"], "typ": "at+jwt"}],
        "requiredScopes": ["mcp:access"],
        "requiredClaims": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"],
        "tools": {
            "get_pet_profile": ["pet-profile:read"],
            "get_vaccination_schedule": ["pet-profile:read"],
            "book_appointment": ["pet-profile:read"],
            "update_pet_profile": ["pet-profile:write"]
        },
        "scopesSupported": ["mcp:access", "pet-profile:read", "pet-profile:write"],
        "resourceName": "VetAssist MCP",
        "resourceDocumentation": "https://vetassist.example/docs"
    });
    let token = |sub: &str, scope: &str| {
        let c = json!({"iss": DEMO_AS, "sub": sub, "aud": DEMO_RESOURCE, "iat": NOW, "exp": 4_102_444_800u64, "jti": format!("demo-{sub}"), "client_id": "vetassist-demo-client", "scope": scope});
        jws(&k.p256, "ES256", &header("ES256", "p256"), &c.to_string()) + "\n"
    };
    let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap() + "\n";
    let demo = "../../examples/demo";
    out.insert(format!("{demo}/config.json"), pretty(config));
    out.insert(format!("{demo}/jwks.json"), pretty(json!({"keys": [k.p256.public()]})));
    out.insert(format!("{demo}/bob.token"), token("bob", "mcp:access pet-profile:read"));
    out.insert(format!("{demo}/vet-staff.token"), token("dr-alice", "mcp:access pet-profile:read pet-profile:write"));
    out.insert(format!("{demo}/update_pet_profile.json"), pretty(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "update_pet_profile", "arguments": {"petId": "rex", "weightKg": 31.5}}})));
}

// ---------------------------------------------------------------- the check

#[test]
fn committed_vectors_match_the_generator() {
    let k = keys();
    let mut files = BTreeMap::new();
    tokens(&k).write("tokens", &mut files);
    attacks(&k).write("attacks", &mut files);
    claims_file(&k).write("claims", &mut files);
    requests(&k).write("requests", &mut files);
    let idp_file = idp(&k, &mut files);
    idp_file.write("idp", &mut files);
    rfc(&k).write("rfc", &mut files);
    demo(&k, &mut files);
    let dir = root().join("vectors");
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name); // names of demo files are relative paths leaving tests/vectors
        if regenerate() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what the generator makes; run REGENERATE_VECTORS=1 cargo test --test generate_vectors and review the diff"
    );
}
