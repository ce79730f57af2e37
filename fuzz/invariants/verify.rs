// What the `verify` fuzz target checks of one input (fuzz_targets/verify.rs says
// what it covers). Included there and by tests/fuzz_corpora.rs, which replays
// every committed input natively on each test run: one definition, so the
// fuzzer and the replay cannot check different things.

use std::sync::OnceLock;

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

/// Panics if `data` breaks an invariant.
pub fn check(data: &[u8]) {
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
}
