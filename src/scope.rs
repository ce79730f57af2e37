//! OAuth scopes (RFC 6749 §3.3) as the token carries them and as requests need them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::claim_path::ClaimPath;
use crate::error::AuthError;
use crate::json::Object;

/// True if `s` is one RFC 6749 §3.3 `scope-token`: `1*( %x21 / %x23-5B / %x5D-7E )`.
///
/// The grammar excludes space, `"` and `\`, so a valid scope can be placed in a
/// challenge's quoted `scope` parameter verbatim (RFC 6750 §3).
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Adds `scope` to `set` unless already present (order of first appearance is kept).
pub(crate) fn insert(set: &mut Vec<String>, scope: &str) {
    if !set.iter().any(|s| s == scope) {
        set.push(scope.to_owned());
    }
}

/// The token's scopes: the union of the configured scope claims, each a
/// space-delimited string (RFC 9068 §2.2.3, RFC 8693 §4.2), an array of
/// strings (the `scp` convention, Keycloak's `roles`), or an object whose
/// member names are the scopes (ZITADEL's project roles). A scope claim of
/// any other type is refused.
///
/// Only RFC 6749 §3.3 scope tokens are granted; any other element (an array
/// member `"x pet-profile:write"`, a tab, a quote, non-ASCII) is dropped.
/// Granting it would hand the origin, which reads the space-separated
/// `X-MCP-Auth-Scopes` header, scopes the gateway never decided on.
pub fn granted(claims: &Object, scope_claims: &[ClaimPath]) -> Result<Vec<String>, AuthError> {
    let mut out = Vec::new();
    let mut grant = |s: &str| {
        if is_scope_token(s) {
            insert(&mut out, s);
        }
    };
    for path in scope_claims {
        let invalid = || AuthError::ClaimInvalid { claim: path.to_string() };
        let Some(found) = path.find(claims) else { continue };
        if let Some(s) = found.as_str() {
            s.split(' ').for_each(&mut grant);
            continue;
        }
        match found.value() {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    grant(item.as_str().ok_or_else(invalid)?);
                }
            }
            Some(Value::Object(members)) => members.keys().for_each(|k| grant(k)),
            Some(_) => return Err(invalid()),
        }
    }
    Ok(out)
}

/// The scopes a token holds for deciding: each granted scope, also under
/// the issuer's `scopePrefix` (Entra's `scp` says `Pets.Write` for
/// `api://app/Pets.Write`), then everything those imply (`scopeImplies`,
/// already transitive: MCP authorization 2026-07-28 asks servers to account
/// for scope hierarchies).
pub fn held(granted: &[String], prefix: Option<&str>, implies: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut out = Vec::with_capacity(granted.len());
    for g in granted {
        insert(&mut out, g);
        if let Some(p) = prefix {
            insert(&mut out, &format!("{p}{g}"));
        }
    }
    for i in 0..out.len() {
        for implied in implies.get(&out[i]).into_iter().flatten() {
            insert(&mut out, &implied.clone());
        }
    }
    out
}

/// True if every needed scope is held as a whole token (no prefix or substring matches).
pub fn covers(held: &[String], needed: &[String]) -> bool {
    needed.iter().all(|n| held.iter().any(|g| g == n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_token_grammar() {
        assert!(is_scope_token("pet-profile:write"));
        assert!(is_scope_token("a!#[]~"));
        for bad in ["", "a b", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
    }

    fn paths(list: &[&str]) -> Vec<ClaimPath> {
        list.iter().map(|p| ClaimPath::parse(p).unwrap()).collect()
    }

    #[test]
    fn union_of_string_and_array_claims() {
        let claims = json!({"scope": "a  b", "scp": ["b", "c"]});
        let names = paths(&["scope", "scp"]);
        assert_eq!(granted(&crate::json::object(claims.clone()), &names).unwrap(), ["a", "b", "c"]);
        let bad = json!({"scp": ["a", 1]});
        assert!(granted(&crate::json::object(bad.clone()), &names).is_err());
        let bad = json!({"scope": 7});
        assert!(granted(&crate::json::object(bad.clone()), &names).is_err());
    }

    #[test]
    fn nested_and_object_claims_grant_their_roles() {
        let claims = json!({
            "realm_access": {"roles": ["vet"]},
            "resource_access": {"vetassist-mcp": {"roles": ["pet-profile:read"]}, "account": {"roles": ["manage-account"]}},
            "urn:zitadel:iam:org:project:roles": {"pet-profile:write": {"123": "vet.example"}},
        });
        let names = paths(&["/realm_access/roles", "/resource_access/vetassist-mcp/roles", "/urn:zitadel:iam:org:project:roles", "/absent/roles"]);
        assert_eq!(granted(&crate::json::object(claims.clone()), &names).unwrap(), ["vet", "pet-profile:read", "pet-profile:write"]);
        let bad = json!({"realm_access": {"roles": [1]}});
        assert_eq!(granted(&crate::json::object(bad.clone()), &names), Err(AuthError::ClaimInvalid { claim: "/realm_access/roles".into() }));
    }

    #[test]
    fn hierarchy_and_prefix_decide_what_is_held() {
        let implies: BTreeMap<String, Vec<String>> =
            [("vet:admin", vec!["api://v/Pets.Write", "api://v/Pets.Read"]), ("api://v/Pets.Write", vec!["api://v/Pets.Read"])]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
                .collect();
        let held = held(&["Pets.Write".to_owned()], Some("api://v/"), &implies);
        assert_eq!(held, ["Pets.Write", "api://v/Pets.Write", "api://v/Pets.Read"]);
        assert!(covers(&held, &["api://v/Pets.Read".to_owned()]));
        assert!(!covers(&held, &["vet:admin".to_owned()]));
        assert!(!covers(&held, &["Pets.Read".to_owned()]), "a prefix adds the long names, implications are in long names");
    }

    #[test]
    fn only_scope_tokens_are_granted() {
        let names = paths(&["scope", "scp"]);
        let claims = json!({"scp": ["mcp:access", "x pet-profile:write", "a\tb", "q\"", "é", ""], "scope": "read\twrite ok"});
        assert_eq!(granted(&crate::json::object(claims.clone()), &names).unwrap(), ["ok", "mcp:access"]);
    }

    #[test]
    fn whole_tokens_only() {
        let g = vec!["pet-profile:writer".to_owned(), "read".to_owned()];
        assert!(!covers(&g, &["pet-profile:write".to_owned()]));
        assert!(covers(&g, &["read".to_owned()]));
        assert!(covers(&g, &[]));
    }
}
