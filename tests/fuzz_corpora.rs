//! The fuzz corpora, replayed natively: every committed input in
//! `fuzz/corpus/<target>/`, and the fixtures in `fuzz/seeds/`, goes through
//! exactly what that fuzz target checks (`fuzz/invariants/<target>.rs`, which
//! `fuzz/fuzz_targets/<target>.rs` includes too), in the ordinary test build:
//! no sanitizer build, no fuzzing. Finding new inputs is `scripts/fuzz.sh`'s job;
//! this keeps every input found so far passing.

use std::path::{Path, PathBuf};

mod verify {
    include!("../fuzz/invariants/verify.rs");
}
mod jwks {
    include!("../fuzz/invariants/jwks.rs");
}
mod mcp_body {
    include!("../fuzz/invariants/mcp_body.rs");
}
mod config {
    include!("../fuzz/invariants/config.rs");
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|entry| entry.unwrap().path()).filter(|path| path.is_file()).collect();
    files.sort();
    files
}

/// Runs every input of `target`'s corpus and every seed file through `check`;
/// fails naming each input that panicked.
fn replay(target: &str, check: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus = files(&fuzz.join("corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ holds no input");
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&files(&fuzz.join("seeds"))) {
        let data = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            failed.push(path.strip_prefix(&fuzz).unwrap().display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: these inputs break the target's invariants (the panics above say how): {failed:?}");
}

#[test]
fn every_verify_input_keeps_its_invariants() {
    replay("verify", verify::check);
}

#[test]
fn every_jwks_input_keeps_its_invariants() {
    replay("jwks", jwks::check);
}

#[test]
fn every_mcp_body_input_keeps_its_invariants() {
    replay("mcp_body", mcp_body::check);
}

#[test]
fn every_config_input_keeps_its_invariants() {
    replay("config", config::check);
}
