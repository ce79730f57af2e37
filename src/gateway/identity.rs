//! The identity headers the gateway sends to the origin, and the HMAC that
//! lets the origin tell they came from the gateway and belong to this very
//! request.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::AuthInfo;

/// Identity headers sent to the origin.
pub const SUBJECT: &str = "X-MCP-Auth-Subject";

/// The OAuth client.
pub const CLIENT_ID: &str = "X-MCP-Auth-Client-Id";

/// Granted scopes, space-separated.
pub const SCOPES: &str = "X-MCP-Auth-Scopes";

/// The token's issuer.
pub const ISSUER: &str = "X-MCP-Auth-Issuer";

/// Unix seconds when the gateway signed the headers.
pub const TIMESTAMP: &str = "X-MCP-Auth-Timestamp";

/// `v2=<hex HMAC-SHA256>` over [`canonical_string_v2`] (or `v1=` over [`canonical_string`]).
pub const SIGNATURE: &str = "X-MCP-Auth-Signature";

/// A unique id for this forwarded request (v2): the origin refuses an id it has seen within the timestamp window.
pub const REQUEST_ID: &str = "X-MCP-Auth-Request-Id";

/// The lower-case prefix of every identity header: a client can never set
/// one on the way to the origin, whatever follows it (the Worker drops every
/// incoming header that starts with it).
pub const IDENTITY_PREFIX: &str = "x-mcp-auth-";

