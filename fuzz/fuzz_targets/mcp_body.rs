//! JSON-RPC inspection and the scopes it implies.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mcp_edge_auth::{mcp, Policy};

fuzz_target!(|data: &[u8]| {
    static P: OnceLock<Policy> = OnceLock::new();
    let policy = P.get_or_init(|| Policy::from_json(include_str!("../seeds/config.json")).expect("seed config"));
    if let Ok(ops) = mcp::inspect(data, 1 << 20) {
        let _ = mcp::needed_scopes(policy, &ops);
    }
});
