//! OAuth scopes (RFC 6749 §3.3) as the token carries them and as requests need them.

use serde_json::{Map, Value};

use crate::error::AuthError;

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
/// space-delimited string (RFC 9068 §2.2.3, RFC 8693 §4.2) or an array of
/// strings (the `scp` convention). A scope claim of any other type is refused.
///
/// Only RFC 6749 §3.3 scope tokens are granted; any other element (an array
/// member `"x pet-profile:write"`, a tab, a quote, non-ASCII) is dropped.
/// Granting it would hand the origin, which reads the space-separated
/// `X-MCP-Auth-Scopes` header, scopes the gateway never decided on.
pub fn granted(claims: &Map<String, Value>, scope_claims: &[String]) -> Result<Vec<String>, AuthError> {
    let mut out = Vec::new();
    let mut grant = |s: &str| {
        if is_scope_token(s) {
            insert(&mut out, s);
        }
    };
    for name in scope_claims {
        match claims.get(name) {
            None => {}
            Some(Value::String(s)) => s.split(' ').for_each(&mut grant),
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::String(s) => grant(s),
                        _ => return Err(AuthError::ClaimInvalid { claim: name.clone() }),
                    }
                }
            }
            Some(_) => return Err(AuthError::ClaimInvalid { claim: name.clone() }),
        }
    }
    Ok(out)
}

/// True if every needed scope is granted as a whole token (no prefix or substring matches).
pub fn covers(granted: &[String], needed: &[String]) -> bool {
    needed.iter().all(|n| granted.iter().any(|g| g == n))
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

    #[test]
    fn union_of_string_and_array_claims() {
        let claims = json!({"scope": "a  b", "scp": ["b", "c"]});
        let names = vec!["scope".to_owned(), "scp".to_owned()];
        assert_eq!(granted(claims.as_object().unwrap(), &names).unwrap(), ["a", "b", "c"]);
        let bad = json!({"scp": ["a", 1]});
        assert!(granted(bad.as_object().unwrap(), &names).is_err());
        let bad = json!({"scope": 7});
        assert!(granted(bad.as_object().unwrap(), &names).is_err());
    }

    #[test]
    fn only_scope_tokens_are_granted() {
        let names = vec!["scope".to_owned(), "scp".to_owned()];
        let claims = json!({"scp": ["mcp:access", "x pet-profile:write", "a\tb", "q\"", "é", ""], "scope": "read\twrite ok"});
        assert_eq!(granted(claims.as_object().unwrap(), &names).unwrap(), ["ok", "mcp:access"]);
    }

    #[test]
    fn whole_tokens_only() {
        let g = vec!["pet-profile:writer".to_owned(), "read".to_owned()];
        assert!(!covers(&g, &["pet-profile:write".to_owned()]));
        assert!(covers(&g, &["read".to_owned()]));
        assert!(covers(&g, &[]));
    }
}
