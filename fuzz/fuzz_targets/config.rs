//! Config parsing into a policy, directly and as the Worker's MCP_AUTH.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_edge_auth::{gateway, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = Policy::from_json(text) {
        let _ = policy.metadata.to_json();
        let _ = mcp_edge_auth::well_known_urls(&policy.resource);
    }
    if let Ok(value) = serde_json::from_str(text) {
        let _ = gateway::split_config(value);
    }
});
