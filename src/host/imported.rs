//! Keys as a JS host's native crypto holds them (a WebCrypto `CryptoKey`, a
//! Node `KeyObject`), imported once per key-set load and algorithm and kept,
//! with a count of which backend answered each signature check.
//!
//! Shared by the two host backends ([`super::webcrypto`], and `node` in the
//! npm package); the Rust core's key set stays the source of truth, so a
//! host key is only ever used for the load of the key set it came from.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use wasm_bindgen::JsValue;

use crate::jwa::Algorithm;

/// A key as a host backend holds it.
#[derive(Clone)]
pub(crate) enum Slot {
    /// Imported once; every later check reuses it.
    Key(JsValue),
    /// The host refused it: the Rust backend checks this key.
    Rust,
}

/// One issuer's imported keys, for one load of its key set.
struct IssuerKeys {
    load: u64,
    slots: HashMap<(usize, Algorithm), Slot>,
}

/// Imported keys by issuer, and how many checks each backend answered.
#[derive(Default)]
pub(crate) struct ImportedKeys {
    issuers: RefCell<HashMap<String, IssuerKeys>>,
    /// Checks answered by the host and by the Rust backend, for tests and benchmarks.
    counts: Cell<(u64, u64)>,
}

impl ImportedKeys {
    /// The slot kept for key `index` of `issuer`'s set `load` under
    /// `alg`, if any. Seeing a newer load drops every slot of older ones.
    pub(crate) fn get(&self, issuer: &str, load: u64, index: usize, alg: Algorithm) -> Option<Slot> {
        let mut issuers = self.issuers.borrow_mut();
        if !issuers.contains_key(issuer) {
            issuers.insert(issuer.to_owned(), IssuerKeys { load, slots: HashMap::new() });
        }
        let entry = issuers.get_mut(issuer)?;
        if entry.load < load {
            *entry = IssuerKeys { load, slots: HashMap::new() };
        }
        if entry.load == load {
            entry.slots.get(&(index, alg)).cloned()
        } else {
            None
        }
    }

    /// Keeps `slot` unless `issuer`'s set has moved past `load` meanwhile.
    pub(crate) fn put(&self, issuer: &str, load: u64, index: usize, alg: Algorithm, slot: Slot) {
        if let Some(entry) = self.issuers.borrow_mut().get_mut(issuer).filter(|e| e.load == load) {
            entry.slots.insert((index, alg), slot);
        }
    }

    /// Counts one check, answered by the host or by the Rust backend.
    pub(crate) fn count(&self, by_host: bool) {
        let (host, rust) = self.counts.get();
        self.counts.set(if by_host { (host + 1, rust) } else { (host, rust + 1) });
    }

    /// How many checks the host and the Rust backend answered.
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) fn counts(&self) -> (u64, u64) {
        self.counts.get()
    }
}
