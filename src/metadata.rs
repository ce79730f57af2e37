//! OAuth 2.0 Protected Resource Metadata (RFC 9728).

use serde::Serialize;

use crate::uri;

/// The RFC 9728 §2 document this resource server publishes. Empty fields are omitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtectedResourceMetadata {
    /// The resource identifier, exactly as configured (RFC 9728 §3.3 requires a match).
    pub resource: String,
    /// Authorization servers that issue tokens for this resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// Scopes clients may request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    /// How tokens are presented: only the `Authorization` header (RFC 6750 §2.1).
    pub bearer_methods_supported: Vec<String>,
    /// Human-readable name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// Developer documentation URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_documentation: Option<String>,
    /// Policy URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy_uri: Option<String>,
    /// Terms of service URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_tos_uri: Option<String>,
}

impl ProtectedResourceMetadata {
    /// The document as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Every URL at which a client may look for this resource's metadata
/// (RFC 9728 §3.1): the path-inserted form first, then the host-root form when
/// the resource has a path. `resource` must be a checked policy resource.
pub fn well_known_urls(resource: &str) -> Vec<String> {
    let Ok(url) = uri::parse(resource, "resource") else { return Vec::new() };
    let mut urls = vec![url.well_known("oauth-protected-resource")];
    let root = url.well_known_root("oauth-protected-resource");
    if !urls.contains(&root) {
        urls.push(root);
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    #[test]
    fn document_has_configured_fields_only() {
        let p = Policy::from_json(r#"{"resource":"https://mcp.example.com/mcp","issuers":[{"issuer":"https://auth.example.com"}],"scopesSupported":["a"],"resourceName":"VetAssist MCP"}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&p.metadata.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "resource": "https://mcp.example.com/mcp",
                "authorization_servers": ["https://auth.example.com"],
                "scopes_supported": ["a"],
                "bearer_methods_supported": ["header"],
                "resource_name": "VetAssist MCP"
            })
        );
    }

    #[test]
    fn well_known_urls_for_path_and_root_resources() {
        assert_eq!(
            well_known_urls("https://mcp.example.com/mcp"),
            ["https://mcp.example.com/.well-known/oauth-protected-resource/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource"]
        );
        assert_eq!(well_known_urls("https://mcp.example.com"), ["https://mcp.example.com/.well-known/oauth-protected-resource"]);
    }
}
