//! Where a claim lives in a token: a top-level member name (`scope`), or an
//! RFC 6901 JSON Pointer for a claim nested in objects (`/realm_access/roles`,
//! `/resource_access/vetassist-mcp/roles`).
//!
//! Identity providers put scopes and client ids in different places; a
//! config that names a place no token has would match nothing, silently, so
//! the one ambiguous spelling — a dotted name such as `realm_access.roles`,
//! which some libraries read as a path and others as a name — is a config
//! error that shows the pointer form instead.

use std::fmt;

use serde_json::Value;

use crate::json::{self, Member, Object};

/// A checked claim location from `scopeClaims` or `clientIdClaims`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPath {
    /// As written in the config.
    text: String,
    /// The reference tokens (RFC 6901 §3), unescaped; one for a member name.
    tokens: Vec<String>,
}

impl ClaimPath {
    /// Checks one entry; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty claim name".into());
        }
        let Some(pointer) = text.strip_prefix('/') else {
            if text.contains('.') {
                return Err(format!(
                    "{text:?} has a dot: nested claims are written as JSON Pointers (RFC 6901), e.g. {:?}; a top-level claim whose name has a dot is written \"/\" + its name, with \"~\" as \"~0\" and \"/\" as \"~1\"",
                    format!("/{}", text.replace('.', "/"))
                ));
            }
            return Ok(Self { text: text.to_owned(), tokens: vec![text.to_owned()] });
        };
        let tokens = pointer
            .split('/')
            .map(unescape)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|()| format!("{text:?} is not a JSON Pointer: \"~\" must be followed by \"0\" or \"1\" (RFC 6901 §3)"))?;
        if tokens.iter().any(String::is_empty) {
            return Err(format!("{text:?} has an empty step; a pointer is \"/\" followed by claim names separated by \"/\""));
        }
        Ok(Self { text: text.to_owned(), tokens })
    }

    /// The value at this place in `claims`, if there is one. Array elements
    /// are reached by index (RFC 6901 §4), with no leading zeros.
    pub fn find<'a>(&self, claims: &'a Object) -> Option<Member<'a>> {
        let (first, rest) = self.tokens.split_first()?;
        let top = claims.get(first)?;
        if rest.is_empty() {
            return Some(top);
        }
        rest.iter()
            .try_fold(top.value()?, |value, token| match value {
                Value::Object(members) => json::member(members, token),
                Value::Array(items) if token == "0" || !token.starts_with('0') => items.get(token.parse::<usize>().ok()?),
                _ => None,
            })
            .map(Member::Value)
    }

    /// The entry as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One reference token: `~1` is `/`, `~0` is `~` (RFC 6901 §4, in that order).
fn unescape(token: &str) -> Result<String, ()> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return Err(()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_pointers_find_their_claims() {
        let claims = json!({
            "scope": "a b",
            "realm_access": {"roles": ["r1"]},
            "resource_access": {"vetassist-mcp": {"roles": ["r2"]}},
            "urn:zitadel:iam:org:project:roles": {"pet-profile:read": {"1": "x"}},
            "https://vet.example/roles": ["r3"],
            "a~b": 1,
            "list": [["x"], ["y"]],
        });
        let claims = &json::object(claims);
        let at = |p: &str| ClaimPath::parse(p).unwrap().find(claims).map(Member::to_value);
        assert_eq!(at("scope"), Some(json!("a b")));
        assert_eq!(at("/scope"), Some(json!("a b")));
        assert_eq!(at("/realm_access/roles"), Some(json!(["r1"])));
        assert_eq!(at("/resource_access/vetassist-mcp/roles"), Some(json!(["r2"])));
        assert_eq!(at("/urn:zitadel:iam:org:project:roles"), Some(json!({"pet-profile:read": {"1": "x"}})));
        assert_eq!(at("urn:zitadel:iam:org:project:roles"), Some(json!({"pet-profile:read": {"1": "x"}})));
        assert_eq!(at("/https:~1~1vet.example~1roles"), Some(json!(["r3"])));
        assert_eq!(at("/a~0b"), Some(json!(1)));
        assert_eq!(at("/list/1/0"), Some(json!("y")));
        for missing in ["/list/01", "/list/2", "/scope/x", "/realm_access/groups", "nope", "/list/-"] {
            assert_eq!(at(missing), None, "{missing}");
        }
    }

    #[test]
    fn what_would_silently_match_nothing_is_refused() {
        let e = ClaimPath::parse("realm_access.roles").unwrap_err();
        assert!(e.contains("\"/realm_access/roles\""), "{e}");
        for bad in ["", "/", "/a//b", "/a~2", "/a~", "https://vet.example/roles"] {
            assert!(ClaimPath::parse(bad).is_err(), "{bad:?}");
        }
    }
}
