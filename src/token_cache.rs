//! Reuse of verified tokens.
//!
//! A token that passed every check is remembered, keyed by the whole token,
//! so the same token on later requests skips parsing and the signature check.
//! Every reuse re-runs the time checks against the current `now`; an entry
//! belongs to its issuer's key set and is dropped when that set is replaced;
//! refusals are never stored, so nothing refused can come back as accepted.
//! Bounded in entries and in bytes; the oldest entries go first.

use std::borrow::Borrow;
use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use crate::AuthInfo;

/// An accepted token, as the validator remembers it (and a decision ends with it).
#[derive(Clone, Debug)]
pub struct Accepted {
    /// What the caller gets.
    pub(crate) info: AuthInfo,
    /// The configured issuer entry that verified it (`info.issuer` is the
    /// token's own `iss`, which differs for a `{claim}` placeholder).
    pub(crate) issuer: String,
    /// The scopes it holds for deciding: granted, prefixed, implied (scope::held).
    pub(crate) held: Vec<String>,
}

impl Accepted {
    /// What the caller is allowed to know about itself.
    pub fn info(&self) -> &AuthInfo {
        &self.info
    }

    /// The configured issuer entry that verified it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The scopes it holds for deciding: granted, under the issuer's
    /// `scopePrefix` too, and every scope `scopeImplies` gives them.
    pub fn held(&self) -> &[String] {
        &self.held
    }
}

/// Most tokens remembered.
pub const MAX_ENTRIES: usize = 4096;
/// Most bytes (token and claims, estimated) remembered.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// A remembered entry, keyed by its own token: the token is stored once.
struct Key(Arc<Accepted>);

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.0.info.token
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.info.token.as_str().hash(state);
    }
}

impl PartialEq for Key {
    /// The same entry first: evicting the oldest then costs no comparison of
    /// two copies of a token, which in wasm is a loop over each byte.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.info.token == other.0.info.token
    }
}

impl Eq for Key {}

/// The bytes of a key that are hashed: its last ones.
const TAIL: usize = 32;

/// A multiply-rotate hash over the last [`TAIL`] bytes and the length. The
/// map's keys are tokens whose signatures verified, and a compact JWS ends
/// with its signature (RFC 7515 §7.1): bytes only the issuer can produce,
/// different for every token it signs. So the tail spreads the entries as
/// well as the whole token would, and nobody can choose keys that collide
/// (SipHash's resistance buys nothing here), while hashing the whole token
/// on every lookup, insertion and eviction was a measurable share of a
/// verification.
#[derive(Default, Clone, Copy)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.mix(bytes.len() as u64);
        let tail = &bytes[bytes.len().saturating_sub(TAIL)..];
        let mut chunks = tail.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(last));
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
    entries: HashSet<Key, BuildHasherDefault<TokenHasher>>,
    order: VecDeque<Arc<Accepted>>,
    bytes: usize,
}

/// What an entry counts against [`MAX_BYTES`], estimated from the token's
/// length, which bounds everything else: the token, its claims as parsed
/// (from no more than the token's base64url payload, with the overhead of
/// their in-memory form) and the scopes granted and held (which come from
/// the claims), plus bookkeeping.
fn weight(accepted: &Accepted) -> usize {
    4 * accepted.info.token.len() + 256
}

impl TokenCache {
    /// The remembered verification for `token`, if any.
    pub(crate) fn get(&self, token: &str) -> Option<&Arc<Accepted>> {
        self.entries.get(token).map(|k| &k.0)
    }

    /// Remembers an accepted token.
    pub(crate) fn insert(&mut self, accepted: Arc<Accepted>) {
        let size = weight(&accepted);
        if size > MAX_BYTES || self.entries.contains(accepted.info.token.as_str()) {
            return;
        }
        while self.entries.len() >= MAX_ENTRIES || self.bytes + size > MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else { break };
            let freed = weight(&oldest);
            if self.entries.remove(&Key(oldest)) {
                self.bytes -= freed;
            }
        }
        self.bytes += size;
        self.order.push_back(accepted.clone());
        self.entries.insert(Key(accepted));
    }

    /// Forgets one token (rare: it expired, or its issuer's keys changed).
    pub(crate) fn remove(&mut self, token: &str) {
        if let Some(Key(gone)) = self.entries.take(token) {
            self.bytes -= weight(&gone);
            self.order.retain(|a| !Arc::ptr_eq(a, &gone));
        }
    }

    /// Forgets every token of the configured issuer `issuer` (its key set changed).
    /// One pass over each collection, however many tokens go (a key rotation
    /// may drop them all, in the request that loads the new keys).
    pub(crate) fn forget_issuer(&mut self, issuer: &str) {
        self.entries.retain(|k| k.0.issuer != issuer);
        self.order.retain(|a| a.issuer != issuer);
        self.bytes = self.order.iter().map(|a| weight(a)).sum();
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
            claims: Default::default(),
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
        assert_eq!(c.usage(), (1, weight(&info("b1", "b"))));
        c.remove("b1");
        assert_eq!(c.usage(), (0, 0));
    }
}
