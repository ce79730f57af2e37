//! What the gateway needs beyond the validation policy, with no I/O: its own
//! settings (optional fields of the same `MCP_AUTH` object), key-set freshness
//! from `Cache-Control`, and the identity headers it sends to the origin,
//! signed so the origin can tell they came from the gateway.
//!
//! # Defaults
//! - `forwardToken`: false (the MCP spec forbids passing the client's token on).
//! - `allowedOrigins`: none (no `Origin` check).
//! - `allowedHosts`: none besides the resource's own host (`Host` is always checked).
//! - `upstreamTimeoutMs`: 30000 (until the origin's response headers arrive).
//! - `jwksCooldownSeconds`: 30. `jwksTimeoutMs`: 5000. `maxStaleSeconds`: 3600.
//! - `jwksMinTtlSeconds`: 60. `jwksMaxTtlSeconds`: 86400 (300 when the key
//!   server sends no `Cache-Control`).
//! - `decisionLog`: `"all"` (one line per decision); `"refusals"` logs only
//!   the requests not let through, for busy gateways whose accepted traffic
//!   the platform's request logs already record.
//! - `identitySignature`: `"v2"` (binds the body, content type, session and a
//!   request id); `"v1"` (method, path and identity only) is kept for one
//!   release so origins can move to v2, and is deprecated.
//! - `trustForwardedHeaders`: false (client-sent `Forwarded`, `X-Forwarded-*`
//!   and `X-Real-IP` are dropped: the gateway cannot vouch for them).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::ConfigError;
use crate::{AuthInfo, Config, Policy};

/// Freshness of a key set when the key server sends no `Cache-Control`.
pub const DEFAULT_JWKS_TTL_SECONDS: u64 = 300;

/// The gateway-only settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[allow(missing_docs)] // documented in the module's Defaults and the README
pub struct GatewaySettings {
    pub forward_token: bool,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub upstream_timeout_ms: u64,
    pub jwks_cooldown_seconds: u64,
    pub jwks_timeout_ms: u64,
    pub max_stale_seconds: u64,
    pub jwks_min_ttl_seconds: u64,
    pub jwks_max_ttl_seconds: u64,
    pub decision_log: DecisionLog,
    pub identity_signature: SignatureVersion,
    pub trust_forwarded_headers: bool,
}

/// Which canonical string signs the identity headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// Method, path and identity only: a leaked set of headers can be replayed
    /// with any body. Deprecated; verifiable for one release.
    V1,
    /// [`canonical_string_v2`]: also the body's digest, its content type, the
    /// session and a unique request id the origin refuses to see twice.
    #[default]
    V2,
}

/// Which decisions the gateway writes a log line for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionLog {
    /// Every decision.
    #[default]
    All,
    /// Only refusals (and the errors after an acceptance, such as an unreachable origin).
    Refusals,
}

impl DecisionLog {
    /// True if a decision answered with `status` is logged.
    pub fn logs(self, status: u16) -> bool {
        self == DecisionLog::All || !(200..400).contains(&status)
    }
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            forward_token: false,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            upstream_timeout_ms: 30_000,
            jwks_cooldown_seconds: 30,
            jwks_timeout_ms: 5_000,
            max_stale_seconds: 3_600,
            jwks_min_ttl_seconds: 60,
            jwks_max_ttl_seconds: 86_400,
            decision_log: DecisionLog::All,
            identity_signature: SignatureVersion::V2,
            trust_forwarded_headers: false,
        }
    }
}

/// The names of the gateway-only fields in `MCP_AUTH`.
pub const GATEWAY_FIELDS: [&str; 12] = [
    "forwardToken",
    "allowedOrigins",
    "allowedHosts",
    "upstreamTimeoutMs",
    "jwksCooldownSeconds",
    "jwksTimeoutMs",
    "maxStaleSeconds",
    "jwksMinTtlSeconds",
    "jwksMaxTtlSeconds",
    "decisionLog",
    "identitySignature",
    "trustForwardedHeaders",
];

