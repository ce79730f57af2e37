// What the `jwks` fuzz target checks of one input (fuzz_targets/jwks.rs says
// what it covers). Included there and by tests/fuzz_corpora.rs, which replays
// every committed input natively on each test run: one definition, so the
// fuzzer and the replay cannot check different things.

use mcp_edge_auth::jwks::KeySet;

/// Panics if `data` breaks an invariant.
pub fn check(data: &[u8]) {
    if let Ok((set, skipped)) = KeySet::parse(data) {
        assert!(set.keys().len() + skipped.len() <= 1 + data.len());
        for &alg in mcp_edge_auth::Algorithm::ALL {
            let _ = set.candidates(None, alg).count();
        }
    }
}
