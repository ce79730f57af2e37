//! The HTTP answers the gate itself sends, decided once for every host (the
//! Worker, and the npm package's `authenticate()`, `express()` and
//! `metadataResponse()`): refusals with their challenge (RFC 6750 §3), the
//! RFC 9728 metadata document at every URL a client may probe, CORS
//! preflights and the headers a browser client must be able to read. Hosts
//! only turn an [`Answer`] into their platform's response.

use serde_json::{json, Value};

use crate::config::Policy;
use crate::error::{RequestRefusal, TransportRefusal};
use crate::validator::Refusal;

/// Response headers a browser-based MCP client must be able to read
/// (MCP Streamable HTTP; RFC 6750 §3 for the challenge).
pub const EXPOSED_HEADERS: &str = "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version";
/// Methods an MCP endpoint answers (POST messages, GET streams, DELETE sessions).
pub const ALLOWED_METHODS: &str = "GET, POST, DELETE, OPTIONS";
/// Request headers an MCP client sends across origins.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID";

/// A response the gate sends itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Header fields, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body (`None` for 204 and HEAD).
    pub body: Option<String>,
}

impl Answer {
    /// The answer as JSON for a JS host: `{status, headers: [[name, value]…], body}`.
    pub fn to_json(&self) -> Value {
        json!({ "status": self.status, "headers": self.headers.iter().map(|(n, v)| [*n, v.as_str()]).collect::<Vec<_>>(), "body": self.body })
    }

