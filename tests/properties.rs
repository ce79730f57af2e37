//! Property tests (proptest) for the gate's three promises:
//! 1. any change to a valid token's bytes is refused (canonical encodings make
//!    every other string decode to something else or to nothing);
//! 2. a key from another issuer's set never verifies a token;
//! 3. scope decisions match a small reference model (scope hierarchies, an
//!    issuer's scope prefix, and what a 403 challenge names included);
//!
//! and, below them, what reusing a verified token must never change.

use std::collections::BTreeSet;
use std::path::Path;

use mcp_edge_auth::base64url::{decode, encode};
use mcp_edge_auth::{Policy, Validator};
use p256::ecdsa::signature::Signer;
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: u64 = 1_767_225_600;
const RESOURCE: &str = "https://mcp.example.com/mcp";
const A: &str = "https://a.example.com";
const B: &str = "https://b.example.com";

fn private(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/keys/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn public(name: &str) -> Value {
    let mut k = private(name);
    k.as_object_mut().unwrap().remove("d");
    k["kid"] = name.into();
    k
}

fn signer(name: &str) -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&decode(private(name)["d"].as_str().unwrap().as_bytes()).unwrap()).unwrap()
}

fn sign(key: &str, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", encode(header.to_string().as_bytes()), encode(claims.to_string().as_bytes()));
    let sig: p256::ecdsa::Signature = signer(key).sign(input.as_bytes());
    format!("{input}.{}", encode(&sig.to_bytes()))
}

fn validator(config: Value) -> Validator {
    let mut v = Validator::new(Policy::from_config(mcp_edge_auth::Config::from_value(config).unwrap()).unwrap());
    v.set_jwks(A, json!({"keys": [public("p256")]}).to_string().as_bytes()).unwrap();
    v.set_jwks(B, json!({"keys": [public("other-p256")]}).to_string().as_bytes()).unwrap();
    v
}

fn base_config() -> Value {
    json!({"resource": RESOURCE, "issuers": [{"issuer": A}, {"issuer": B}]})
}

fn claims(iss: &str, scope: &str) -> Value {
    json!({"iss": iss, "aud": RESOURCE, "exp": NOW + 600, "sub": "u", "scope": scope})
}

fn good_token() -> String {
    sign("p256", &json!({"alg": "ES256", "kid": "p256", "typ": "at+jwt"}), &claims(A, "read write"))
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        // Mostly base64url and structural characters: the mutations most likely to slip through.
        (any::<usize>(), proptest::sample::select(b"AQgw_-.=+/ ".to_vec())).prop_map(|(i, b)| Mutation::Replace(i, b)),
    ]
}

