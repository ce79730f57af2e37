//! The I/O of session binding in the Worker: where a session's owner is
//! recorded. Workers KV when the namespace is bound (every isolate and
//! location reads it; SECURITY.md has the window its eventual consistency
//! leaves), the isolate's memory otherwise. What a record says and whether a
//! request may use the session is the core's ([`crate::gateway::sessions`]).

use std::cell::RefCell;
use std::collections::HashMap;

use worker::Env;

use crate::gateway::sessions::{self, SessionCheck};
use crate::gateway::RequestRefusal;
use crate::AuthInfo;

use super::http;
use super::key_store::KV_BINDING;

/// Bindings held in memory when no KV namespace is bound (bounded: the oldest go first).
const MEMORY_LIMIT: usize = 10_000;

#[derive(Default)]
pub(crate) struct SessionStore {
    memory: RefCell<HashMap<String, String>>,
}

impl SessionStore {
    async fn get(&self, env: &Env, key: &str) -> Option<String> {
        match env.kv(KV_BINDING) {
            Ok(kv) => kv.get(key).text().await.ok().flatten(),
            Err(_) => self.memory.borrow().get(key).cloned(),
        }
    }

    async fn put(&self, env: &Env, key: &str, value: String) {
        match env.kv(KV_BINDING) {
            Ok(_) => {
                if let Err(reason) = http::kv_put(env, KV_BINDING, key, &value, sessions::TTL_SECONDS).await {
                    worker::console_warn!("{}", serde_json::json!({ "event": "session_store_error", "reason": reason }));
                }
            }
            Err(_) => {
                let mut memory = self.memory.borrow_mut();
                if memory.len() >= MEMORY_LIMIT {
                    memory.clear();
                }
                memory.insert(key.to_owned(), value);
            }
        }
    }

    /// May `info` use session `id`? Refreshes the record of an owner past half its life.
    pub(crate) async fn check(&self, env: &Env, id: &str, info: &AuthInfo, now: u64) -> Result<(), (RequestRefusal, bool)> {
        let key = sessions::key(id);
        match sessions::check(self.get(env, &key).await.as_deref(), info, now) {
            SessionCheck::Owner => Ok(()),
            SessionCheck::Refresh(record) => {
                self.put(env, &key, record).await;
                Ok(())
            }
            SessionCheck::Refused { stranger } => Err((RequestRefusal::SessionNotFound, stranger)),
        }
    }

    /// Records a session the origin just started as `info`'s.
    pub(crate) async fn bind(&self, env: &Env, id: &str, info: &AuthInfo, now: u64) {
        self.put(env, &sessions::key(id), sessions::record(info, now)).await;
    }

    /// Forgets a session its owner ended (`DELETE`).
    pub(crate) async fn forget(&self, env: &Env, id: &str) {
        let key = sessions::key(id);
        match env.kv(KV_BINDING) {
            Ok(kv) => {
                let _ = kv.delete(&key).await;
            }
            Err(_) => {
                self.memory.borrow_mut().remove(&key);
            }
        }
    }
}
