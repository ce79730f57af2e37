//! Which request fields the gateway never forwards to the origin.

use super::identity::IDENTITY_PREFIX;

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
