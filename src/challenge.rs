//! The `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1).

use crate::error::AuthError;
use crate::Policy;

/// Appends `name="value"` as an RFC 9110 §5.6.4 quoted-string. Values come
/// from checked config or fixed strings and never hold `"` or `\`; escaping
/// them anyway keeps the header well-formed whatever happens upstream.
fn param(out: &mut String, name: &str, value: &str) {
    out.push_str(if out.len() > "Bearer".len() { ", " } else { " " });
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out.push('"');
}

/// Builds the challenge for a refusal. `scopes` lists every scope the request
/// needs; it is sent with `insufficient_scope` (RFC 6750 §3.1) and, as the MCP
/// authorization spec recommends, as a hint on 401s when known.
pub fn challenge(policy: &Policy, error: &AuthError, scopes: &[String]) -> String {
    let mut out = String::from("Bearer");
    if let Some(realm) = &policy.realm {
        param(&mut out, "realm", realm);
    }
    if let Some(code) = error.rfc6750() {
        param(&mut out, "error", code.as_str());
        param(&mut out, "error_description", error.description());
    }
    if !scopes.is_empty() && matches!(error.status(), 401 | 403) {
        param(&mut out, "scope", &scopes.join(" "));
    }
    param(&mut out, "resource_metadata", &policy.resource_metadata_url);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(r#"{"resource":"https://mcp.example.com/mcp","issuers":[{"issuer":"https://a.example"}],"realm":"mcp"}"#).unwrap()
    }

    #[test]
    fn no_credentials_has_no_error() {
        assert_eq!(
            challenge(&policy(), &AuthError::NoCredentials, &[]),
            r#"Bearer realm="mcp", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#
        );
    }

    #[test]
    fn insufficient_scope_lists_needed_scopes() {
        let c = challenge(&policy(), &AuthError::InsufficientScope, &["mcp:access".into(), "pet-profile:write".into()]);
        assert_eq!(
            c,
            r#"Bearer realm="mcp", error="insufficient_scope", error_description="Token lacks a scope this request needs", scope="mcp:access pet-profile:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#
        );
    }

    #[test]
    fn quoting_cannot_be_broken() {
        let mut s = String::from("Bearer");
        param(&mut s, "x", "a\"b\\c\r\n");
        assert_eq!(s, r#"Bearer x="a\"b\\c""#);
    }
}
