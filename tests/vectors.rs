//! The one loader for `tests/vectors/*.json`: every case goes through the
//! public API exactly as a caller would use it, and every expectation the file
//! states is checked. The npm package runs the same files against the wasm build.

use std::collections::BTreeMap;
use std::path::Path;

use mcp_edge_auth::crypto::verify_jws_signature;
use mcp_edge_auth::decision::Decision;
use mcp_edge_auth::json::Member;
use mcp_edge_auth::{base64url, AuthInfo, Config, Policy, Validator};
use serde_json::Value;

fn files() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "expected the vector files, found {}", out.len());
    out
}

/// Runs one token case; returns a description of every mismatch.
fn run_case(file: &Value, case: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let config = &file["configs"][case["config"].as_str().unwrap()];
    let policy = Policy::from_config(Config::from_value(config.clone()).unwrap()).unwrap();
    let mut validator = Validator::new(policy);
    let mut skipped = Vec::new();
    for (issuer, jwks) in file["keySets"][case["keySets"].as_str().unwrap()].as_object().unwrap() {
        let report = validator.set_jwks(issuer, jwks.to_string().as_bytes()).unwrap();
        skipped.extend(report.skipped.into_iter().map(|s| s.kid.unwrap_or_default()));
    }
    if let Some(want) = case.get("skipped") {
        let want: Vec<String> = serde_json::from_value(want.clone()).unwrap();
        if skipped != want {
            problems.push(format!("skipped keys {skipped:?}, want {want:?}"));
        }
    } else if !skipped.is_empty() {
        problems.push(format!("unexpected skipped keys {skipped:?}"));
    }

    let authorization = case["authorization"].as_str();
    let body = case.get("body").and_then(Value::as_str).map(str::as_bytes);
    let now = case["now"].as_u64().unwrap();
    let expect = &case["expect"];
    // A case with `contentType` is an HTTP body with those header values.
    let decision = match (case.get("contentType"), body) {
        (Some(content_type), Some(bytes)) => {
            let operations = validator.inspect_http(content_type.as_str(), case["contentEncoding"].as_str(), bytes);
            validator.decide(&mut Decision::new(authorization, operations), now).map(|accepted| accepted.info().clone())
        }
        _ => validator.verify(authorization, body, now),
    };
    match (decision, expect["ok"].as_bool().unwrap()) {
        (Ok(info), true) => {
            if let Some(scopes) = expect.get("scopes") {
                let want: Vec<String> = serde_json::from_value(scopes.clone()).unwrap();
                if info.scopes != want {
                    problems.push(format!("scopes {:?}, want {want:?}", info.scopes));
                }
            }
            if let Some(client) = expect.get("clientId") {
                if info.client_id.as_deref() != client.as_str() {
                    problems.push(format!("clientId {:?}, want {client}", info.client_id));
                }
            }
            let claims = &info.claims;
            let claim = |name: &str| claims.get(name).and_then(Member::as_str);
            if Some(info.issuer.as_str()) != claim("iss") || info.resource != config["resource"] || info.subject.as_deref() != claim("sub") {
                problems.push("authInfo does not reflect the token".into());
            }
        }
        (Err(refusal), false) => {
            let got = refusal.to_json();
            for key in ["status", "code"] {
                if got[key] != expect[key] {
                    problems.push(format!("{key} {}, want {}", got[key], expect[key]));
                }
            }
            if got.get("error") != expect.get("error") {
                problems.push(format!("error {:?}, want {:?}", got.get("error"), expect.get("error")));
            }
            let challenge = &refusal.www_authenticate;
            let has_error = challenge.contains(" error=\"") || challenge.contains(", error=\"");
            if !challenge.starts_with("Bearer ") || has_error != expect.get("error").is_some() || !challenge.contains("resource_metadata=\"https://") {
                problems.push(format!("challenge {challenge:?} does not fit the refusal"));
            }
            if let Some(e) = expect.get("error").and_then(Value::as_str) {
                if !challenge.contains(&format!("error=\"{e}\"")) {
                    problems.push(format!("challenge {challenge:?} lacks error {e}"));
                }
            }
            if let Some(scope) = expect.get("scope").and_then(Value::as_str) {
                if !challenge.contains(&format!("scope=\"{scope}\"")) {
                    problems.push(format!("challenge {challenge:?} lacks scope {scope:?}"));
                }
            }
            // Nothing from the request may reach the response.
            if let Some(auth) = authorization {
                let token = auth.rsplit(' ').next().unwrap_or(auth);
                if token.len() > 8 && (challenge.contains(token) || got.to_string().contains(token)) {
                    problems.push("the token was echoed into the response".into());
                }
            }
        }
        (Ok(_), false) => problems.push(format!("accepted, want {}", expect["code"])),
        (Err(r), true) => problems.push(format!("refused with {}, want acceptance", r.error.code())),
    }
    problems
}

fn run_signature(sig: &Value) -> Vec<String> {
    let input = sig["signingInput"].as_str().unwrap().as_bytes();
    let signature = base64url::decode(sig["signature"].as_str().unwrap().as_bytes()).unwrap();
    let got = match verify_jws_signature(sig["alg"].as_str().unwrap(), &sig["jwk"].to_string(), input, &signature) {
        Ok(true) => "valid",
        Ok(false) => "invalid",
        Err(_) => "unsupported",
    };
    if got == sig["expect"] {
        Vec::new()
    } else {
        vec![format!("{got}, want {}", sig["expect"])]
    }
}

