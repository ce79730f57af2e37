// What the `config` fuzz target checks of one input (fuzz_targets/config.rs says
// what it covers). Included there and by tests/fuzz_corpora.rs, which replays
// every committed input natively on each test run: one definition, so the
// fuzzer and the replay cannot check different things.

use mcp_edge_auth::{gateway, Policy};

/// Panics if `data` breaks an invariant.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = Policy::from_json(text) {
        let _ = policy.metadata.to_json();
        let _ = mcp_edge_auth::well_known_urls(&policy.resource);
    }
    if let Ok(value) = serde_json::from_str(text) {
        let _ = gateway::split_config(value);
    }
}
