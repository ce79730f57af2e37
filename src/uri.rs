//! The little URL handling the core needs: checking that configured URLs are
//! absolute `https` (RFC 8707 §2, RFC 9728 §2) and building the RFC 9728
//! §3.1 well-known URL. A full URL parser would add size to the wasm builds
//! for no gain: we only accept URLs from configuration, and refuse anything
//! unusual rather than normalise it.

use crate::error::ConfigError;

/// An absolute `http(s)` URL split into the parts RFC 9728 §3.1 needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AbsoluteUrl<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

/// Checks `value` (from config field `field`) is an absolute https URL
/// without fragment or userinfo; plain http only for a loopback host.
pub(crate) fn parse<'a>(value: &'a str, field: &str) -> Result<AbsoluteUrl<'a>, ConfigError> {
    let err = |m: &str| Err(ConfigError::new(field, m));
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic() || "\"\\<>^`{|}".contains(*c)) {
        return err(&format!("URL contains a character that is not allowed: {c:?}"));
    }
    if value.contains('#') {
        return err("URL must not have a fragment");
    }
    let (scheme, rest) = if let Some(rest) = value.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = value.strip_prefix("http://") {
        ("http", rest)
    } else {
        return err("must be an absolute https URL");
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return err("URL must have a host and no user info");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || port.starts_with(':') => &authority[..h.len() + 2],
            _ => return err("URL has a malformed host"),
        },
        None => authority.split(':').next().unwrap_or(authority),
    };
    let port = &authority[host.len()..];
    if !(port.is_empty() || (port.len() > 1 && port[1..].bytes().all(|b| b.is_ascii_digit()))) {
        return err("URL has a malformed port");
    }
    if scheme == "http" && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return err("must be an https URL (http is allowed only for localhost and 127.0.0.1)");
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    Ok(AbsoluteUrl { scheme, authority, host, path, query })
}

impl AbsoluteUrl<'_> {
    /// The metadata URL with the well-known segment inserted between host and
    /// path (RFC 9728 §3.1); a lone trailing slash after the host is dropped.
    pub fn well_known(&self, suffix: &str) -> String {
        let path = if self.path == "/" { "" } else { self.path };
        let mut url = format!("{}://{}/.well-known/{suffix}{path}", self.scheme, self.authority);
        if let Some(q) = self.query {
            url.push('?');
            url.push_str(q);
        }
        url
    }

    /// The same well-known URL at the host's root (no path, no query).
    pub fn well_known_root(&self, suffix: &str) -> String {
        format!("{}://{}/.well-known/{suffix}", self.scheme, self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in ["https://mcp.example.com/mcp", "https://a.example:8443", "http://localhost:8787/mcp", "http://127.0.0.1/x?y=1", "http://[::1]:9/"] {
            parse(ok, "resource").unwrap();
        }
    }

    #[test]
    fn refuses_the_rest_naming_the_field() {
        for bad in [
            "mcp.example.com",
            "http://mcp.example.com/",
            "https://",
            "https://u@h/",
            "https://h/#f",
            "https://h/ x",
            "https://h/\"",
            "https://h:x/",
            "ftp://h/",
            "HTTPS://h/",
        ] {
            let e = parse(bad, "resource").unwrap_err();
            assert_eq!(e.field, "resource", "{bad}");
        }
    }

    #[test]
    fn well_known_urls_follow_rfc9728_3_1() {
        let u = parse("https://mcp.example.com/mcp", "r").unwrap();
        assert_eq!(u.well_known("oauth-protected-resource"), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assert_eq!(u.well_known_root("oauth-protected-resource"), "https://mcp.example.com/.well-known/oauth-protected-resource");
        let root = parse("https://mcp.example.com/", "r").unwrap();
        assert_eq!(root.well_known("oauth-protected-resource"), "https://mcp.example.com/.well-known/oauth-protected-resource");
        let q = parse("https://h.example/a/b?t=1", "r").unwrap();
        assert_eq!(q.well_known("oauth-protected-resource"), "https://h.example/.well-known/oauth-protected-resource/a/b?t=1");
    }
}