    fn json(status: u16, body: &Value, cors: Vec<(&'static str, String)>) -> Self {
        let mut headers = cors;
        headers.push(("Content-Type", "application/json".into()));
        headers.push(("Cache-Control", "no-store".into()));
        Self { status, headers, body: Some(body.to_string()) }
    }
}

/// The CORS headers of an answer to a request from `origin`: any origin may
/// read it unless `allowed_origins` lists some (then the listed origin is
/// named and caches told it varies by `Origin`, RFC 9110 §12.5.5).
pub fn cors(allowed_origins: &[String], origin: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = Vec::with_capacity(3);
    match origin {
        Some(o) if !allowed_origins.is_empty() => {
            headers.push(("Access-Control-Allow-Origin", o.to_owned()));
            headers.push(("Vary", "Origin".to_owned()));
        }
        _ => headers.push(("Access-Control-Allow-Origin", "*".to_owned())),
    }
    headers.push(("Access-Control-Expose-Headers", EXPOSED_HEADERS.to_owned()));
    headers
}

/// A refusal: its status, the challenge in `WWW-Authenticate`, `Retry-After`
/// for a 503, and `{error?, error_description, code}` — fixed text only.
pub fn refusal(refusal: &Refusal, cors: Vec<(&'static str, String)>) -> Answer {
    let wire = refusal.error.wire();
    let mut body = serde_json::Map::new();
    if let Some(error) = wire.error {
        body.insert("error".into(), error.into());
    }
    body.insert("error_description".into(), wire.description.into());
    body.insert("code".into(), wire.code.into());
    let mut answer = Answer::json(wire.status, &Value::Object(body), cors);
    answer.headers.push(("WWW-Authenticate", refusal.www_authenticate.clone()));
    if let Some(seconds) = refusal.retry_after {
        answer.headers.push(("Retry-After", seconds.to_string()));
    }
    answer
}

/// A request refused after its token was accepted, for what it does: a
/// session that is not the caller's, or a rate limit. About the request,
/// not the token: no challenge, and a JSON-RPC error body the client's MCP
/// library reads (`data.code` the stable code, `data.retryAfter` for a 429).
pub fn request_refusal(refusal: RequestRefusal, cors: Vec<(&'static str, String)>) -> Answer {
    let wire = refusal.wire();
    let mut data = json!({ "code": wire.code });
    if let RequestRefusal::RateLimited { retry_after } = refusal {
        data["retryAfter"] = retry_after.into();
    }
    let body = json!({ "jsonrpc": "2.0", "error": { "code": wire.json_rpc, "message": wire.description, "data": data }, "id": null });
    let mut answer = Answer::json(wire.status, &body, cors);
    if let RequestRefusal::RateLimited { retry_after } = refusal {
        answer.headers.push(("Retry-After", retry_after.to_string()));
    }
    answer
}

/// A refusal at the transport (`Host`, `Origin`): no challenge, no CORS (a
/// page on a refused origin is not to read it).
pub fn transport_refusal(refusal: TransportRefusal) -> Answer {
    let wire = refusal.wire();
    Answer::json(wire.status, &json!({ "error": wire.error, "error_description": wire.description, "code": wire.code }), Vec::new())
}

/// A CORS preflight (Fetch Standard §3.2.2) for an MCP endpoint.
pub fn preflight(cors: Vec<(&'static str, String)>) -> Answer {
    let mut headers = cors;
    headers.push(("Access-Control-Allow-Methods", ALLOWED_METHODS.to_owned()));
    headers.push(("Access-Control-Allow-Headers", ALLOWED_HEADERS.to_owned()));
    headers.push(("Access-Control-Max-Age", "86400".to_owned()));
    Answer { status: 204, headers, body: None }
}

/// The RFC 9728 document for a request with `method`: GET and HEAD get it
/// (cacheable for an hour), OPTIONS a preflight, anything else 405.
pub fn metadata(policy: &Policy, method: &str, cors: Vec<(&'static str, String)>) -> Answer {
    match method {
        "GET" | "HEAD" => {
            let mut headers = cors;
            headers.push(("Content-Type", "application/json".into()));
            headers.push(("Cache-Control", "public, max-age=3600".into()));
            let body = (method == "GET").then(|| serde_json::to_string(&policy.metadata).unwrap_or_default());
            Answer { status: 200, headers, body }
        }
        "OPTIONS" => preflight(cors),
        _ => {
            let mut headers = cors;
            headers.push(("Allow", "GET, HEAD, OPTIONS".into()));
            Answer { status: 405, headers, body: None }
        }
    }
}

/// Not one of this resource's URLs.
pub fn not_found(cors: Vec<(&'static str, String)>) -> Answer {
    Answer::json(404, &json!({ "error": "not_found" }), cors)
}

/// A configuration the gate cannot run with: every request is refused with
/// 500, naming the field, so the operator sees what to fix (never an open gate).
pub fn config_error(field: &str, message: &str) -> Answer {
    Answer::json(500, &json!({ "error": "gateway_misconfigured", "field": field, "message": message }), Vec::new())
}

/// The origin could not be reached (502) or did not answer in time (504).
pub fn upstream_failure(timed_out: bool, cors: Vec<(&'static str, String)>) -> Answer {
    let (status, error, description) = if timed_out {
        (504, "upstream_timeout", "The MCP server did not answer in time")
    } else {
        (502, "upstream_unavailable", "The MCP server could not be reached")
    };
    Answer::json(status, &json!({ "error": error, "error_description": description }), cors)
}

/// Something failed inside the gate: a fixed answer, the details go to the log only.
pub fn internal_error(cors: Vec<(&'static str, String)>) -> Answer {
    Answer::json(500, &json!({ "error": "internal_error", "error_description": "The gateway could not answer this request" }), cors)
}

/// The paths at which the RFC 9728 document is answered: the path-inserted
/// and root well-known URLs (RFC 9728 §3.1) and the resource-relative form
/// some clients probe.
pub fn metadata_paths(policy: &Policy) -> Vec<String> {
    let mut paths: Vec<String> = crate::well_known_urls(&policy.resource).iter().filter_map(|u| url::Url::parse(u).ok()).map(|u| u.path().to_owned()).collect();
    paths.push(format!("{}/.well-known/oauth-protected-resource", resource_path(policy)));
    paths
}

/// The resource's path without a trailing `/` (`""` for a bare origin):
/// requests at it or under it need a token.
pub fn resource_path(policy: &Policy) -> String {
    url::Url::parse(&policy.resource).map(|u| u.path().trim_end_matches('/').to_owned()).unwrap_or_default()
}

/// True if `path` is the resource's path or under it.
pub fn is_protected(resource_path: &str, path: &str) -> bool {
    resource_path.is_empty() || path == resource_path || path.strip_prefix(resource_path).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthError;

    fn policy() -> Policy {
        Policy::from_json(r#"{"resource":"https://mcp.example.com/mcp","issuers":[{"issuer":"https://a.example"}],"requiredScopes":["mcp:access"]}"#).unwrap()
    }

    #[test]
    fn a_refusal_carries_its_challenge_and_fixed_text() {
        let p = policy();
        let v = crate::Validator::new(p);
        let answer = refusal(&Refusal { retry_after: Some(7), ..v.refuse(AuthError::JwksUnavailable) }, cors(&[], None));
        assert_eq!(answer.status, 503);
        let names: Vec<_> = answer.headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Content-Type", "Cache-Control", "WWW-Authenticate", "Retry-After"]);
        assert_eq!(answer.headers[5].1, "7");
        assert_eq!(answer.body.as_deref(), Some(r#"{"error_description":"Signing keys are temporarily unavailable","code":"ERR_JWKS_UNAVAILABLE"}"#));
    }

    #[test]
    fn metadata_is_answered_where_clients_probe_and_cors_names_an_allowed_origin() {
        let p = policy();
        assert_eq!(
            metadata_paths(&p),
            ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/mcp/.well-known/oauth-protected-resource"]
        );
        assert_eq!(metadata(&p, "GET", vec![]).status, 200);
        assert_eq!(metadata(&p, "HEAD", vec![]).body, None);
        assert_eq!(metadata(&p, "OPTIONS", vec![]).status, 204);
        assert_eq!(metadata(&p, "POST", vec![]).status, 405);
        assert_eq!(cors(&["https://app.example".into()], Some("https://app.example"))[0].1, "https://app.example");
        assert_eq!(cors(&[], Some("https://app.example"))[0].1, "*");
        assert!(is_protected("/mcp", "/mcp/x") && is_protected("/mcp", "/mcp") && !is_protected("/mcp", "/mcpx") && is_protected("", "/anything"));
    }
}