/// Splits the `MCP_AUTH` object into the validation policy and the gateway
/// settings, checking both. Every mistake names its field.
pub fn split_config(value: Value) -> Result<(Policy, GatewaySettings), ConfigError> {
    let Value::Object(mut all) = value else { return Err(ConfigError::new("", "MCP_AUTH must be a JSON object (or a TOML table)")) };
    let mut gateway = Map::new();
    for name in GATEWAY_FIELDS {
        if let Some(v) = all.remove(name) {
            gateway.insert(name.to_owned(), v);
        }
    }
    let settings: GatewaySettings = serde_path_to_error::deserialize(Value::Object(gateway)).map_err(|e| {
        let field = e.path().to_string();
        ConfigError::new(if field == "." { String::new() } else { field }, e.into_inner().to_string())
    })?;
    if settings.jwks_min_ttl_seconds > settings.jwks_max_ttl_seconds {
        return Err(ConfigError::new("jwksMinTtlSeconds", "must not exceed jwksMaxTtlSeconds"));
    }
    if settings.upstream_timeout_ms == 0 || settings.jwks_timeout_ms == 0 {
        return Err(ConfigError::new(if settings.upstream_timeout_ms == 0 { "upstreamTimeoutMs" } else { "jwksTimeoutMs" }, "must be positive"));
    }
    for (i, origin) in settings.allowed_origins.iter().enumerate() {
        if origin.is_empty() || origin.ends_with('/') || !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err(ConfigError::new(format!("allowedOrigins[{i}]"), "must be an origin such as https://app.example.com (scheme and host, no path)"));
        }
    }
    for (i, host) in settings.allowed_hosts.iter().enumerate() {
        if !is_host_and_port(host) {
            return Err(ConfigError::new(
                format!("allowedHosts[{i}]"),
                "must be a host name, optionally with a port, as clients put it in Host (mcp.example.com, mcp.example.com:8443, [::1]:8787): no scheme, path or wildcard",
            ));
        }
    }
    let policy = Policy::from_config(Config::from_value(Value::Object(all))?)?;
    Ok((policy, settings))
}

/// `host` or `host:port` as RFC 9110 §7.2 `Host` carries it (a reg-name,
/// IPv4 or bracketed IPv6 address, then an optional decimal port).
fn is_host_and_port(value: &str) -> bool {
    let (host, port) = match value.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, rest)) if !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') => (addr, rest.strip_prefix(':')),
            _ => return false,
        },
        None => match value.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (value, None),
        },
    };
    let name_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':'));
    name_ok && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A refusal at the transport, before any credential is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportRefusal {
    /// `Host` names neither the resource's host nor an `allowedHosts` entry:
    /// the request was not meant for this server, or a page that rebound a
    /// name it controls to this address sent it (DNS rebinding; MCP
    /// Streamable HTTP transport, "Security Warning"). RFC 9110 §15.5.20.
    MisdirectedRequest,
    /// A browser `Origin` not in `allowedOrigins`, when the list is set.
    OriginNotAllowed,
}

impl TransportRefusal {
    /// Status, `error`, stable code and fixed description, in one place.
    pub fn wire(self) -> (u16, &'static str, &'static str, &'static str) {
        match self {
            Self::MisdirectedRequest => (421, "misdirected_request", "ERR_HOST_NOT_ALLOWED", "This server does not answer for that host"),
            Self::OriginNotAllowed => (403, "origin_not_allowed", "ERR_ORIGIN_NOT_ALLOWED", "Requests from this origin are not allowed"),
        }
    }
}

/// The transport checks, first on every request: `authority` is the request
/// URL's host and port as the platform built it from `Host`; the resource's
/// own authority and `allowedHosts` are accepted (ASCII case-insensitively;
/// an `allowedHosts` entry without a port matches that host on any port).
pub fn check_transport(settings: &GatewaySettings, resource_authority: &str, authority: &str, origin: Option<&str>) -> Result<(), TransportRefusal> {
    let host_of = |a: &str| -> String {
        let a = a.to_ascii_lowercase();
        match a.rfind(':') {
            Some(i) if !a[i..].contains(']') => a[..i].to_owned(),
            _ => a,
        }
    };
    let allowed = authority.eq_ignore_ascii_case(resource_authority)
        || settings
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(authority) || (is_host_and_port(h) && !has_port(h) && host_of(authority) == h.to_ascii_lowercase()));
    if !allowed {
        return Err(TransportRefusal::MisdirectedRequest);
    }
    if let Some(o) = origin {
        if !settings.allowed_origins.is_empty() && !settings.allowed_origins.iter().any(|a| a == o) {
            return Err(TransportRefusal::OriginNotAllowed);
        }
    }
    Ok(())
}

