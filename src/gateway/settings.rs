//! The gateway's own settings: optional fields of the same `MCP_AUTH` object
//! as the validation policy, checked once into [`GatewaySettings`], and the
//! transport checks they configure (`Host`, `Origin`).
//!
//! # Defaults
//! - `forwardToken`: false (the MCP spec forbids passing the client's token on).
//! - `allowedOrigins`: none (no `Origin` check).
//! - `allowedHosts`: none besides the resource's own host (`Host` is always checked).
//! - `upstreamTimeoutMs`: 30000 (until the origin's response headers arrive).
//! - `jwksCooldownSeconds`, `jwksTimeoutMs`, `maxStaleSeconds`,
//!   `jwksMinTtlSeconds`, `jwksMaxTtlSeconds`: the key refresh's own
//!   options, read and documented by [`RefreshSettings`].
//! - `decisionLog`: `"all"` (one line per decision); `"refusals"` logs only
//!   the requests not let through, for busy gateways whose accepted traffic
//!   the platform's request logs already record.
//! - `identitySignature`: `"v2"` (binds the body, content type, session and a
//!   request id); `"v1"` (method, path and identity only) is kept for one
//!   release so origins can move to v2, and is deprecated.
//! - `trustForwardedHeaders`: false (client-sent `Forwarded`, `X-Forwarded-*`
//!   and `X-Real-IP` are dropped: the gateway cannot vouch for them).
//! - `filterLists`: true (list responses keep what the token can use, [`crate::list_filter`]).
//! - `endStreamsAtExpiry`: true (an event stream ends at the token's `exp`
//!   plus leeway, at an event boundary, [`crate::event_stream`]).
//! - `bindSessions`: true (a session is refused to anyone but the identity
//!   that created it, [`super::sessions`]).
//! - `rateLimits`: none ([`super::rate_limits`]).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::rate_limits::RateLimit;
use crate::error::ConfigError;
pub use crate::error::{RequestRefusal, TransportRefusal};
use crate::jwks::refresh::RefreshSettings;
use crate::{Config, Policy};

/// The gateway-only settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[allow(missing_docs)] // documented in the module's Defaults and docs/configuration.md
pub struct GatewaySettings {
    pub forward_token: bool,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub upstream_timeout_ms: u64,
    /// When to fetch each issuer's keys again ([`RefreshSettings::FIELDS`]).
    #[serde(skip)]
    pub key_refresh: RefreshSettings,
    pub decision_log: DecisionLog,
    pub identity_signature: SignatureVersion,
    pub trust_forwarded_headers: bool,
    pub filter_lists: bool,
    pub end_streams_at_expiry: bool,
    pub bind_sessions: bool,
    pub rate_limits: Vec<RateLimit>,
}

/// Which canonical string signs the identity headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// Method, path and identity only: a leaked set of headers can be replayed
    /// with any body. Deprecated; verifiable for one release.
    V1,
    /// [`canonical_string_v2`](super::identity::canonical_string_v2): also the body's digest, its content type, the
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
            key_refresh: RefreshSettings::default(),
            decision_log: DecisionLog::All,
            identity_signature: SignatureVersion::V2,
            trust_forwarded_headers: false,
            filter_lists: true,
            end_streams_at_expiry: true,
            bind_sessions: true,
            rate_limits: Vec::new(),
        }
    }
}

/// The names of the gateway-only fields in `MCP_AUTH`, besides the key
/// refresh's own ([`RefreshSettings::FIELDS`]).
pub const GATEWAY_FIELDS: [&str; 11] = [
    "forwardToken",
    "allowedOrigins",
    "allowedHosts",
    "upstreamTimeoutMs",
    "decisionLog",
    "identitySignature",
    "trustForwardedHeaders",
    "filterLists",
    "endStreamsAtExpiry",
    "bindSessions",
    "rateLimits",
];

