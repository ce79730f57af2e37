//! Reuse of verified tokens.
//!
//! A token that passed every check is remembered, keyed by the whole token,
//! so the same token on later requests skips parsing and the signature check.
//! Every reuse re-runs the time checks against the current `now`; an entry
//! belongs to its issuer's key set and is dropped when that set is replaced;
//! refusals are never stored, so nothing refused can come back as accepted.
//! Bounded in entries and in bytes; the oldest entries go first.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::AuthInfo;

/// An accepted token, as the validator remembers it.
#[derive(Clone, Debug)]
pub(crate) struct Accepted {
    /// What the caller gets.
    pub info: AuthInfo,
    /// The configured issuer entry that verified it (`info.issuer` is the
    /// token's own `iss`, which differs for a `{claim}` placeholder).
    pub issuer: String,
    /// The scopes it holds for deciding: granted, prefixed, implied (scope::held).
    pub held: Vec<String>,
}

/// Most tokens remembered.
pub const MAX_ENTRIES: usize = 4096;
/// Most bytes (token and claims, estimated) remembered.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

struct Entry {
    accepted: Arc<Accepted>,
    size: usize,
}

/// A multiply-rotate hash over eight bytes at a time. The map's keys are
/// tokens whose signatures verified, which nobody can choose freely, so a
/// hash that resists chosen collisions (SipHash, the default) buys nothing
/// here, and hashing a whole token twice per new token with it was a
/// measurable share of a verification.
#[derive(Default, Clone, Copy)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl TokenHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Verified tokens, oldest first. An entry is shared with the decisions
/// that use it, never copied.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: HashMap<Arc<str>, Entry, BuildHasherDefault<TokenHasher>>,
    order: VecDeque<Arc<str>>,
    bytes: usize,
}

impl TokenCache {
    /// The remembered verification for `token`, if any.
    pub(crate) fn get(&self, token: &str) -> Option<&Arc<Accepted>> {
        self.entries.get(token).map(|e| &e.accepted)
    }

    /// Remembers an accepted token.
    pub(crate) fn insert(&mut self, accepted: Arc<Accepted>) {
        // Token twice (key and AuthInfo), claims (no longer than the token's
        // base64url payload, so one token length bounds them, and the held
        // scopes, which come from them), plus bookkeeping.
        let info = &accepted.info;
        let size = 4 * info.token.len() + 256;
        if size > MAX_BYTES || self.entries.contains_key(info.token.as_str()) {
            return;
        }
        while self.entries.len() >= MAX_ENTRIES || self.bytes + size > MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(e) = self.entries.remove(&oldest) {
                self.bytes -= e.size;
            }
        }
        self.bytes += size;
        let token: Arc<str> = Arc::from(info.token.as_str());
        self.order.push_back(token.clone());
        self.entries.insert(token, Entry { accepted, size });
    }

    /// Forgets one token (rare: it expired, or its issuer's keys changed).
    pub(crate) fn remove(&mut self, token: &str) {
        if let Some(e) = self.entries.remove(token) {
            self.bytes -= e.size;
            self.order.retain(|t| &**t != token);
        }
    }

    /// Forgets every token of the configured issuer `issuer` (its key set changed).
    pub(crate) fn forget_issuer(&mut self, issuer: &str) {
        let gone: Vec<Arc<str>> = self.entries.iter().filter(|(_, e)| e.accepted.issuer == issuer).map(|(t, _)| t.clone()).collect();
        for t in gone {
            self.remove(&t);
        }
    }

    /// How many tokens and bytes are remembered.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        (self.entries.len(), self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(token: &str, issuer: &str) -> Arc<Accepted> {
        let info = AuthInfo {
            token: token.to_owned(),
            client_id: None,
            scopes: vec![],
            expires_at: 0,
            resource: String::new(),
            subject: None,
            issuer: issuer.to_owned(),
            audience: vec![],
            claims: serde_json::Map::new(),
        };
        Arc::new(Accepted { info, issuer: issuer.to_owned(), held: vec![] })
    }

    #[test]
    fn bounded_in_entries_oldest_first() {
        let mut c = TokenCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            c.insert(info(&format!("t{i}"), "a"));
        }
        assert_eq!(c.usage().0, MAX_ENTRIES);
        assert!(c.get("t0").is_none() && c.get("t9").is_none());
        assert!(c.get(&format!("t{}", MAX_ENTRIES + 9)).is_some());
    }

    #[test]
    fn bounded_in_bytes() {
        let mut c = TokenCache::default();
        let big = "x".repeat(1024 * 1024);
        for i in 0..20 {
            c.insert(info(&format!("{big}{i}"), "a"));
        }
        assert!(c.usage().1 <= MAX_BYTES);
        assert!(c.usage().0 < 20);
        c.insert(info(&"y".repeat(MAX_BYTES), "a"));
        assert!(c.usage().1 <= MAX_BYTES, "an entry larger than the bound is not stored");
    }

    #[test]
    fn forgets_an_issuer_and_single_tokens() {
        let mut c = TokenCache::default();
        c.insert(info("a1", "a"));
        c.insert(info("a2", "a"));
        c.insert(info("b1", "b"));
        c.forget_issuer("a");
        assert!(c.get("a1").is_none() && c.get("a2").is_none() && c.get("b1").is_some());
        c.remove("b1");
        assert_eq!(c.usage(), (0, 0));
    }
}