#[test]
fn every_vector_file_passes() {
    let mut failures = BTreeMap::new();
    let mut count = 0;
    let mut codes_seen = std::collections::BTreeSet::new();
    for (name, file) in files() {
        for case in file["cases"].as_array().unwrap() {
            count += 1;
            let id = format!("{name}: {} [{}]", case["name"].as_str().unwrap(), case["source"].as_str().unwrap());
            if let Some(code) = case["expect"]["code"].as_str() {
                codes_seen.insert(code.to_owned());
            }
            let problems = run_case(&file, case);
            println!("{} {id}", if problems.is_empty() { "ok  " } else { "FAIL" });
            if !problems.is_empty() {
                failures.insert(id, problems);
            }
        }
        for sig in file.get("signatures").and_then(Value::as_array).into_iter().flatten() {
            count += 1;
            let id = format!("{name}: signature {} [{}]", sig["name"].as_str().unwrap(), sig["source"].as_str().unwrap());
            let problems = run_signature(sig);
            println!("{} {id}", if problems.is_empty() { "ok  " } else { "FAIL" });
            if !problems.is_empty() {
                failures.insert(id, problems);
            }
        }
    }
    println!("{count} vectors");
    assert!(failures.is_empty(), "{} of {count} vectors failed:\n{failures:#?}", failures.len());
    // Every stable code, the token's and the gateway's own, is exercised by at least one vector.
    let (gateway_count, gateway_codes) = gateway_refusals();
    println!("{gateway_count} gateway vectors");
    codes_seen.extend(gateway_codes);
    let missing: Vec<_> = mcp_edge_auth::error::all_codes().filter(|c| !codes_seen.contains(*c)).collect();
    assert!(missing.is_empty(), "no vector produces {missing:?}");
}

/// One answer, as the vectors state it: `{"ok": true}`, or the refusal's status, code and `Retry-After`.
fn outcome(answer: Option<&mcp_edge_auth::responses::Answer>) -> Value {
    let Some(answer) = answer else { return serde_json::json!({"ok": true}) };
    let body: Value = serde_json::from_str(answer.body.as_deref().unwrap_or("null")).unwrap();
    // A JSON-RPC error body carries the code in error.data; a transport refusal at the top.
    let code = body.pointer("/error/data/code").or_else(|| body.get("code")).cloned().unwrap_or(Value::Null);
    let mut v = serde_json::json!({"ok": false, "status": answer.status, "code": code});
    if let Some((_, seconds)) = answer.headers.iter().find(|(n, _)| *n == "Retry-After") {
        v["retryAfter"] = seconds.clone().into();
    }
    v
}

/// Runs tests/vectors/gateway/refusals.json natively; returns how many cases and the codes they produced.
fn gateway_refusals() -> (usize, Vec<String>) {
    use mcp_edge_auth::gateway::{check_transport, sessions, split_config, RequestRefusal};
    use mcp_edge_auth::responses;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/gateway/refusals.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let resource = file["resource"].as_str().unwrap();
    let authority = resource.split('/').nth(2).unwrap();
    let (mut failures, mut codes) = (Vec::new(), Vec::new());
    let cases = file["cases"].as_array().unwrap();
    for case in cases {
        let answer = match case["kind"].as_str().unwrap() {
            "transport" => {
                let mut config = serde_json::json!({"resource": resource, "issuers": [{"issuer": "https://auth.example.com"}]});
                config.as_object_mut().unwrap().extend(case["settings"].as_object().unwrap().clone());
                let (_, settings) = split_config(config).unwrap();
                check_transport(&settings, authority, case["host"].as_str().unwrap(), case["origin"].as_str()).err().map(responses::transport_refusal)
            }
            "session" => {
                let who = |v: &Value| AuthInfo {
                    issuer: v["issuer"].as_str().unwrap().into(),
                    subject: v["subject"].as_str().map(Into::into),
                    client_id: v["clientId"].as_str().map(Into::into),
                    token: String::new(),
                    scopes: Vec::new(),
                    expires_at: 0,
                    resource: resource.into(),
                    audience: Vec::new(),
                    claims: Default::default(),
                };
                let now = case["now"].as_u64().unwrap();
                let stored = (!case["creator"].is_null()).then(|| sessions::record(&who(&case["creator"]), now - 60));
                match sessions::check(stored.as_deref(), &who(&case["caller"]), now) {
                    sessions::SessionCheck::Refused { .. } => Some(responses::request_refusal(RequestRefusal::SessionNotFound, Vec::new())),
                    _ => None,
                }
            }
            "rateLimit" => Some(responses::request_refusal(RequestRefusal::RateLimited { retry_after: case["retryAfter"].as_u64().unwrap() }, Vec::new())),
            other => panic!("unknown kind {other}"),
        };
        let got = outcome(answer.as_ref());
        if let Some(code) = got["code"].as_str() {
            codes.push(code.to_owned());
        }
        let ok = got == case["expect"];
        println!("{} gateway/refusals.json: {}", if ok { "ok  " } else { "FAIL" }, case["name"].as_str().unwrap());
        if !ok {
            failures.push(format!("{}: got {got}, want {}", case["name"], case["expect"]));
        }
    }
    assert!(failures.is_empty(), "gateway vectors failed: {failures:#?}");
    (cases.len(), codes)
}