fn apply(token: &[u8], m: &Mutation) -> Vec<u8> {
    let mut t = token.to_vec();
    if token.is_empty() {
        // Only an insertion changes an empty string.
        if let Mutation::Insert(_, b) = *m {
            t.push(b);
        }
        return t;
    }
    match *m {
        Mutation::Replace(i, b) => t[i % token.len()] = b,
        Mutation::Insert(i, b) => t.insert(i % (token.len() + 1), b),
        Mutation::Delete(i) => {
            t.remove(i % token.len());
        }
        Mutation::Truncate(i) => t.truncate(i % token.len()),
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_change_to_a_valid_token_is_refused(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let v = validator(base_config());
        let token = good_token();
        prop_assert!(v.verify(Some(&token), None, NOW).is_ok());
        let mut bytes = token.clone().into_bytes();
        for m in &mutations {
            bytes = apply(&bytes, m);
        }
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        if mutated != token {
            prop_assert!(v.verify(Some(&mutated), None, NOW).is_err(), "accepted a changed token: {}", mutated);
            let header = format!("Bearer {mutated}");
            prop_assert!(v.verify(Some(&header), None, NOW).is_err());
        }
    }

    #[test]
    fn a_key_from_another_issuer_never_verifies(
        kid in proptest::sample::select(vec![Some("p256"), Some("other-p256"), None]),
        scope in "[a-z]{1,8}( [a-z]{1,8}){0,3}",
        extra in proptest::option::of("[a-z]{1,12}"),
    ) {
        let v = validator(base_config());
        let mut header = json!({"alg": "ES256", "typ": "at+jwt"});
        if let Some(k) = kid {
            header["kid"] = k.into();
        }
        let mut c = claims(A, &scope);
        if let Some(x) = extra {
            c["x"] = x.into();
        }
        // Signed by B's key, claiming to come from A.
        let forged = sign("other-p256", &header, &c);
        prop_assert!(v.verify(Some(&forged), None, NOW).is_err());
        // And the reverse.
        let forged = sign("p256", &header, &claims(B, &scope));
        prop_assert!(v.verify(Some(&forged), None, NOW).is_err());
    }

    #[test]
    fn scope_decisions_match_a_reference_model(
        granted in proptest::collection::btree_set("s[0-5]", 0..6),
        required in proptest::collection::btree_set(scope_name(), 0..3),
        tools in proptest::collection::btree_map("t[0-4]", proptest::collection::btree_set(scope_name(), 0..3), 0..5),
        calls in proptest::collection::vec("t[0-6]", 0..4),
        implications in proptest::collection::btree_map(0usize..12, proptest::collection::btree_set(0usize..12, 0..3), 0..5),
        prefix in any::<bool>(),
        deny in any::<bool>(),
        granted_in_challenge in any::<bool>(),
    ) {
        // The twelve scope names: s0..s5 and their prefixed forms; an implication only points
        // to a later name, so the hierarchy never has a cycle.
        let names: Vec<String> = (0..6).map(|i| format!("s{i}")).chain((0..6).map(|i| format!("p/s{i}"))).collect();
        let implies: std::collections::BTreeMap<String, BTreeSet<String>> = implications
            .iter()
            .map(|(from, to)| (names[*from].clone(), to.iter().filter(|t| *t > from).map(|t| names[*t].clone()).collect()))
            .filter(|(_, to): &(String, BTreeSet<String>)| !to.is_empty())
            .collect();
        let mut config = base_config();
        if prefix {
            config["issuers"][0]["scopePrefix"] = "p/".into();
        }
        config["requiredScopes"] = json!(required);
        config["tools"] = json!(tools);
        config["scopeImplies"] = json!(implies);
        config["defaultPolicy"] = (if deny { "deny" } else { "allow" }).into();
        config["challengeScopes"] = (if granted_in_challenge { "neededAndGranted" } else { "needed" }).into();
        let v = validator(config);
        let token = sign("p256", &json!({"alg": "ES256", "kid": "p256"}), &claims(A, &granted.iter().cloned().collect::<Vec<_>>().join(" ")));
        let batch: Vec<Value> = calls.iter().enumerate().map(|(i, t)| json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": t}})).collect();
        let body = if batch.is_empty() { None } else { Some(Value::Array(batch).to_string()) };
        let result = v.verify(Some(&token), body.as_deref().map(str::as_bytes), NOW);

        // The model: unlisted tools are refused under deny; otherwise every needed scope must be
        // held: granted, or granted under the prefix, or implied by one of those, transitively.
        let unlisted = calls.iter().any(|t| !tools.contains_key(t));
        let needed: BTreeSet<String> = required.iter().cloned().chain(calls.iter().filter_map(|t| tools.get(t)).flatten().cloned()).collect();
        let direct: BTreeSet<String> = granted.iter().cloned().chain(granted.iter().filter(|_| prefix).map(|g| format!("p/{g}"))).collect();
        let mut held = direct.clone();
        loop {
            let more: BTreeSet<String> = held.iter().filter_map(|h| implies.get(h)).flatten().cloned().collect();
            if more.is_subset(&held) {
                break;
            }
            held.extend(more);
        }
        match result {
            Ok(info) => {
                prop_assert!(!(deny && unlisted));
                prop_assert!(needed.is_subset(&held));
                prop_assert_eq!(info.scopes.iter().cloned().collect::<BTreeSet<_>>(), granted.clone(), "AuthInfo.scopes is what the token granted");
            }
            Err(r) if deny && unlisted => prop_assert_eq!(r.error.code(), "ERR_MCP_OPERATION_DENIED"),
            Err(r) => {
                prop_assert_eq!(r.error.code(), "ERR_INSUFFICIENT_SCOPE");
                prop_assert!(!needed.is_subset(&held));
                // The challenge names what the request needs and, by default, what the token
                // already holds directly that this resource knows (required or any tool's scopes).
                let known: BTreeSet<String> = required.iter().cloned().chain(tools.values().flatten().cloned()).collect();
                let mut want = needed.clone();
                if granted_in_challenge {
                    want.extend(known.intersection(&direct).cloned());
                }
                let challenged: BTreeSet<String> = r.www_authenticate.split("scope=\"").nth(1).unwrap_or("").split('"').next().unwrap_or("").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
                prop_assert_eq!(challenged, want);
            }
        }
    }
}

fn scope_name() -> impl Strategy<Value = String> {
    prop_oneof!["s[0-5]", "p/s[0-5]"]
}

// ------------------------------------------------------------ the verified-token cache

#[test]
fn a_reused_verification_still_expires() {
    let v = validator(base_config());
    let token = good_token(); // exp = NOW + 600, leeway 60
    assert!(v.verify(Some(&token), None, NOW).is_ok());
    assert!(v.verify(Some(&token), None, NOW + 659).is_ok(), "second use, from the cache");
    let refused = v.verify(Some(&token), None, NOW + 660).unwrap_err();
    assert_eq!(refused.error.code(), "ERR_JWT_EXPIRED");
    assert!(v.verify(Some(&token), None, NOW).is_ok(), "an earlier clock verifies afresh");
}

#[test]
fn a_reused_verification_is_dropped_when_the_issuers_keys_change() {
    let mut v = validator(base_config());
    let token = good_token();
    assert!(v.verify(Some(&token), None, NOW).is_ok());
    v.set_jwks(A, json!({"keys": [public("other-p256")]}).to_string().as_bytes()).unwrap();
    assert_eq!(v.verify(Some(&token), None, NOW).unwrap_err().error.code(), "ERR_JWKS_NO_MATCHING_KEY");
    // The other issuer's keys changing does not matter to A's tokens once A's keys are back.
    v.set_jwks(A, json!({"keys": [public("p256")]}).to_string().as_bytes()).unwrap();
    assert!(v.verify(Some(&token), None, NOW).is_ok());
    v.set_jwks(B, json!({"keys": [public("other-p256")]}).to_string().as_bytes()).unwrap();
    assert!(v.verify(Some(&token), None, NOW).is_ok());
}

#[test]
fn a_reused_verification_still_needs_each_requests_scopes() {
    let mut config = base_config();
    config["tools"] = json!({"update": ["admin"]});
    let v = validator(config);
    let token = good_token(); // scope "read write"
    assert!(v.verify(Some(&token), None, NOW).is_ok());
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"update"}}"#;
    assert_eq!(v.verify(Some(&token), Some(body), NOW).unwrap_err().error.code(), "ERR_INSUFFICIENT_SCOPE");
    // And a refused token is never served from the cache as accepted.
    let forged = format!("{}AAAA", &token[..token.len() - 4]);
    for _ in 0..3 {
        assert_eq!(v.verify(Some(&forged), None, NOW).unwrap_err().error.code(), "ERR_JWS_SIGNATURE");
    }
}
