//! Bearer extraction + JWS parsing + verification against a fixed key set
//! (RSA 2048, P-256, Ed25519 from tests/keys), with and without a body.
#![no_main]

// The checks live in ../invariants/verify.rs, which tests/fuzz_corpora.rs also
// includes to replay the committed corpus natively on every test run.
include!("../invariants/verify.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
