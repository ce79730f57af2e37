//! requests.json: Bearer extraction, scopes and per-operation MCP policy.

use serde_json::{json, Value};

use crate::file::{default_config, invalid, ok, refused, tool_call, with, File, Files, READ};
use crate::keys::{token, Keys};
use crate::NOW;

pub fn generate(k: &Keys, out: &mut Files) {
    let mut f = File::new("Bearer extraction, scopes and per-operation MCP policy", k);
    let read = token(&k.p256, "ES256", json!({}));
    let write = token(&k.p256, "ES256", json!({"scope": "mcp:access pet-profile:read pet-profile:write"}));

    f.case("no Authorization header", "RFC 6750 §3.1 (no error code)", None, refused(401, None, "ERR_NO_BEARER_TOKEN"));
    f.case("another scheme", "RFC 6750 §3.1", Some("Basic dXNlcjpwYXNz".into()), refused(401, None, "ERR_NO_BEARER_TOKEN"));
    for (what, value) in [
        ("Bearer and no token", "Bearer".to_owned()),
        ("two tokens", format!("Bearer {read} {read}")),
        ("token with a comma", format!("Bearer {read},")),
        ("token with a quote", "Bearer \"abc\"".to_owned()),
        // Every host hands the core the value as UTF-8: a character outside
        // ASCII arrives as its bytes and is refused where it stands.
        ("a valid token, then a character outside ASCII", format!("Bearer {read}\u{e4}")),
        ("a no-break space after the scheme", format!("Bearer\u{a0}{read}")),
    ] {
        f.case(what, "RFC 6750 §2.1", Some(value), refused(400, Some("invalid_request"), "ERR_BEARER_MALFORMED"));
    }
    f.case("scheme in lower case", "RFC 6750 §2.1 (case-insensitive scheme)", Some(format!("bearer {read}")), ok(READ));
    f.case("several spaces after the scheme", "RFC 6750 §2.1 (1*SP)", Some(format!("BEARER   {read}")), ok(READ));

    let cases: Vec<(&str, &str, &String, Value, Value)> = vec![
        ("get_pet_profile with pet-profile:read", "per-tool scopes", &read, tool_call("get_pet_profile"), ok(READ)),
        (
            "update_pet_profile with pet-profile:write",
            "per-tool scopes",
            &write,
            tool_call("update_pet_profile"),
            ok(&["mcp:access", "pet-profile:read", "pet-profile:write"]),
        ),
        ("unlisted tool under defaultPolicy allow", "defaultPolicy", &read, tool_call("book_appointment"), ok(READ)),
        ("initialize needs only the base scopes", "requiredScopes", &read, json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}), ok(READ)),
        ("a JSON-RPC response from the client", "JSON-RPC 2.0 §5", &read, json!({"jsonrpc":"2.0","id":"srv-1","result":{}}), ok(READ)),
    ];
    for (name, source, tok, body, expect) in cases {
        let c = f.case(name, source, Some(tok.clone()), expect);
        c["body"] = body.to_string().into();
    }
    let scope_case = |f: &mut File, name: &str, tok: &String, body: Option<Value>, scope: &str| {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = scope.into();
        let c = f.case(name, "RFC 6750 §3.1 insufficient_scope", Some(tok.clone()), e);
        if let Some(b) = body {
            c["body"] = b.to_string().into();
        }
    };
    // challengeScopes "neededAndGranted" (the default): the scopes the token already holds that this resource knows follow what is needed.
    scope_case(
        &mut f,
        "update_pet_profile with only pet-profile:read",
        &read,
        Some(tool_call("update_pet_profile")),
        "mcp:access pet-profile:write pet-profile:read",
    );
    scope_case(
        &mut f,
        "a batch needs the union of its tools",
        &read,
        Some(json!([tool_call("get_pet_profile"), tool_call("update_pet_profile")])),
        "mcp:access pet-profile:read pet-profile:write",
    );
    let no_base = token(&k.p256, "ES256", json!({"scope": "pet-profile:read"}));
    scope_case(&mut f, "token without the base scope", &no_base, None, "mcp:access pet-profile:read");
    let prefix = token(&k.p256, "ES256", json!({"scope": "mcp:access pet-profile:writer"}));
    scope_case(&mut f, "pet-profile:writer is not pet-profile:write", &prefix, Some(tool_call("update_pet_profile")), "mcp:access pet-profile:write");
    let scp = token(&k.p256, "ES256", json!({"scope": null, "scp": ["mcp:access", "pet-profile:write"]}));
    let c = f.case("scopes from an scp array", "scopeClaims", Some(scp), ok(&["mcp:access", "pet-profile:write"]));
    c["body"] = tool_call("update_pet_profile").to_string().into();
    f.case("scope claim a number", "RFC 8693 §4.2", Some(token(&k.p256, "ES256", json!({"scope": 7}))), invalid("ERR_JWT_CLAIM_INVALID"));

    for (what, body) in [
        ("not JSON", "{"),
        ("an empty batch", "[]"),
        ("tools/call without a name", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#),
        ("duplicate params.name", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile","name":"update_pet_profile"}}"#),
    ] {
        let c = f.case(&format!("body {what}"), "JSON-RPC 2.0 §4", Some(read.clone()), refused(400, Some("invalid_request"), "ERR_MCP_REQUEST_INVALID"));
        c["body"] = body.into();
    }
    let c = f.case("a bad body without a token is still a 401", "RFC 6750 §3.1 (authenticate first)", None, refused(401, None, "ERR_NO_BEARER_TOKEN"));
    c["body"] = "{".into();
    let expired = token(&k.p256, "ES256", json!({"exp": NOW - 3600}));
    let mut e = invalid("ERR_JWT_EXPIRED");
    e["scope"] = "mcp:access pet-profile:write".into();
    let c = f.case("a 401 hints at the scopes the request needs", "MCP authorization: scope in 401 challenges", Some(expired), e);
    c["body"] = tool_call("update_pet_profile").to_string().into();

    f.configs.insert("deny".into(), with(default_config(), json!({"defaultPolicy": "deny"})));
    for (what, body, expect) in [
        ("unlisted tool under defaultPolicy deny", tool_call("book_appointment"), refused(403, Some("insufficient_scope"), "ERR_MCP_OPERATION_DENIED")),
        ("listed tool under defaultPolicy deny", tool_call("get_pet_profile"), ok(READ)),
        ("initialize under defaultPolicy deny", json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}), ok(READ)),
    ] {
        let c = f.case(what, "defaultPolicy", Some(read.clone()), expect);
        c["config"] = "deny".into();
        c["body"] = body.to_string().into();
    }
    // One meaning for a body (RFC 9110 §8.3, §8.4; RFC 8259 §8.1): the HTTP
    // body's media type and coding, given as the cases' `contentType` and
    // `contentEncoding` (null: the field is absent).
    let http_case = |f: &mut File, what: &str, tok: Option<&String>, content_type: Option<&str>, content_encoding: Option<&str>, expect: Value| {
        let c = f.case(what, "RFC 9110 §8.3, §8.4, §15.5.16; RFC 8259 §8.1", tok.cloned(), expect);
        c["body"] = tool_call("get_pet_profile").to_string().into();
        c["contentType"] = content_type.into();
        c["contentEncoding"] = content_encoding.into();
    };
    http_case(&mut f, "an HTTP body of application/json", Some(&read), Some("application/json"), None, ok(READ));
    http_case(&mut f, "an HTTP body with charset=UTF-8", Some(&read), Some("Application/JSON; charset=\"UTF-8\""), Some("identity"), ok(READ));
    for media in ["application/json; charset=utf-7", "application/json; charset=utf-16le", "text/plain", "application/json; profile=x"] {
        http_case(&mut f, &format!("an HTTP body of {media}"), Some(&read), Some(media), None, refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_TYPE"));
    }
    http_case(&mut f, "an HTTP body without Content-Type", Some(&read), None, None, refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_TYPE"));
    http_case(
        &mut f,
        "a gzip-encoded HTTP body",
        Some(&read),
        Some("application/json"),
        Some("gzip"),
        refused(415, Some("invalid_request"), "ERR_MCP_CONTENT_ENCODING"),
    );
    http_case(
        &mut f,
        "a UTF-7 body without a token is still a 401",
        None,
        Some("application/json; charset=utf-7"),
        None,
        refused(401, None, "ERR_NO_BEARER_TOKEN"),
    );

    // Exact names and canonical resource URIs.
    for (what, body) in [
        ("a tool name with a leading space", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":" update_pet_profile"}}"#),
        ("a tool name with a trailing newline", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"update_pet_profile\n"}}"#),
        ("a prompt name with a NUL", r#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"triage\u0000"}}"#),
        ("a resource URI that is not a URL", r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"records/rex"}}"#),
    ] {
        let c =
            f.case(what, "exact operation names (parser differentials)", Some(read.clone()), refused(400, Some("invalid_request"), "ERR_MCP_REQUEST_INVALID"));
        c["body"] = body.into();
    }
    f.configs.insert("records".into(), with(default_config(), json!({"resources": {"vet://records/rex": ["records:read"]}})));
    for spelling in [
        "vet://records/rex",
        "VET://records/rex",
        "vet://records/./rex",
        "vet://records/x/../rex",
        "vet://records/%2E/rex",
        " vet://records/rex\n",
        "vet://records/%72ex#f",
    ] {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = "mcp:access records:read pet-profile:read".into();
        let c = f.case(
            &format!("resources/read of {spelling:?} needs the resource's scope"),
            "WHATWG URL Standard (as MCP SDKs look resources up)",
            Some(read.clone()),
            e,
        );
        c["config"] = "records".into();
        c["body"] = json!({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri": spelling}}).to_string().into();
    }
    let c = f.case("resources/read of another resource needs only the base scopes", "WHATWG URL Standard", Some(read.clone()), ok(READ));
    c["config"] = "records".into();
    c["body"] = json!({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri": "vet://records/tom"}}).to_string().into();

    // Only scope tokens are granted (RFC 6749 §3.3).
    let spaced = token(&k.p256, "ES256", json!({"scope": null, "scp": ["mcp:access", "pet-profile:read", "x pet-profile:write"]}));
    scope_case(
        &mut f,
        "an scp element holding a space grants nothing",
        &spaced,
        Some(tool_call("update_pet_profile")),
        "mcp:access pet-profile:write pet-profile:read",
    );
    f.configs.insert("needed challenge".into(), with(default_config(), json!({"challengeScopes": "needed"})));
    let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
    e["scope"] = "mcp:access pet-profile:write".into();
    let c = f.case("challengeScopes needed names only what the request needs", "challengeScopes", Some(read.clone()), e);
    c["config"] = "needed challenge".into();
    c["body"] = tool_call("update_pet_profile").to_string().into();
    let c = f.case("scopes that are not scope tokens are dropped", "RFC 6749 §3.3", Some(spaced), ok(READ));
    c["body"] = tool_call("get_pet_profile").to_string().into();

    f.configs.insert("small body".into(), with(default_config(), json!({"maxBodyBytes": 64})));
    let c = f.case("body over maxBodyBytes", "maxBodyBytes", Some(read.clone()), refused(413, Some("invalid_request"), "ERR_MCP_BODY_TOO_LARGE"));
    c["config"] = "small body".into();
    c["body"] = tool_call("get_pet_profile").to_string().into();
    f.write("requests", out);
}