/// Header values keep visible ASCII and inner spaces; anything else (and
/// `%`) is percent-encoded, so a claim can never inject a header line or
/// make the canonical string ambiguous. A space at either end is encoded
/// too: HTTP drops whitespace around a field value (RFC 9110 §5.5), so
/// `" bob "` would reach the origin as `bob`, a different user, and fail
/// the signature the gateway computed over what it sent.
pub fn header_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let last = raw.len().saturating_sub(1);
    for (i, b) in raw.bytes().enumerate() {
        let edge_space = b == b' ' && (i == 0 || i == last);
        if (0x20..0x7f).contains(&b) && b != b'%' && !edge_space {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The identity headers for an accepted request, in a fixed order.
pub fn identity_headers(info: &AuthInfo) -> Vec<(&'static str, String)> {
    vec![
        (SUBJECT, header_value(info.subject.as_deref().unwrap_or(""))),
        (CLIENT_ID, header_value(info.client_id.as_deref().unwrap_or(""))),
        (SCOPES, header_value(&info.scopes.join(" "))),
        (ISSUER, header_value(&info.issuer)),
    ]
}

/// What the signature covers: a version tag, the timestamp, the request's
/// method and path (with query), and the four identity header values, joined
/// by `\n` (which no encoded value can contain).
pub fn canonical_string(timestamp: u64, method: &str, path_and_query: &str, identity: &[(&'static str, String)]) -> String {
    let mut s = format!("v1\n{timestamp}\n{}\n{}", method.to_ascii_uppercase(), header_value(path_and_query));
    for (_, value) in identity {
        s.push('\n');
        s.push_str(value);
    }
    s
}

/// What a v2 signature binds besides the identity: the request exactly as
/// the origin receives it.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// Unix seconds when the gateway signed.
    pub timestamp: u64,
    /// [`REQUEST_ID`]'s value.
    pub request_id: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// Path and query as the origin receives them.
    pub path_and_query: &'a str,
    /// The forwarded `Content-Type` (`""` without a body).
    pub content_type: &'a str,
    /// The forwarded body (empty without one).
    pub body: &'a [u8],
    /// The `Mcp-Session-Id` header the origin receives (`""` without one).
    pub session_id: &'a str,
}

/// The v2 canonical string, lines joined by `\n` (which no encoded value
/// contains): `v2`, timestamp, request id, method (upper case), path and
/// query, content type, session id (each [`header_value`]-encoded), the
/// lower-case hex SHA-256 of the body, then the four identity values.
/// A leaked set of signed headers is then good for this one request only.
pub fn canonical_string_v2(request: &SignedRequest<'_>, identity: &[(&'static str, String)]) -> String {
    let digest = hex(&Sha256::digest(request.body));
    let mut s = format!(
        "v2\n{}\n{}\n{}\n{}\n{}\n{}\n{digest}",
        request.timestamp,
        header_value(request.request_id),
        request.method.to_ascii_uppercase(),
        header_value(request.path_and_query),
        header_value(request.content_type),
        header_value(request.session_id),
    );
    for (_, value) in identity {
        s.push('\n');
        s.push_str(value);
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `<version>=<hex HMAC-SHA256(secret, canonical string)>`, the version
/// being the canonical string's first line (`v1` or `v2`).
pub fn sign(secret: &[u8], canonical: &str) -> String {
    // HMAC takes keys of any length, so this never fails; an empty tag would fail at the origin.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else { return String::new() };
    mac.update(canonical.as_bytes());
    let version = canonical.split('\n').next().unwrap_or("v1");
    format!("{version}={}", hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_values_cannot_inject_and_signatures_bind_everything() {
        assert_eq!(header_value("bob\r\nX-Evil: 1"), "bob%0D%0AX-Evil: 1");
        assert_eq!(header_value("100%é"), "100%25%C3%A9");
        // Every header the gateway sets falls under the prefix it drops from
        // clients (compared with lower-case names, as Headers yields them).
        assert_eq!(IDENTITY_PREFIX, IDENTITY_PREFIX.to_ascii_lowercase());
        for name in [SUBJECT, CLIENT_ID, SCOPES, ISSUER, TIMESTAMP, SIGNATURE] {
            assert!(name.to_ascii_lowercase().starts_with(IDENTITY_PREFIX), "{name}");
        }
        let id = vec![(SUBJECT, "bob".to_owned()), (CLIENT_ID, "c".to_owned()), (SCOPES, "a b".to_owned()), (ISSUER, "https://i".to_owned())];
        let base = sign(b"secret", &canonical_string(100, "POST", "/mcp", &id));
        assert_eq!(base.len(), 3 + 64);
        assert_ne!(base, sign(b"secret", &canonical_string(101, "POST", "/mcp", &id)));
        assert_ne!(base, sign(b"secret", &canonical_string(100, "GET", "/mcp", &id)));
        assert_ne!(base, sign(b"other", &canonical_string(100, "POST", "/mcp", &id)));
        let mut changed = id.clone();
        changed[2].1 = "a b c".into();
        assert_ne!(base, sign(b"secret", &canonical_string(100, "POST", "/mcp", &changed)));
        assert!(base.starts_with("v1="));
    }

    #[test]
    fn values_travel_unchanged_even_with_spaces_at_the_ends() {
        assert_eq!(header_value(" bob "), "%20bob%20");
        assert_eq!(header_value("dr alice"), "dr alice");
        assert_eq!(header_value(" "), "%20");
        assert_eq!(header_value(""), "");
    }

    #[test]
    fn v2_binds_the_body_content_type_session_and_request_id() {
        let id = vec![(SUBJECT, "bob".to_owned()), (CLIENT_ID, "c".to_owned()), (SCOPES, "a b".to_owned()), (ISSUER, "https://i".to_owned())];
        let request = SignedRequest {
            timestamp: 100,
            request_id: "5f0c",
            method: "post",
            path_and_query: "/mcp?x=1",
            content_type: "application/json",
            body: b"{}",
            session_id: "s-1",
        };
        let canonical = canonical_string_v2(&request, &id);
        assert_eq!(
            canonical,
            "v2\n100\n5f0c\nPOST\n/mcp?x=1\napplication/json\ns-1\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\nbob\nc\na b\nhttps://i"
        );
        let base = sign(b"secret", &canonical);
        assert!(base.starts_with("v2=") && base.len() == 3 + 64);
        let changes: [&dyn Fn(&mut SignedRequest<'_>); 6] = [
            &|r| r.body = b"{ }",
            &|r| r.content_type = "application/json; charset=utf-7",
            &|r| r.request_id = "5f0d",
            &|r| r.session_id = "s-2",
            &|r| r.path_and_query = "/mcp",
            &|r| r.timestamp = 101,
        ];
        for change in changes {
            let mut other = request;
            change(&mut other);
            assert_ne!(sign(b"secret", &canonical_string_v2(&other, &id)), base);
        }
    }
}
