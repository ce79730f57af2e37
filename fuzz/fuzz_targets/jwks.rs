//! Key-set parsing and key checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_edge_auth::jwks::KeySet;

fuzz_target!(|data: &[u8]| {
    if let Ok((set, skipped)) = KeySet::parse(data) {
        assert!(set.keys().len() + skipped.len() <= 1 + data.len());
        for alg in mcp_edge_auth::Algorithm::ALL {
            let _ = set.candidates(None, alg).count();
        }
    }
});
