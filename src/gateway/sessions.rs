//! MCP sessions bound to the identity that created them.
//!
//! The Streamable HTTP transport's `Mcp-Session-Id` is not authentication
//! (MCP security best practices, "Session Hijacking": servers must not use
//! sessions for authentication and should bind them to user-specific
//! information). When the origin starts a session, the gateway records it
//! as belonging to the token's issuer, subject and client; a later request on
//! that session from anyone else is answered as for an unknown session
//! (`404`, Streamable HTTP §Session Management), before it reaches the
//! origin. A session with no record is unknown too: absence never lets a
//! request through, so a store that is only eventually consistent can delay
//! a legitimate request but never admit a stranger.
//!
//! The store holds a digest of the session id, never the id itself.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AuthInfo;

/// How long a binding lives without use.
pub const TTL_SECONDS: u64 = 24 * 3600;

/// Who a session belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Owner {
    iss: String,
    sub: Option<String>,
    client: Option<String>,
    /// When the record was written (seconds), to refresh it before its TTL runs out.
    at: u64,
}

fn digest(session_id: &str) -> String {
    Sha256::digest(session_id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The store key of a session's binding.
pub fn key(session_id: &str) -> String {
    format!("mcp-edge-auth:session:{}", digest(session_id))
}

/// A short name for a session in logs: the start of its id's digest.
pub fn log_name(session_id: &str) -> String {
    digest(session_id)[..16].to_owned()
}

/// The record binding a new session to `info`'s identity, written at `now`.
pub fn record(info: &AuthInfo, now: u64) -> String {
    let owner = Owner { iss: info.issuer.clone(), sub: info.subject.clone(), client: info.client_id.clone(), at: now };
    serde_json::to_string(&owner).unwrap_or_default()
}

/// What a request on a session may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionCheck {
    /// Its owner: go on.
    Owner,
    /// Its owner, and the record is past half its life: go on and write this record again.
    Refresh(String),
    /// Someone else, or a session the gateway has no record of: `404`.
    Refused {
        /// True when the session is recorded for another identity (for the log).
        stranger: bool,
    },
}

/// Checks a request by `info` on a session whose stored record is `stored`.
pub fn check(stored: Option<&str>, info: &AuthInfo, now: u64) -> SessionCheck {
    let Some(owner) = stored.and_then(|s| serde_json::from_str::<Owner>(s).ok()) else { return SessionCheck::Refused { stranger: false } };
    if owner.iss != info.issuer || owner.sub != info.subject || owner.client != info.client_id {
        return SessionCheck::Refused { stranger: true };
    }
    if now.saturating_sub(owner.at) > TTL_SECONDS / 2 {
        SessionCheck::Refresh(record(info, now))
    } else {
        SessionCheck::Owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sub: &str, client: &str) -> AuthInfo {
        AuthInfo {
            token: String::new(),
            client_id: Some(client.into()),
            scopes: vec![],
            expires_at: 0,
            resource: "https://m.example/mcp".into(),
            subject: Some(sub.into()),
            issuer: "https://a.example".into(),
            audience: vec![],
            claims: Default::default(),
        }
    }

    #[test]
    fn a_session_belongs_to_its_creator() {
        let bob = info("bob", "app");
        let stored = record(&bob, 1000);
        assert_eq!(check(Some(&stored), &bob, 1000 + 60), SessionCheck::Owner);
        assert_eq!(check(Some(&stored), &info("mallory", "app"), 1060), SessionCheck::Refused { stranger: true });
        assert_eq!(check(Some(&stored), &info("bob", "other-app"), 1060), SessionCheck::Refused { stranger: true });
        assert_eq!(check(None, &bob, 1060), SessionCheck::Refused { stranger: false });
        assert_eq!(check(Some("garbage"), &bob, 1060), SessionCheck::Refused { stranger: false });
        assert!(matches!(check(Some(&stored), &bob, 1000 + TTL_SECONDS / 2 + 1), SessionCheck::Refresh(_)));
    }

    #[test]
    fn the_store_never_holds_the_session_id() {
        let k = key("0b3e-secret-session");
        assert!(!k.contains("secret"));
        assert_eq!(k.len(), "mcp-edge-auth:session:".len() + 64);
        assert_eq!(log_name("0b3e-secret-session").len(), 16);
    }
}
