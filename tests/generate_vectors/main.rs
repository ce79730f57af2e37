//! The vector generator, run as a check.
//!
//! `cargo test --test generate_vectors` rebuilds every file under
//! `tests/vectors/` in memory from the committed test keys (`tests/keys/`)
//! and fails if any committed file differs. To regenerate after changing a
//! case: `REGENERATE_VECTORS=1 cargo test --test generate_vectors`.
//! Keys are made from a fixed seed the first time (when missing); every
//! signature is deterministic (PKCS#1 v1.5, RFC 6979 ECDSA, Ed25519, and
//! RSA-PSS with a seeded salt), so regenerating changes nothing.
//!
//! One module per file it writes (`tokens.rs` writes `tokens.json`, and so on),
//! one test per module, so a failure names the file; `keys.rs` holds the keys
//! and the signing, `file.rs` the shape of a vector file.

mod attacks;
mod claims;
mod demo;
mod file;
mod gateway;
mod idp;
mod keys;
mod requests;
mod rfc;
mod tokens;

use std::path::{Path, PathBuf};

use file::Files;
use keys::{keys, Keys};

const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const RESOURCE: &str = "https://mcp.example.com/mcp";
const AUTH: &str = "https://auth.example.com";
const OTHER: &str = "https://other.example.com";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn regenerate() -> bool {
    std::env::var_os("REGENERATE_VECTORS").is_some()
}

// ---------------------------------------------------------------- the check

/// Runs one generator and compares what it makes with the committed files
/// (or, with `REGENERATE_VECTORS` set, writes them).
fn check(generate: fn(&Keys, &mut Files)) {
    let mut files = Files::new();
    generate(keys(), &mut files);
    let dir = root().join("vectors");
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name); // names of example files are relative paths leaving tests/vectors
        if regenerate() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what the generator makes; run REGENERATE_VECTORS=1 cargo test --test generate_vectors and review the diff"
    );
}

#[test]
fn committed_tokens_json_matches_the_generator() {
    check(tokens::generate);
}

#[test]
fn committed_attacks_json_matches_the_generator() {
    check(attacks::generate);
}

#[test]
fn committed_gateway_refusals_json_matches_the_generator() {
    check(gateway::generate);
}

#[test]
fn committed_claims_json_matches_the_generator() {
    check(claims::generate);
}

#[test]
fn committed_requests_json_matches_the_generator() {
    check(requests::generate);
}

#[test]
fn committed_idp_json_and_examples_idp_match_the_generator() {
    check(idp::generate);
}

#[test]
fn committed_rfc_json_matches_the_generator() {
    check(rfc::generate);
}

#[test]
fn committed_examples_demo_match_the_generator() {
    check(demo::generate);
}
