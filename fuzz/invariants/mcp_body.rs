// What the `mcp_body` fuzz target checks of one input (fuzz_targets/mcp_body.rs says
// what it covers). Included there and by tests/fuzz_corpora.rs, which replays
// every committed input natively on each test run: one definition, so the
// fuzzer and the replay cannot check different things.

use std::sync::OnceLock;

use mcp_edge_auth::json::{self, Object};
use mcp_edge_auth::{content, mcp, resource_uri, Policy};

/// Panics if `data` breaks an invariant.
pub fn check(data: &[u8]) {
    static P: OnceLock<Policy> = OnceLock::new();
    let policy = P.get_or_init(|| Policy::from_json(include_str!("../seeds/config.json")).expect("seed config"));
    // A header or claims set is accepted, and reads, exactly as the tree parser reads it.
    let object = Object::parse(data.to_vec());
    assert_eq!(object.as_ref().map(Object::to_map).ok(), json::parse_object(data).ok());
    if let Ok(ops) = mcp::inspect(data, 1 << 20) {
        let _ = mcp::needed_scopes(policy, &ops);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(key) = resource_uri::key(text) {
            // A key is its own key: comparing in this form is stable.
            assert_eq!(resource_uri::key(&key).as_deref(), Some(key.as_str()), "{text:?}");
        }
        let (content_type, content_encoding) = text.split_once('\n').unwrap_or((text, ""));
        let _ = content::check_json_body(Some(content_type), Some(content_encoding));
    }
}
