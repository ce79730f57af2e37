//! JSON-RPC inspection and the scopes it implies; the media-type rule and
//! resource URI keys on the same bytes read as text; the token reader's
//! JSON objects against the strict tree parser on the same bytes.
#![no_main]

// The checks live in ../invariants/mcp_body.rs, which tests/fuzz_corpora.rs also
// includes to replay the committed corpus natively on every test run.
include!("../invariants/mcp_body.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
