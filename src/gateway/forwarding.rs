//! Which request fields the gateway never forwards to the origin, and where it forwards to.

use super::identity::IDENTITY_PREFIX;

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus
/// ones fetch sets itself, and `content-encoding`: a forwarded body is never
/// encoded (content.rs), so the field could only make the origin decode it
/// differently from what the gateway inspected.
pub const HOP_BY_HOP: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-encoding",
];

/// The fields the gateway adds to an origin's response that are lists (RFC
/// 9110 §5.3: their values combine with a comma): they are appended to what
/// the origin says, so an origin's own `Access-Control-Expose-Headers` or
/// `Vary` survives; any other field the gateway sets replaces the origin's.
pub fn is_list_field(name: &str) -> bool {
    ["Vary", "Access-Control-Expose-Headers"].iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// The fields never forwarded by name, lower case: [`HOP_BY_HOP`], and
/// `authorization` unless `forwardToken` is set (MCP authorization, "Token
/// Passthrough": the client's token is for this resource only).
pub fn dropped_fields(forward_token: bool) -> impl Iterator<Item = &'static str> {
    HOP_BY_HOP.iter().copied().chain((!forward_token).then_some("authorization"))
}

/// The origin URL for a request to `path` (the resource's path, `resource_path`
/// without a trailing `/`, or under it) with `search` (`""` or `"?…"`): the same
/// suffix under `upstream`.
pub fn target(upstream: &str, resource_path: &str, path: &str, search: &str) -> String {
    let suffix = &path[resource_path.len().min(path.len())..];
    let mut target = format!("{}{}", upstream.trim_end_matches('/'), suffix);
    if upstream.ends_with('/') && suffix.is_empty() {
        target.push('/');
    }
    target.push_str(search);
    target
}

/// Request fields the gateway never forwards, lower case: a client cannot
/// claim to be someone (`X-MCP-Auth-*`) or somewhere (`Forwarded`,
/// `X-Forwarded-*`, `X-Real-IP`: RFC 7239 §8.1, the gateway cannot vouch
/// for what the client wrote) on the way to the origin.
pub fn dropped_prefixes(trust_forwarded: bool) -> &'static [&'static str] {
    if trust_forwarded {
        &[IDENTITY_PREFIX]
    } else {
        &[IDENTITY_PREFIX, "x-forwarded-", "forwarded", "x-real-ip"]
    }
}

/// The name a field has for origins that read `_` as `-` (CGI, WSGI and
/// Rack turn both into `HTTP_X_MCP_AUTH_SUBJECT`), lower case: drop lists
/// compare this, so `X_MCP_Auth_Subject` is dropped like `X-MCP-Auth-Subject`.
pub fn cgi_name(name: &str) -> String {
    name.bytes().map(|b| if b == b'_' { '-' } else { b.to_ascii_lowercase() as char }).collect()
}

/// The header names a `Connection` field lists as connection options (RFC
/// 9110 §7.6.1): an intermediary removes those fields before forwarding, so a
/// client cannot make the gateway pass on a header meant for this hop only.
/// Lower case, without `close` and `keep-alive` (options, never field names
/// the gateway forwards) and without anything that is not a token.
pub fn connection_options(connection: &str) -> Vec<String> {
    let is_token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    connection.split(',').map(|o| o.trim().to_ascii_lowercase()).filter(|o| is_token(o) && o != "close" && o != "keep-alive").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_gets_the_same_suffix_and_query_under_its_url() {
        assert_eq!(target("https://o.example/mcp", "/mcp", "/mcp", ""), "https://o.example/mcp");
        assert_eq!(target("https://o.example/mcp", "/mcp", "/mcp/sub", "?a=1"), "https://o.example/mcp/sub?a=1");
        assert_eq!(target("https://o.example/", "/mcp", "/mcp", ""), "https://o.example/");
        assert_eq!(target("https://o.example/base/", "", "/x", ""), "https://o.example/base/x");
    }

    #[test]
    fn the_origins_own_list_fields_survive() {
        assert!(is_list_field("vary") && is_list_field("Access-Control-Expose-Headers"));
        assert!(!is_list_field("Access-Control-Allow-Origin") && !is_list_field("Content-Type"));
    }

    #[test]
    fn the_token_and_hop_by_hop_fields_stay_at_the_gateway() {
        let dropped: Vec<_> = dropped_fields(false).collect();
        assert!(dropped.contains(&"authorization") && dropped.contains(&"connection") && dropped.contains(&"content-encoding"));
        assert!(!dropped_fields(true).any(|f| f == "authorization"));
    }

    #[test]
    fn connection_options_name_the_fields_to_drop() {
        assert_eq!(connection_options("keep-alive, X-Foo ,te"), ["x-foo", "te"]);
        assert_eq!(connection_options("close"), Vec::<String>::new());
        assert_eq!(connection_options(" , x-a,,X-B "), ["x-a", "x-b"]);
        assert_eq!(connection_options("x y, ok, bad\u{7f}"), ["ok"]);
        assert_eq!(connection_options(""), Vec::<String>::new());
    }

    #[test]
    fn dropped_fields_cover_every_spelling() {
        assert_eq!(cgi_name("X_MCP_Auth_Subject"), "x-mcp-auth-subject");
        assert_eq!(cgi_name("X-Forwarded_For"), "x-forwarded-for");
        let dropped = |name: &str, trust: bool| dropped_prefixes(trust).iter().any(|p| cgi_name(name).starts_with(p));
        for name in ["X-MCP-Auth-Subject", "x_mcp_auth_scopes", "X-Forwarded-For", "X_Forwarded_Host", "Forwarded", "X-Real-IP"] {
            assert!(dropped(name, false), "{name}");
        }
        assert!(dropped("X_MCP_AUTH_ROLE", true));
        assert!(!dropped("X-Forwarded-For", true));
        assert!(!dropped("Mcp-Session-Id", false));
    }
}
