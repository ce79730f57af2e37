//! Key-set parsing and key checks.
#![no_main]

// The checks live in ../invariants/jwks.rs, which tests/fuzz_corpora.rs also
// includes to replay the committed corpus natively on every test run.
include!("../invariants/jwks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
