//! Bearer extraction + JWS parsing + verification against a fixed key set
//! (RSA 2048, P-256, Ed25519 from tests/keys), with and without a body.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mcp_edge_auth::{Policy, Validator};

fn validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let policy = Policy::from_json(include_str!("../seeds/config.json")).expect("seed config");
        let mut v = Validator::new(policy);
        v.set_jwks("https://auth.example.com", include_bytes!("../seeds/jwks.json")).expect("seed key set");
        v
    })
}

fuzz_target!(|data: &[u8]| {
    // First byte chooses the shape; a NUL splits header value from body.
    let Some((&mode, rest)) = data.split_first() else { return };
    let (auth, body) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let auth = String::from_utf8_lossy(auth);
    let v = validator();
    let header = if mode & 1 == 0 { auth.to_string() } else { format!("Bearer {auth}") };
    let result = v.verify(Some(&header), body, 1_767_225_600);
    if let Err(refusal) = &result {
        // The challenge never carries request bytes.
        assert!(!refusal.www_authenticate.contains('\n'));
        let _ = refusal.to_json();
    }
    let _ = v.issuer_for(Some(&header));
});
