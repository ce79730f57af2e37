//! Config parsing into a policy, directly and as the Worker's MCP_AUTH.
#![no_main]

// The checks live in ../invariants/config.rs, which tests/fuzz_corpora.rs also
// includes to replay the committed corpus natively on every test run.
include!("../invariants/config.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
