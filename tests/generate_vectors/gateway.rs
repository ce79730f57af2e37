//! gateway/refusals.json: the gateway's own refusals, decided natively from
//! the same data the Worker is given: `Host` and `Origin` against the
//! resource and its settings (MCP Streamable HTTP §Security Warning, RFC 9110
//! §15.5.20), a session named by someone other than its creator, and a
//! reached rate limit (RFC 6585 §4). A separate folder: these are not token
//! cases, and the token vector loaders never see them.

use serde_json::{json, Value};

use crate::file::Files;
use crate::keys::Keys;
use crate::{AUTH, NOW, RESOURCE};

fn transport(name: &str, settings: Value, host: &str, origin: Option<&str>, expect: Value) -> Value {
    json!({"kind": "transport", "name": name, "source": "MCP Streamable HTTP, Security Warning; RFC 9110 §15.5.20",
        "settings": settings, "host": host, "origin": origin, "expect": expect})
}

fn session(name: &str, creator: Option<(&str, &str)>, caller: (&str, &str), expect: Value) -> Value {
    let who = |(sub, client): (&str, &str)| json!({"issuer": AUTH, "subject": sub, "clientId": client});
    json!({"kind": "session", "name": name, "source": "MCP Streamable HTTP, Session Management",
        "creator": creator.map(who), "caller": who(caller), "now": NOW, "expect": expect})
}

fn refused(status: u16, code: &str) -> Value {
    json!({"ok": false, "status": status, "code": code})
}

pub fn generate(_: &Keys, out: &mut Files) {
    let none = json!({});
    let origins = json!({"allowedOrigins": ["https://app.example.com"]});
    let hosts = json!({"allowedHosts": ["mcp.internal.example", "[::1]:8787"]});
    let cases = vec![
        transport("the resource's own host", none.clone(), "mcp.example.com", None, json!({"ok": true})),
        transport("the host in another case", none.clone(), "MCP.Example.COM", None, json!({"ok": true})),
        transport("another host (DNS rebinding)", none.clone(), "attacker.example", None, refused(421, "ERR_HOST_NOT_ALLOWED")),
        transport("the resource's host on another port", none.clone(), "mcp.example.com:8443", None, refused(421, "ERR_HOST_NOT_ALLOWED")),
        transport("an allowedHosts entry without a port, on any port", hosts.clone(), "mcp.internal.example:9000", None, json!({"ok": true})),
        transport("an allowedHosts entry with a port, on another", hosts, "[::1]:8788", None, refused(421, "ERR_HOST_NOT_ALLOWED")),
        transport("any origin without allowedOrigins", none, "mcp.example.com", Some("https://elsewhere.example"), json!({"ok": true})),
        transport("an allowed origin", origins.clone(), "mcp.example.com", Some("https://app.example.com"), json!({"ok": true})),
        transport("another origin", origins.clone(), "mcp.example.com", Some("https://evil.example"), refused(403, "ERR_ORIGIN_NOT_ALLOWED")),
        transport(
            "an origin with a trailing slash is another origin",
            origins,
            "mcp.example.com",
            Some("https://app.example.com/"),
            refused(403, "ERR_ORIGIN_NOT_ALLOWED"),
        ),
        session("the session's creator", Some(("bob", "app")), ("bob", "app"), json!({"ok": true})),
        session("another user", Some(("bob", "app")), ("mallory", "app"), refused(404, "ERR_MCP_SESSION_NOT_FOUND")),
        session("the same user through another client", Some(("bob", "app")), ("bob", "other-app"), refused(404, "ERR_MCP_SESSION_NOT_FOUND")),
        session("a session the gateway has no record of", None, ("bob", "app"), refused(404, "ERR_MCP_SESSION_NOT_FOUND")),
        json!({"kind": "rateLimit", "name": "a caller past its limit", "source": "RFC 6585 §4", "retryAfter": 60,
            "expect": {"ok": false, "status": 429, "code": "ERR_RATE_LIMITED", "retryAfter": "60"}}),
    ];
    let doc = json!({"description": "The gateway's own refusals (transport, sessions, rate limits)", "resource": RESOURCE, "cases": cases});
    out.insert("gateway/refusals.json".into(), format!("{}\n", serde_json::to_string_pretty(&doc).unwrap()));
}