fn has_port(host: &str) -> bool {
    match host.strip_prefix('[') {
        Some(v6) => v6.contains("]:"),
        None => host.contains(':'),
    }
}

/// The authority (`host[:port]`) of an absolute URL as the platform
/// serialized it (no user info: request URLs carry none). `None` without one.
pub fn authority(url: &str) -> Option<&str> {
    let after_scheme = &url[url.find("://")? + 3..];
    Some(after_scheme.split(['/', '?', '#']).next().unwrap_or(""))
}

/// Seconds a fetched key set stays fresh: `max-age` from `Cache-Control`
/// (none for `no-store`/`no-cache`), else the default, within `[min, max]`.
pub fn freshness_seconds(cache_control: Option<&str>, min: u64, max: u64) -> u64 {
    let mut ttl = DEFAULT_JWKS_TTL_SECONDS;
    if let Some(cc) = cache_control {
        for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-store" || directive == "no-cache" {
                ttl = 0;
                break;
            }
            if let Some(age) = directive.strip_prefix("max-age=") {
                if let Ok(n) = age.trim_matches('"').parse::<u64>() {
                    ttl = n;
                }
            }
        }
    }
    ttl.clamp(min, max.max(min))
}

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

/// The path and the search (`""` or `"?…"`) of an absolute URL as the
/// platform serialized it (WHATWG URL Standard §4.5, "URL serializing"):
/// `scheme://authority` then the path, in which `?` and `#` are always
/// percent-encoded, then the query. Reading them off the string saves parsing
/// the request URL again on every request. `None` if `url` has no authority.
pub fn path_and_search(url: &str) -> Option<(&str, &str)> {
    let after_scheme = &url[url.find("://")? + 3..];
    let rest = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let rest = rest.split('#').next().unwrap_or("");
    let (path, search) = rest.find('?').map_or((rest, ""), |i| rest.split_at(i));
    // An empty query serializes as "?", which `URL.search` reports as "".
    let search = if search == "?" { "" } else { search };
    Some((if path.is_empty() { "/" } else { path }, search))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connection_options_name_the_fields_to_drop() {
        assert_eq!(connection_options("keep-alive, X-Foo ,te"), ["x-foo", "te"]);
        assert_eq!(connection_options("close"), Vec::<String>::new());
        assert_eq!(connection_options(" , x-a,,X-B "), ["x-a", "x-b"]);
        assert_eq!(connection_options("x y, ok, bad\u{7f}"), ["ok"]);
        assert_eq!(connection_options(""), Vec::<String>::new());
    }

    #[test]
    fn host_and_origin_are_checked_first() {
        let mut s = GatewaySettings::default();
        let check = |s: &GatewaySettings, host: &str, origin: Option<&str>| check_transport(s, "mcp.example.com", host, origin);
        assert_eq!(check(&s, "mcp.example.com", None), Ok(()));
        assert_eq!(check(&s, "MCP.Example.com", Some("https://anything.example")), Ok(()));
        for bad in ["evil.example", "mcp.example.com:8443", "127.0.0.1:8787", "mcp.example.com.evil.example", ""] {
            assert_eq!(check(&s, bad, None), Err(TransportRefusal::MisdirectedRequest), "{bad}");
        }
        s.allowed_hosts = vec!["127.0.0.1".into(), "gw.workers.dev:443".into(), "[::1]".into()];
        assert_eq!(check(&s, "127.0.0.1:8787", None), Ok(()));
        assert_eq!(check(&s, "127.0.0.1", None), Ok(()));
        assert_eq!(check(&s, "[::1]:9", None), Ok(()));
        assert_eq!(check(&s, "gw.workers.dev:443", None), Ok(()));
        assert_eq!(check(&s, "gw.workers.dev", None), Err(TransportRefusal::MisdirectedRequest));
        s.allowed_origins = vec!["https://app.example".into()];
        assert_eq!(check(&s, "mcp.example.com", Some("https://app.example")), Ok(()));
        assert_eq!(check(&s, "mcp.example.com", Some("https://evil.example")), Err(TransportRefusal::OriginNotAllowed));
        assert_eq!(check(&s, "mcp.example.com", None), Ok(()), "no Origin: not a browser, nothing to check");
        assert_eq!(authority("https://mcp.example.com:8443/mcp?x"), Some("mcp.example.com:8443"));
        assert_eq!(authority("http://[::1]:8787"), Some("[::1]:8787"));
    }

    #[test]
    fn allowed_hosts_are_host_names_with_optional_ports() {
        for ok in ["mcp.example.com", "mcp.example.com:8443", "127.0.0.1", "[::1]:8787", "localhost"] {
            assert!(is_host_and_port(ok), "{ok}");
        }
        for bad in ["", "https://mcp.example.com", "mcp.example.com/mcp", "*.example.com", "a b", "host:", "host:123456", "[zz]", "u@host"] {
            assert!(!is_host_and_port(bad), "{bad}");
        }
        let e = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"allowedHosts":["https://m.example"]}))
            .unwrap_err();
        assert_eq!(e.field, "allowedHosts[0]");
    }

    #[test]
    fn path_and_search_read_off_a_serialized_url() {
        assert_eq!(path_and_search("http://127.0.0.1:8787/mcp"), Some(("/mcp", "")));
        assert_eq!(path_and_search("https://h.example/mcp/x?a=1&b=%3F"), Some(("/mcp/x", "?a=1&b=%3F")));
        assert_eq!(path_and_search("https://h.example/mcp?"), Some(("/mcp", "")));
        assert_eq!(path_and_search("https://h.example/a%3Fb?q#frag"), Some(("/a%3Fb", "?q")));
        assert_eq!(path_and_search("https://user:p%2Fw@h.example:8443/p"), Some(("/p", "")));
        assert_eq!(path_and_search("https://h.example"), Some(("/", "")));
        assert_eq!(path_and_search("/relative"), None);
    }

    #[test]
    fn splits_gateway_fields_and_names_mistakes() {
        let (policy, s) = split_config(
            json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"forwardToken":true,"maxStaleSeconds":10,"maxBodyBytes":5}),
        )
        .unwrap();
        assert!(s.forward_token);
        assert_eq!(s.max_stale_seconds, 10);
        assert_eq!(s.jwks_cooldown_seconds, 30);
        assert_eq!(policy.max_body_bytes, 5);
        let e = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"forwardToken":"yes"})).unwrap_err();
        assert_eq!(e.field, "forwardToken");
        let e = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"allowedOrigins":["https://a.example/"]}))
            .unwrap_err();
        assert_eq!(e.field, "allowedOrigins[0]");
        let e = split_config(json!({"issuers":[{"issuer":"https://a.example"}]})).unwrap_err();
        assert_eq!(e.field, "resource");
        assert!(split_config(json!("text")).is_err());
        assert_eq!(s.decision_log, DecisionLog::All);
        let (_, s) = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"decisionLog":"refusals"})).unwrap();
        assert_eq!(s.decision_log, DecisionLog::Refusals);
        let e = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"decisionLog":"some"})).unwrap_err();
        assert_eq!(e.field, "decisionLog");
        assert_eq!(s.identity_signature, SignatureVersion::V2);
        assert!(!s.trust_forwarded_headers);
        let (_, s) = split_config(
            json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"identitySignature":"v1","trustForwardedHeaders":true}),
        )
        .unwrap();
        assert_eq!((s.identity_signature, s.trust_forwarded_headers), (SignatureVersion::V1, true));
        let e = split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"identitySignature":"v3"})).unwrap_err();
        assert_eq!(e.field, "identitySignature");
    }

    #[test]
    fn refusals_log_keeps_every_refusal_and_error() {
        for status in [200, 204, 304] {
            assert!(DecisionLog::All.logs(status));
            assert!(!DecisionLog::Refusals.logs(status), "{status}");
        }
        for status in [400, 401, 403, 413, 500, 502, 503, 504] {
            assert!(DecisionLog::All.logs(status) && DecisionLog::Refusals.logs(status), "{status}");
        }
    }

    #[test]
    fn freshness_follows_cache_control_within_bounds() {
        assert_eq!(freshness_seconds(Some("public, max-age=600"), 60, 86400), 600);
        assert_eq!(freshness_seconds(Some("max-age=5"), 60, 86400), 60);
        assert_eq!(freshness_seconds(Some("max-age=999999"), 60, 86400), 86400);
        assert_eq!(freshness_seconds(Some("no-store"), 60, 86400), 60);
        assert_eq!(freshness_seconds(None, 60, 86400), 300);
        assert_eq!(freshness_seconds(Some("max-age=junk"), 60, 86400), 300);
    }

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
