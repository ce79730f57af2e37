//! claims.json: every time edge, audience, required claims and `typ`.

use serde_json::{json, Value};

use crate::file::{default_config, invalid, ok, with, File, Files, READ};
use crate::keys::{claims, header, jws, token, Keys};
use crate::{AUTH, NOW, OTHER, RESOURCE};

pub fn generate(k: &Keys, out: &mut Files) {
    let mut f = File::new("Claims: every time edge, audience, required claims and typ", k);
    let t = |changes: Value| token(&k.p256, "ES256", changes);
    let n = NOW as f64;
    let cases: Vec<(&str, &str, Value, Value)> = vec![
        ("exp exactly at now - leeway", "RFC 7519 §4.1.4 (on or after exp is expired)", json!({"exp": NOW - 60}), invalid("ERR_JWT_EXPIRED")),
        ("exp one second inside the leeway", "RFC 7519 §4.1.4", json!({"exp": NOW - 59}), ok(READ)),
        ("exp half a second inside the leeway", "RFC 7519 §2 NumericDate (non-integer)", json!({"exp": n - 59.5}), ok(READ)),
        ("exp half a second past the leeway", "RFC 7519 §2 NumericDate", json!({"exp": n - 60.5}), invalid("ERR_JWT_EXPIRED")),
        ("exp negative", "RFC 7519 §4.1.4", json!({"exp": -1}), invalid("ERR_JWT_EXPIRED")),
        ("exp far future (1e300)", "RFC 7519 §2", json!({"exp": 1e300}), ok(READ)),
        ("exp a string", "RFC 7519 §2 NumericDate", json!({"exp": (NOW + 3600).to_string()}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("exp null", "RFC 7519 §2", json!({"exp": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("exp true", "RFC 7519 §2", json!({"exp": true}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("exp in an array", "RFC 7519 §2", json!({"exp": [NOW + 3600]}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("nbf exactly now + leeway", "RFC 7519 §4.1.5", json!({"nbf": NOW + 60}), ok(READ)),
        ("nbf one second past now + leeway", "RFC 7519 §4.1.5", json!({"nbf": NOW + 61}), invalid("ERR_JWT_NOT_YET_VALID")),
        ("nbf a string", "RFC 7519 §4.1.5", json!({"nbf": "0"}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("iat exactly now + leeway", "RFC 7519 §4.1.6", json!({"iat": NOW + 60}), ok(READ)),
        ("iat one second past now + leeway", "RFC 7519 §4.1.6", json!({"iat": NOW + 61}), invalid("ERR_JWT_ISSUED_IN_FUTURE")),
        ("iat a string (required)", "RFC 7519 §4.1.6", json!({"iat": "yesterday"}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud another resource", "RFC 9068 §4, RFC 8707", json!({"aud": "https://other-mcp.example.com/mcp"}), invalid("ERR_JWT_AUDIENCE")),
        ("aud array containing this resource", "RFC 7519 §4.1.3", json!({"aud": ["https://x.example", RESOURCE]}), ok(READ)),
        ("aud array without this resource", "RFC 7519 §4.1.3", json!({"aud": ["https://x.example"]}), invalid("ERR_JWT_AUDIENCE")),
        ("aud empty array", "RFC 7519 §4.1.3", json!({"aud": []}), invalid("ERR_JWT_AUDIENCE")),
        ("aud with a trailing slash", "RFC 7519 §4.1.3 (exact match)", json!({"aud": format!("{RESOURCE}/")}), invalid("ERR_JWT_AUDIENCE")),
        ("aud with different host case", "RFC 7519 §4.1.3 (exact match)", json!({"aud": "https://MCP.example.com/mcp"}), invalid("ERR_JWT_AUDIENCE")),
        ("aud a number", "RFC 7519 §4.1.3", json!({"aud": 7}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud array with a number", "RFC 7519 §4.1.3", json!({"aud": [RESOURCE, 7]}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("aud missing", "RFC 9068 §4", json!({"aud": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("sub missing (required)", "requiredClaims", json!({"sub": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("sub a number", "RFC 7519 §4.1.2", json!({"sub": 42}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("client_id missing (required)", "requiredClaims, RFC 9068 §2.2", json!({"client_id": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("client_id an object", "RFC 9068 §2.2", json!({"client_id": {"id": "x"}}), invalid("ERR_JWT_CLAIM_INVALID")),
        ("jti missing (required)", "requiredClaims", json!({"jti": null}), invalid("ERR_JWT_CLAIM_MISSING")),
        ("iat missing (required)", "requiredClaims", json!({"iat": null}), invalid("ERR_JWT_CLAIM_MISSING")),
    ];
    for (name, source, changes, expect) in cases {
        f.case(name, source, Some(t(changes)), expect);
    }
    // exp = 1e309 overflows a double: the claims set is not valid JSON for us.
    let p = claims(json!({})).to_string().replace(&format!("\"exp\":{}", NOW + 3600), "\"exp\":1e309");
    f.case(
        "exp 1e309 (overflows a double)",
        "RFC 7519 §2, RFC 8259 §6",
        Some(jws(&k.p256, "ES256", &header("ES256", "p256"), &p)),
        invalid("ERR_JWT_PAYLOAD_INVALID"),
    );

    f.configs.insert("alternate audience".into(), with(default_config(), json!({"audiences": ["api://vetassist"]})));
    let c = f.case("aud one of the configured audiences", "RFC 7519 §4.1.3", Some(t(json!({"aud": "api://vetassist"}))), ok(READ));
    c["config"] = "alternate audience".into();

    f.configs.insert("minimal".into(), json!({"resource": RESOURCE, "issuers": [{"issuer": AUTH}, {"issuer": OTHER}]}));
    let c = f.case(
        "client id from azp when client_id is absent",
        "RFC 9068 §2.2, OIDC azp",
        Some(t(json!({"client_id": null, "azp": "azp-client", "sub": null, "jti": null, "iat": null}))),
        json!({"ok": true, "clientId": "azp-client", "scopes": READ}),
    );
    c["config"] = "minimal".into();

    // typ.
    f.configs.insert("strict typ".into(), with(default_config(), json!({"issuers": [{"issuer": AUTH, "typ": "at+jwt"}, {"issuer": OTHER}]})));
    let typed = |typ: Option<&str>| {
        let mut h = json!({"alg": "ES256", "kid": "p256"});
        if let Some(typ) = typ {
            h["typ"] = typ.into();
        }
        jws(&k.p256, "ES256", &h.to_string(), &claims(json!({})).to_string())
    };
    for (typ, strict, lenient) in [
        (Some("at+jwt"), true, true),
        (Some("application/at+jwt"), true, true),
        (Some("AT+JWT"), true, true),
        (Some("JWT"), false, true),
        (Some("jwt"), false, true),
        (None, false, true),
        (Some("JOSE"), false, false),
        (Some("dpop+jwt"), false, false),
        (Some("id_token+jwt"), false, false),
    ] {
        let label = typ.map_or("absent".to_owned(), |t| format!("{t:?}"));
        let expect = |pass: bool| if pass { ok(READ) } else { invalid("ERR_JWT_TYPE") };
        let c = f.case(&format!("strict typ, typ {label}"), "RFC 9068 §2.1, RFC 8725 §3.11", Some(typed(typ)), expect(strict));
        c["config"] = "strict typ".into();
        f.case(&format!("lenient typ, typ {label}"), "RFC 8725 §3.11", Some(typed(typ)), expect(lenient));
    }
    let h = json!({"alg": "ES256", "kid": "p256", "typ": 1}).to_string();
    f.case("typ a number", "RFC 7515 §4.1.9", Some(jws(&k.p256, "ES256", &h, &claims(json!({})).to_string())), invalid("ERR_JWS_HEADER_INVALID"));
    f.write("claims", out);
}
