//! Signature backends of the JS hosts (features `wasm` and `worker`): the
//! host's native crypto answers the final question of a signature check,
//! after every strictness check ran in Rust. The only part of the crypto
//! that names wasm-bindgen.

pub(crate) mod imported;
#[cfg(feature = "wasm")]
pub(crate) mod node;
pub(crate) mod webcrypto;
