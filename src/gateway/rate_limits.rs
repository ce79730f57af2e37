//! Limits per user, enforced where the verified identity is known.
//!
//! Each rule names a Workers Rate Limiting binding (`[[ratelimits]]` in
//! wrangler.toml, which holds the limit and its period) and what a request
//! is counted by: its token's subject, its client, or both; optionally only
//! requests calling some tools. The gateway asks the binding with the key
//! [`key`] builds and answers `429` with `Retry-After` when it says no.

use serde::Deserialize;

use crate::error::ConfigError;
use crate::mcp::{self, Operation};
use crate::AuthInfo;

/// What a request is counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CountBy {
    /// The token's issuer and subject: one user, whatever the client.
    Subject,
    /// The token's issuer and client id: one application, whoever uses it.
    Client,
    /// Both: one user in one application.
    SubjectAndClient,
}

/// One rule of `rateLimits`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    /// The name of the Rate Limiting binding in wrangler.toml.
    pub binding: String,
    /// What a request is counted by.
    pub by: CountBy,
    /// Only requests calling one of these tools count (absent: every request).
    #[serde(default)]
    pub tools: Option<Vec<String>>,
    /// The binding's period (10 or 60 s, as the binding allows): the `Retry-After` of a 429.
    pub period_seconds: u64,
}

impl RateLimit {
    /// True if a request with `operations` counts against this rule.
    pub fn applies(&self, operations: &[Operation]) -> bool {
        match &self.tools {
            None => true,
            Some(tools) => operations.iter().any(|op| matches!(op, Operation::Tool(name) if tools.contains(name))),
        }
    }

    /// The key a request by `info` is counted under, for rule number `index`.
    pub fn key(&self, index: usize, info: &AuthInfo) -> String {
        let sub = info.subject.as_deref().unwrap_or("");
        let client = info.client_id.as_deref().unwrap_or("");
        // The issuer scopes both names: `sub` is unique per issuer only (RFC 7519 §4.1.2).
        match self.by {
            CountBy::Subject => format!("{index} sub {} {sub}", info.issuer),
            CountBy::Client => format!("{index} client {} {client}", info.issuer),
            CountBy::SubjectAndClient => format!("{index} both {} {sub} {client}", info.issuer),
        }
    }
}

/// Checks the rules: field names in errors are `rateLimits[i].…`.
pub(crate) fn check(rules: &[RateLimit]) -> Result<(), ConfigError> {
    for (i, rule) in rules.iter().enumerate() {
        let is_binding_name =
            !rule.binding.is_empty() && rule.binding.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && !rule.binding.as_bytes()[0].is_ascii_digit();
        if !is_binding_name {
            return Err(ConfigError::new(format!("rateLimits[{i}].binding"), "must name a Rate Limiting binding, e.g. TOOL_LIMIT (letters, digits and _)"));
        }
        if !matches!(rule.period_seconds, 10 | 60) {
            return Err(ConfigError::new(format!("rateLimits[{i}].periodSeconds"), "must be 10 or 60, the binding's period"));
        }
        if let Some(tools) = &rule.tools {
            if tools.is_empty() {
                return Err(ConfigError::new(format!("rateLimits[{i}].tools"), "must name at least one tool, or be left out to count every request"));
            }
            if let Some(j) = tools.iter().position(|t| !mcp::is_exact_name(t)) {
                return Err(ConfigError::new(
                    format!("rateLimits[{i}].tools[{j}]"),
                    "must be a tool name: not empty, no surrounding whitespace or control characters",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: serde_json::Value) -> RateLimit {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn keys_and_tools() {
        let info = AuthInfo {
            token: String::new(),
            client_id: Some("app".into()),
            scopes: vec![],
            expires_at: 0,
            resource: String::new(),
            subject: Some("bob".into()),
            issuer: "https://a.example".into(),
            audience: vec![],
            claims: Default::default(),
        };
        let writes = rule(json!({ "binding": "WRITES", "by": "subject", "tools": ["update_pet_profile"], "periodSeconds": 60 }));
        assert!(writes.applies(&[Operation::Tool("update_pet_profile".into())]));
        assert!(!writes.applies(&[Operation::Tool("get_pet_profile".into()), Operation::Method("ping".into())]));
        assert_eq!(writes.key(0, &info), "0 sub https://a.example bob");
        let all = rule(json!({ "binding": "ALL", "by": "subjectAndClient", "periodSeconds": 10 }));
        assert!(all.applies(&[]));
        assert_eq!(all.key(1, &info), "1 both https://a.example bob app");
    }

    #[test]
    fn mistakes_name_their_field() {
        let bad = [
            (json!({ "binding": "", "by": "subject", "periodSeconds": 60 }), "rateLimits[0].binding"),
            (json!({ "binding": "L", "by": "subject", "periodSeconds": 30 }), "rateLimits[0].periodSeconds"),
            (json!({ "binding": "L", "by": "subject", "periodSeconds": 60, "tools": [] }), "rateLimits[0].tools"),
            (json!({ "binding": "L", "by": "subject", "periodSeconds": 60, "tools": [" x"] }), "rateLimits[0].tools[0]"),
        ];
        for (v, field) in bad {
            assert_eq!(check(&[rule(v)]).unwrap_err().field, field);
        }
    }
}