/// Splits the `MCP_AUTH` object into the validation policy and the gateway
/// settings, checking both. Every mistake names its field.
pub fn split_config(value: Value) -> Result<(Policy, GatewaySettings), ConfigError> {
    let Value::Object(mut all) = value else { return Err(ConfigError::new("", "MCP_AUTH must be a JSON object (or a TOML table)")) };
    let mut take = |names: &[&str]| -> Map<String, Value> { names.iter().filter_map(|&name| Some((name.to_owned(), all.remove(name)?))).collect() };
    let (gateway, refresh) = (take(&GATEWAY_FIELDS), take(&RefreshSettings::FIELDS));
    let settings = GatewaySettings { key_refresh: RefreshSettings::from_json(Value::Object(refresh))?, ..gateway_settings(gateway)? };
    let policy = Policy::from_config(Config::from_value(Value::Object(all))?)?;
    Ok((policy, settings))
}

/// The rule for `UPSTREAM_URL`, the origin MCP server's URL: an absolute
/// http(s) URL with a host and no fragment. Each host parses the URL with its
/// platform's WHATWG URL parser (the one its `fetch` uses) and passes the
/// parts: `scheme` without its colon, `hostname` as that parser reports it.
pub fn check_upstream(url: &str, scheme: &str, hostname: &str) -> Result<(), ConfigError> {
    if matches!(scheme, "http" | "https") && !hostname.is_empty() && !url.contains('#') {
        Ok(())
    } else {
        Err(ConfigError::new("UPSTREAM_URL", "must be an absolute http(s) URL without a fragment"))
    }
}

/// The gateway fields, checked: every mistake names its field.
fn gateway_settings(fields: Map<String, Value>) -> Result<GatewaySettings, ConfigError> {
    let settings: GatewaySettings = serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
        let field = e.path().to_string();
        ConfigError::new(if field == "." { String::new() } else { field }, e.into_inner().to_string())
    })?;
    if settings.upstream_timeout_ms == 0 {
        return Err(ConfigError::new("upstreamTimeoutMs", "must be positive"));
    }
    for (i, origin) in settings.allowed_origins.iter().enumerate() {
        if origin.is_empty() || origin.ends_with('/') || !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err(ConfigError::new(format!("allowedOrigins[{i}]"), "must be an origin such as https://app.example.com (scheme and host, no path)"));
        }
    }
    super::rate_limits::check(&settings.rate_limits)?;
    for (i, host) in settings.allowed_hosts.iter().enumerate() {
        if !is_host_and_port(host) {
            return Err(ConfigError::new(
                format!("allowedHosts[{i}]"),
                "must be a host name, optionally with a port, as clients put it in Host (mcp.example.com, mcp.example.com:8443, [::1]:8787): no scheme, path or wildcard",
            ));
        }
    }
    Ok(settings)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::request_url::authority;
    use serde_json::json;

    #[test]
    fn the_upstream_is_an_absolute_http_url() {
        assert!(check_upstream("https://origin.internal/mcp", "https", "origin.internal").is_ok());
        assert!(check_upstream("http://127.0.0.1:3000/mcp", "http", "127.0.0.1").is_ok());
        for (url, scheme, host) in [("ftp://o/mcp", "ftp", "o"), ("https://o/mcp#x", "https", "o"), ("file:///mcp", "file", ""), ("", "", "")] {
            assert_eq!(check_upstream(url, scheme, host).unwrap_err().field, "UPSTREAM_URL", "{url}");
        }
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
    fn splits_gateway_fields_and_names_mistakes() {
        let (policy, s) = split_config(
            json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"forwardToken":true,"maxStaleSeconds":10,"maxBodyBytes":5}),
        )
        .unwrap();
        assert!(s.forward_token);
        assert_eq!(s.key_refresh.max_stale_ms, 10_000);
        assert_eq!(s.key_refresh.cooldown_ms, 30_000);
        let e =
            split_config(json!({"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"jwksMinTtlSeconds":9,"jwksMaxTtlSeconds":8}))
                .unwrap_err();
        assert_eq!(e.field, "jwksMinTtlSeconds");
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
}
