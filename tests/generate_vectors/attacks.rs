//! attacks.json: RFC 8725 attacks and known JWT CVEs, one case each.

use mcp_edge_auth::base64url::{decode as b64d, encode as b64};
use rsa::signature::Signer;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

use crate::file::{default_config, invalid, ok, refused, with, File, Files, READ};
use crate::keys::{claims, header, jws, segments, token, Keys, Private};
use crate::{AUTH, NOW, OTHER, RESOURCE};

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

pub fn generate(k: &Keys, out: &mut Files) {
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
    f.write("attacks", out);
}
