//! Authorization server metadata discovery: where a client looks for an
//! issuer's metadata, and whether a document it finds may be used.
//!
//! MCP clients try RFC 8414 §3.1 first and fall back to OpenID Connect
//! Discovery 1.0 §4 (RFC 8414 §5), in one fixed order (MCP authorization
//! 2025-11-25, "Authorization Server Metadata Discovery"). The gateway's key
//! refresh and `doctor` use this order too, so they find what clients find.

use serde_json::Value;

/// The metadata URLs of `issuer`, in the order MCP clients try them. For an
/// issuer with a path (`https://as.example/tenant1`): RFC 8414 with the
/// well-known segment inserted before the path, OpenID Connect with path
/// insertion, then OpenID Connect with the segment appended. Without a path:
/// RFC 8414, then OpenID Connect.
pub fn metadata_urls(issuer: &str) -> Vec<String> {
    match url::Url::parse(issuer) {
        Ok(u) if u.has_host() => {
            let origin = u.origin().ascii_serialization();
            let path = u.path().trim_end_matches('/');
            if path.is_empty() {
                vec![format!("{origin}/.well-known/oauth-authorization-server"), format!("{origin}/.well-known/openid-configuration")]
            } else {
                vec![
                    format!("{origin}/.well-known/oauth-authorization-server{path}"),
                    format!("{origin}/.well-known/openid-configuration{path}"),
                    format!("{origin}{path}/.well-known/openid-configuration"),
                ]
            }
        }
        // Not a URL: nothing to discover; fetches of these names fail.
        _ => vec![format!("{issuer}/.well-known/oauth-authorization-server"), format!("{issuer}/.well-known/openid-configuration")],
    }
}

/// The metadata document's `issuer`, when it is not exactly `issuer`: such a
/// document must not be used (RFC 8414 §3.3, OpenID Connect Discovery §4.3;
/// no case folding, no trailing-slash or default-port normalization).
pub fn issuer_mismatch<'a>(issuer: &str, document: &'a Value) -> Option<Option<&'a str>> {
    let named = document.get("issuer").and_then(Value::as_str);
    (named != Some(issuer)).then_some(named)
}

/// True if `uri` may be fetched for keys or metadata: https, or http on a
/// loopback host (local development).
pub fn is_fetchable(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| u.scheme() == "https" || (u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_mcp_order_with_and_without_a_path() {
        assert_eq!(
            metadata_urls("https://auth.example.com"),
            ["https://auth.example.com/.well-known/oauth-authorization-server", "https://auth.example.com/.well-known/openid-configuration"]
        );
        assert_eq!(metadata_urls("https://auth.example.com/"), metadata_urls("https://auth.example.com"));
        assert_eq!(
            metadata_urls("https://auth.example.com/tenant1/"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn the_issuer_must_be_identical() {
        let doc = json!({ "issuer": "https://auth.example.com/" });
        assert_eq!(issuer_mismatch("https://auth.example.com/", &doc), None);
        assert_eq!(issuer_mismatch("https://auth.example.com", &doc), Some(Some("https://auth.example.com/")));
        assert_eq!(issuer_mismatch("https://auth.example.com", &json!({})), Some(None));
    }

    #[test]
    fn only_https_or_loopback_http_is_fetched() {
        assert!(is_fetchable("https://a.example/jwks"));
        assert!(is_fetchable("http://127.0.0.1:9000/jwks"));
        assert!(!is_fetchable("http://a.example/jwks"));
        assert!(!is_fetchable("file:///etc/passwd"));
    }
}
